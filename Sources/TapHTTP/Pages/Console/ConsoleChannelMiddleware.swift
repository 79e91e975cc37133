import Hummingbird
import TapCore

/// Marks every request to a console route, so that the audit events its writes append say `"channel":
/// "console"` (the "every write is audited with the person and the console as the channel").
struct ConsoleChannelMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.uri.path.hasPrefix("/console/") || request.uri.path == "/console" else {
            return try await next(request, context)
        }
        return try await AuditChannel.$current.withValue(.console) { try await next(request, context) }
    }
}
