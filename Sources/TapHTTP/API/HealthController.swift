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
                body: ResponseBody(byteBuffer: Self.openAPIDocument))
        }
    }

    /// The API contract, `API/openapi.yaml`, which SwiftPM compiles into the binary; served exactly as written.
    static let openAPIDocument = ByteBuffer(bytes: PackageResources.openapi_yaml)

    @Sendable func ready(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        do {
            // The engine names its own facts (SQLite: the journal mode); the status is ours.
            var body = try await services.store.readiness().facts
            body["status"] = "ready"
            return try JSONBody.response(body)
        } catch {
            context.logger.error("readiness.failed", metadata: ["error.type": "\(type(of: error))"])
            return try JSONBody.response(["status": "unavailable"], status: .serviceUnavailable)
        }
    }
}
