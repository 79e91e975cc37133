import Hummingbird
import NIOCore
import TapCore

/// Per-request facts: Hummingbird's core storage plus the peer's address, for token source binding.
public struct TapRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected peer (the reverse proxy, when there is one).
    public let remoteAddress: SocketAddress?
    /// The client's address as ``ClientAddressMiddleware`` resolved it (trusted proxies looked through).
    public var clientAddress: String = "unknown"

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension TapRequestContext {
    /// The typed id in path parameter `name`; a malformed id is the same 404 as an unknown one.
    func pathID<Entity>(_ name: String = "id", naming what: String) throws -> Identifier<Entity> {
        guard let text = parameters.get(name), let id = Identifier<Entity>(text) else { throw APIError.notFound(what) }
        return id
    }

    /// The user principal name in path parameter `userPrincipalName` (percent-decoded); `nil` when it is not
    /// one, and the caller answers as its audience expects (the API a 400, a console page a 404).
    var pathUserPrincipalName: UserPrincipalName? {
        parameters.get("userPrincipalName")?.removingPercentEncoding.flatMap(UserPrincipalName.init)
    }
}
