import HTTPTypes
import Hummingbird
import NIOCore
import TapStorage

/// Works out the client's address: the connected peer, or, when the peer is a trusted reverse proxy, the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. Anything else in the header is
/// ignored, because a client can write whatever it likes there.
public struct ClientAddressResolver: Sendable {
    let trustedProxies: [AddressBlock]

    /// Makes a resolver trusting the given proxy addresses or blocks.
    public init(trustedProxies: [AddressBlock]) { self.trustedProxies = trustedProxies }

    func resolve(peer: String?, forwardedFor: String?) -> String {
        guard let peer else { return "unknown" }
        guard isTrusted(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard AddressBlock(hop) != nil else { return peer }  // garbage in the chain: trust nothing past it
            if !isTrusted(hop) { return hop }
        }
        return hops.first ?? peer
    }

    private func isTrusted(_ address: String) -> Bool { trustedProxies.contains { $0.contains(address) } }
}

/// Puts the resolved client address into the request context, and refuses over-long URLs before routing.
struct ClientAddressMiddleware: RouterMiddleware {
    let resolver: ClientAddressResolver
    let maximumURLBytes: Int

    func handle(
        _ request: Request, context: TapRequestContext, next: (Request, TapRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.uri.description.utf8.count <= maximumURLBytes else {
            throw APIError(
                status: .uriTooLong, code: .uriTooLong, detail: "the URL is longer than \(maximumURLBytes) bytes")
        }
        var context = context
        context.clientAddress = resolver.resolve(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!])
        return try await next(request, context)
    }
}
