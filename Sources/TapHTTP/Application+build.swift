import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import TapCore
import TapGraph
import TapOIDC
import TapStorage
import WebAuthn

/// Settings the HTTP application needs, already validated. docs/configuration.md documents each.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted, in bytes.
    public var maximumBodyBytes: Int
    /// Longest request URL (path and query) accepted, in bytes.
    public var maximumURLBytes: Int
    /// Largest header block accepted, in bytes.
    public var maximumHeaderBytes: Int
    /// Connections open at once; more wait in the listen backlog.
    public var maximumConnections: Int
    /// A connection that sends nothing for this long is closed (slow or idle clients).
    public var idleTimeout: Duration
    /// A request's body must arrive whole within this time of its head.
    public var bodyTimeout: Duration
    /// How often the expiry sweeper runs.
    public var sweepInterval: Duration
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    public var trustedProxies: [AddressBlock]
    /// Failed-redeem limits.
    public var redeemLimits: RedeemThrottle.Limits
    /// How often an open event stream sends a comment line, so proxies and clients know it is alive.
    public var eventHeartbeat: Duration
    /// An event stream is ended after this long; clients reconnect with `Last-Event-ID`. Bounds what one
    /// forgotten client holds, and lets a restart behind a load balancer spread streams again.
    public var eventStreamLifetime: Duration
    /// Event streams one operator may hold open at once; more are refused with 429 `too_many_streams`.
    public var maximumEventStreamsPerOperator: Int = 8
    /// Event streams open at once in all: kept well below `maximumConnections`, so that streams never take the
    /// connections that ordinary requests (health, redeem) need.
    public var maximumEventStreams: Int = 256
    /// The relying party and attestation policy of key registration and sign-in verification.
    public var webAuthn: WebAuthnConfiguration
    /// Largest body of `POST /v1/sessions/batch`, in bytes (500 rows need more than a single create).
    public var maximumBatchBodyBytes: Int = 1024 * 1024
    /// Closed sessions (and their personal data) are purged this many days after closing; `nil` keeps them.
    public var retentionDays: Int?
    /// Webhook delivery: which addresses may be targeted, retries, timeouts.
    public var webhooks = WebhookSettings()
    /// The operator console's session and invitation lifetimes.
    public var console = ConsoleSettings()

    /// Makes a configuration with the documented defaults.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = 64 * 1024, maximumURLBytes: Int = 8192,
        maximumHeaderBytes: Int = 16 * 1024, maximumConnections: Int = 1024, idleTimeout: Duration = .seconds(30),
        bodyTimeout: Duration = .seconds(30), sweepInterval: Duration = .seconds(30),
        trustedProxies: [AddressBlock] = [],
        redeemLimits: RedeemThrottle.Limits = RedeemThrottle.Limits(), eventHeartbeat: Duration = .seconds(15),
        eventStreamLifetime: Duration = .seconds(3600), webAuthn: WebAuthnConfiguration = WebAuthnConfiguration()
    ) {
        self.webAuthn = webAuthn
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumURLBytes = maximumURLBytes
        self.maximumHeaderBytes = maximumHeaderBytes
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.sweepInterval = sweepInterval
        self.trustedProxies = trustedProxies
        self.redeemLimits = redeemLimits
        self.eventHeartbeat = eventHeartbeat
        self.eventStreamLifetime = eventStreamLifetime
    }
}

/// What every controller holds.
struct AppServices: Sendable {
    let configuration: ServerConfiguration
    let store: any TapStore
    let keyring: Keyring
    let world: World
    let idempotencyGate: IdempotencyGate
    let refusals: RefusalLedger
    let throttle: RedeemThrottle
    let metrics: ServiceMetrics
    /// Who mints and revokes passes: the store itself (local) or Entra.
    let authority: any PassAuthority
    /// The open event streams: their caps, and ending a revoked operator's at once.
    let streams: EventStreamRegistry
    /// The organisation's OpenID provider, when console single sign-on is configured.
    let singleSignOn: OpenIDProvider?
    /// People's roles whose bearer tokens the policy switched off.
    let consoleOnlyRoles: ConsoleOnlyRoles
    /// The installation beyond the store, for the service page and the chain check.
    let facts: ServiceFacts
    /// Each operator's latest use, until the sweeper writes it.
    let uses: OperatorUseLedger
    /// The FIDO metadata keys are judged with, and the anchors with each model's roots.
    let metadata: LiveMetadata
}

/// The router with every route of the API, and the list of what it registered (for the spec test).
/// Refused requests are counted in `refusals`, failed redeems in `throttle`; the sweeper drains both.
public func buildRouter(
    configuration: ServerConfiguration, store: any TapStore, keyring: Keyring, world: World,
    refusals: RefusalLedger = RefusalLedger(), throttle: RedeemThrottle? = nil,
    metrics: ServiceMetrics = ServiceMetrics(),
    authority: (any PassAuthority)? = nil, singleSignOn: OpenIDProvider? = nil, facts: ServiceFacts = ServiceFacts(),
    uses: OperatorUseLedger = OperatorUseLedger(), metadata: LiveMetadata? = nil
) -> (router: Router<TapRequestContext>, routes: [RouteDescription]) {
    let authority = authority ?? LocalPassAuthority(store: store)
    let services = AppServices(
        configuration: configuration, store: store, keyring: keyring, world: world, idempotencyGate: IdempotencyGate(),
        refusals: refusals, throttle: throttle ?? RedeemThrottle(limits: configuration.redeemLimits, now: world.now),
        metrics: metrics, authority: authority,
        streams: EventStreamRegistry(
            perOperator: configuration.maximumEventStreamsPerOperator, total: configuration.maximumEventStreams),
        singleSignOn: singleSignOn, consoleOnlyRoles: ConsoleOnlyRoles(store: store), facts: facts,
        uses: uses,
        metadata: metadata ?? LiveMetadata(configuredAnchors: configuration.webAuthn.attestationPolicy.anchors))
    let router = Router(context: TapRequestContext.self, options: .autoGenerateHeadEndpoints)
    let table = RouteTable(
        router: router, authenticator: services.authenticator, refusals: refusals, metrics: metrics,
        passAuthority: authority.mode, uses: uses, now: world.now)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ProblemMiddleware(routes: table))
    router.add(middleware: ConsoleChannelMiddleware())
    router.add(
        middleware: ClientAddressMiddleware(
            resolver: ClientAddressResolver(trustedProxies: configuration.trustedProxies),
            maximumURLBytes: configuration.maximumURLBytes))
    HealthController(services: services).register(table)
    SessionsController(services: services).register(table)
    EnrollmentController(services: services).register(table)
    OperatorsController(services: services).register(table)
    ReadController(services: services).register(table)
    IncidentController(services: services).register(table)
    EventsController(services: services).register(table)
    KioskEnrolmentController(services: services).register(table)
    FIDO2Controller(services: services).register(table)
    KeysController(services: services).register(table)
    EnrollPage(services: services).register(table)
    WebhooksController(services: services).register(table)
    MetricsController(services: services).register(table)
    BoardController(services: services).register(table)
    ConsoleSignInController(services: services).register(table)
    ConsoleHomeController(services: services).register(table)
    ConsoleSessionsController(services: services).register(table)
    ConsoleApprovalsController(services: services).register(table)
    ConsoleUsersController(services: services).register(table)
    ConsolePolicyController(services: services).register(table)
    ConsolePeopleController(services: services).register(table)
    ConsoleWebhooksController(services: services).register(table)
    ConsoleKeysController(services: services).register(table)
    ConsoleServiceController(services: services).register(table)
    ConsoleAuditController(services: services).register(table)
    ConsolePasskeysController(services: services).register(table)
    ConsoleBenchController(services: services).register(table)
    ConsoleSingleSignOnController(services: services).register(table)
    return (router, table.routes)
}

/// The composition root: the HTTP server and the expiry sweeper (and in Entra mode the Entra watcher), ready
/// to run as one service group.
public func buildApplication(
    configuration: ServerConfiguration, store: any TapStore, keyring: Keyring, world: World, logger: Logger,
    entra: EntraServices? = nil, singleSignOn: OpenIDProvider? = nil, facts: ServiceFacts = ServiceFacts(),
    metadata: MetadataSettings? = nil, additionalServices: [any Service] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let refusals = RefusalLedger()
    let throttle = RedeemThrottle(limits: configuration.redeemLimits, now: world.now, peers: store.peers)
    let metrics = ServiceMetrics()
    let uses = OperatorUseLedger()
    var facts = facts
    if let rounds = entra?.rounds { facts.lastGraphRound = { rounds.last } }
    let (router, _) = buildRouter(
        configuration: configuration, store: store, keyring: keyring, world: world, refusals: refusals,
        throttle: throttle,
        metrics: metrics, authority: entra?.authority, singleSignOn: singleSignOn, facts: facts, uses: uses,
        metadata: metadata?.live)
    var app = Application(
        router: router,
        server: httpServer(configuration),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    // Each singleton job runs on one instance at a time when several share a database (docs/postgres.md).
    let holder = JobLease.holderName()
    func lease(_ job: String, term: Duration = .seconds(30)) -> JobLease {
        JobLease(job: job, holder: holder, store: store, term: term, logger: logger)
    }
    // A webhook attempt starts only while the lease outlasts its timeout (see ``WebhookSender``).
    let deliveryTerm = max(.seconds(30), configuration.webhooks.requestTimeout * 2 + .seconds(10))
    app.addServices(
        ExpirySweeper(
            store: store, refusals: refusals, throttle: throttle, interval: configuration.sweepInterval, logger: logger,
            metrics: metrics, retentionDays: configuration.retentionDays, uses: uses, lease: lease("sweeper")),
        WebhookSender(
            store: store, keyring: keyring, world: world, settings: configuration.webhooks, logger: logger,
            lease: lease("webhooks", term: deliveryTerm)))
    if let entra {
        app.addServices(
            EntraWatcherService(entra: entra, logger: logger, lease: lease("entra-watcher", term: .seconds(60))))
    }
    if let metadata {
        app.addServices(
            MetadataRefresher(
                store: store, metadata: metadata.live, feed: metadata.feed, interval: metadata.checkInterval,
                logger: logger, lease: lease("fido-metadata-fetch")))
    }
    app.addServices(additionalServices)
    return app
}

/// HTTP/1.1 with the configured limits: header sizes, the idle timeout between requests, the deadline for each
/// request's body (``RequestBodyDeadlineHandler``), and a lingering close after an answer given before the body
/// ended (``LingeringCloseHandler``). Tests serve through it too.
func httpServer(_ configuration: ServerConfiguration) -> HTTPServerBuilder {
    var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
    decoder.maxHeaderListSize = configuration.maximumHeaderBytes
    decoder.maxHeaderFieldSize = configuration.maximumHeaderBytes
    decoder.maxHeaderFieldCount = 100
    let bodyTimeout = configuration.bodyTimeout
    return .http1(
        configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestBodyDeadlineHandler(timeout: bodyTimeout), LingeringCloseHandler()],
            idleTimeout: TimeAmount(configuration.idleTimeout),
            httpDecoderConfiguration: decoder))
}

/// Logs each request once: method, route, status, duration. Never the body, the query or a header.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        context.logger.debug(
            "request.handled",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(context.endpointPath ?? "-")",
                "http.status": "\(response.status.code)",
                "duration.ms":
                    "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
            ])
        return response
    }
}
