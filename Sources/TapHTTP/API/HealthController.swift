import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapStorage

/// Liveness, readiness and the API description.
struct HealthController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.get, "/healthz", .anyone) { _, _, _ in try JSONBody.response(["status": "ok"]) }
        routes.add(.get, "/readyz", .anyone, handler: ready)
        routes.add(.get, "/openapi.yaml", .anyone) { _, _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }

    @Sendable func ready(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        do {
            let health = try await services.store.health()
            return try JSONBody.response(["status": "ready", "journalMode": health.journalMode])
        } catch {
            context.logger.error("readiness.failed", metadata: ["error.type": "\(type(of: error))"])
            return try JSONBody.response(["status": "unavailable"], status: .serviceUnavailable)
        }
    }
}
