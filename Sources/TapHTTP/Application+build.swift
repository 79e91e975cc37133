import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TapCore
import TapStorage

/// Settings the HTTP application needs, already validated.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted, in bytes.
    public var maximumBodyBytes: Int
    /// How often the expiry sweeper runs.
    public var sweepInterval: Duration

    /// Makes a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = 64 * 1024, sweepInterval: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.sweepInterval = sweepInterval
    }
}

/// What every controller holds.
struct AppServices: Sendable {
    let configuration: ServerConfiguration
    let store: EnrollmentStore
    let keyring: Keyring
    let world: World
    let idempotencyGate: IdempotencyGate
    let refusals: RefusalLedger
}

/// The router with every route of the API, and the list of what it registered (for the spec test).
/// Refused requests are counted in `refusals` for the sweeper to audit.
public func buildRouter(
    configuration: ServerConfiguration, store: EnrollmentStore, keyring: Keyring, world: World,
    refusals: RefusalLedger = RefusalLedger()
) -> (router: Router<TapRequestContext>, routes: [RouteDescription]) {
    let services = AppServices(
        configuration: configuration, store: store, keyring: keyring, world: world, idempotencyGate: IdempotencyGate(),
        refusals: refusals)
    let router = Router(context: TapRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ProblemMiddleware())
    let table = RouteTable(router: router, authenticator: Authenticator(store: store), refusals: refusals)
    HealthController(services: services).register(table)
    SessionsController(services: services).register(table)
    EnrollmentController(services: services).register(table)
    OperatorsController(services: services).register(table)
    ReadController(services: services).register(table)
    return (router, table.routes)
}

/// The composition root: the HTTP server and the expiry sweeper, ready to run as one service group.
public func buildApplication(
    configuration: ServerConfiguration, store: EnrollmentStore, keyring: Keyring, world: World, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let refusals = RefusalLedger()
    let (router, _) = buildRouter(configuration: configuration, store: store, keyring: keyring, world: world, refusals: refusals)
    var app = Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    app.addServices(ExpirySweeper(store: store, refusals: refusals, interval: configuration.sweepInterval, logger: logger))
    return app
}

/// Logs each request once: method, route, status, duration. Never the body, the query or a header.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        context.logger.debug(
            "request.handled",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(context.endpointPath ?? "-")",
                "http.status": "\(response.status.code)",
                "duration.ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
            ])
        return response
    }
}
