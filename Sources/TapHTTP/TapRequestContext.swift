import Hummingbird
import NIOCore

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
