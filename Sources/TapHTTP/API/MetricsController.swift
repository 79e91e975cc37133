import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapCore
import TapStorage

/// `GET /metrics`: Prometheus text, to a scraper on the same host or one holding a `metrics` token.
struct MetricsController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.get, "/metrics", .anyone, handler: metrics)
    }

    /// Without a token, only a client on loopback is served: the connected peer must be loopback and the
    /// request must not have come through a proxy (a reverse proxy on the same host would otherwise make
    /// every client look local). With a token, it must be a `metrics` (or admin) token.
    @Sendable func metrics(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        if request.headers[.authorization] != nil {
            let access = Access.operators([.metrics, .admin])
            let caller = try await services.authenticator.identify(request, access: access)
            try services.authenticator.authorize(caller, access: access, context: context)
        } else {
            let proxied = request.headers[.forwardedFor] != nil || request.headers[.forwarded] != nil
            guard !proxied, Self.isLoopback(context.remoteAddress) else {
                throw APIError(
                    status: .unauthorized, code: .unauthorized,
                    detail: "send a metrics token as 'Authorization: Bearer <token>', or scrape from the same host",
                    headers: [.wwwAuthenticate: "Bearer"])
            }
        }
        async let figures = services.store.metrics()
        async let locked = services.store.lockedPassCount()
        let text = services.metrics.exposition(
            store: try await figures, lockedPasses: try await locked, now: services.world.now())
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return AddressBlock("127.0.0.0/8")!.contains(ip) || AddressBlock("::1/128")!.contains(ip)
    }
}

extension HTTPField.Name {
    fileprivate static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    fileprivate static let forwarded = HTTPField.Name("Forwarded")!
}

extension AppServices {
    /// The same credential checks the route table makes, for a route that decides by itself.
    var authenticator: Authenticator { Authenticator(store: store, consoleOnlyRoles: consoleOnlyRoles) }
}
