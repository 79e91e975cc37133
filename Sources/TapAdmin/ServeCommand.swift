import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import TapCore
import TapCrypto
import TapGraph
import TapHTTP
import TapOIDC
import TapStorage

/// `tapstation serve`: runs the HTTP API and the expiry sweeper until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the TapStation service.")

    @OptionGroup var local: LocalOptions
    @Option(help: "Address to listen on (default 127.0.0.1, or TAPSTATION_HOST).") var host: String?
    @Option(help: "Port to listen on (default 8080, or TAPSTATION_PORT; 0 picks a free port).") var port: Int?

    func run() async throws {
        let (source, dataDirectory) = try local.resolve()
        let settings = try ServeSettings(settings: source, dataDirectory: dataDirectory, host: host, port: port)
        var logger = Logger(label: "tapstation")
        logger.logLevel = settings.logLevel

        try dataDirectory.create()
        let lock = try dataDirectory.lock(purpose: "starting another")
        defer { withExtendedLifetime(lock) {} }
        let opened = try await ConfiguredStore.open(
            settings: source, dataDirectory: dataDirectory, mode: .migrate, logger: logger)
        let store = opened.store
        if opened.createdSecret { logger.info("secret.created", metadata: ["path": "\(dataDirectory.secretPath)"]) }
        // A chain emptied, restarted or cut back behind its anchor is refused before anything appends to it:
        // a fresh chain would otherwise hide the wipe.
        if let problem = try await store.auditChainProblem(anchor: try dataDirectory.readAuditAnchor()) {
            let restore =
                opened.postgres == nil
                ? "restore the database with `tapstation restore` (which renews \(dataDirectory.auditAnchorPath)) rather than by hand"
                : "restore the database from its backup, or remove \(dataDirectory.auditAnchorPath) if this instance's data directory belongs to another database"
            throw ConfigurationError(
                "refusing to start: \(problem). Run `tapstation audit verify --data-dir \(dataDirectory.path)`; \(restore)"
            )
        }
        // The FIDO metadata in force adds each model's own attestation roots, scoped to its AAGUID; a BLOB
        // imported later is loaded by the refresher without a restart.
        let metadata = LiveMetadata(configuredAnchors: settings.server.webAuthn.attestationPolicy.anchors)
        try await metadata.refresh(from: store, logger: logger)
        let configuration = settings.server
        let readiness = try await store.readiness()
        var storageFacts: Logger.Metadata = ["storage": "\(opened.location)", "storage.engine": "\(readiness.engine)"]
        for (name, value) in readiness.facts { storageFacts["storage.\(name)"] = "\(value)" }
        if opened.postgres == nil { storageFacts["storage.synchronous"] = "\(try store.synchronousLevel())" }
        logger.info("storage.ready", metadata: storageFacts)
        if try await store.activeOperatorCount() == 0 {
            let command =
                "swift run tapstation operator create --name admin --role admin --data-dir \(dataDirectory.path)"
            logger.notice("no operator exists yet; create the first admin token with: \(command)")
        }
        let serverLogger = logger
        // One HTTP client for Graph, the OpenID provider and FIDO's metadata service, made when the first needs it.
        var http: HTTPClient?
        func sharedClient() -> HTTPClient {
            if let http { return http }
            // No redirects: a bearer token goes to the configured hosts and nowhere else.
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
            http = client
            return client
        }
        // Entra mode: the pass authority is Entra ID through Graph, with its watcher beside the server.
        var entra: EntraServices?
        if let entraSettings = settings.entra {
            let client = sharedClient()
            let tokens = TokenClient(configuration: entraSettings.graph, http: client)
            let graph = GraphClient(configuration: entraSettings.graph, http: client, tokens: tokens, logger: logger)
            // Instances on PostgreSQL share the ledger: one reconciles another's intent only once its create must
            // have ended (Graph's timeout on each of a create's calls, and their retries, are far shorter).
            let authority = EntraPassAuthority(
                ledger: store, graph: graph, now: Date.init, logger: logger,
                othersCreateFor: opened.postgres == nil ? nil : 600)
            let watcher = CompletionWatcher(
                ledger: store, graph: graph, authority: authority, rule: entraSettings.rule,
                schedule: entraSettings.schedule,
                now: Date.init, logger: logger)
            entra = EntraServices(authority: authority, watcher: watcher, interval: entraSettings.interval)
            logger.info(
                "entra.mode",
                metadata: [
                    "entra.tenant": "\(entraSettings.graph.tenant)",
                    "entra.credential": "\(entraSettings.graph.credential)",
                    "entra.completion": "\(entraSettings.rule.rawValue)",
                ])
        }
        // Console single sign-on: the provider is called with the same no-redirect client.
        var singleSignOn: OpenIDProvider?
        if let oidc = settings.singleSignOn {
            singleSignOn = OpenIDProvider(settings: oidc, http: sharedClient())
            logger.info(
                "console.sso", metadata: ["oidc.issuer": "\(oidc.issuer)", "oidc.mappings": "\(oidc.mappings.count)"])
        }
        var feed: MetadataFeed?
        if let url = settings.metadata.url {
            feed = MetadataFeed(
                url: url, every: settings.metadata.fetchInterval, roots: settings.metadata.roots,
                revocationSources: settings.metadata.revocationSources, http: sharedClient())
            logger.info("mds.feed", metadata: ["mds.url": "\(url)"])
        }
        let keeper = AuditAnchorKeeper(
            dataDirectory: dataDirectory, store: store, interval: .seconds(5), logger: logger)
        do {
            try await runServer(
                configuration: configuration, store: store, keyring: store.keyring, world: .live, logger: logger,
                entra: entra, singleSignOn: singleSignOn,
                facts: ServiceFacts(dataDirectory: dataDirectory, postgres: opened.postgres, entra: settings.entra),
                metadata: MetadataSettings(live: metadata, feed: feed, checkInterval: settings.metadata.checkInterval),
                additionalServices: [keeper],
                onServerRunning: { port in serverLogger.notice("listening on http://\(configuration.host):\(port)") })
        } catch {
            try? await http?.shutdown()
            throw error
        }
        try? await http?.shutdown()
        // SQLite folds the WAL into the database file and empties it, so that the next start has none to read back.
        do {
            try opened.close()
        } catch {
            logger.warning("storage.close.failed", metadata: ["error.type": "\(type(of: error))"])
        }
        logger.info("server.stopped")
    }
}

/// `tapstation migrate`: creates the data directory, the secret and the schema, then exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database.")

    @OptionGroup var local: LocalOptions

    func run() async throws {
        let (settings, dataDirectory) = try local.resolve()
        if let database = try DatabaseSettings.postgres(settings) {
            try await DatabaseSettings.migrate(database)
            // Every instance on the database needs this one secret: the passes, tokens and the audit chain are
            // MACed with it.
            try dataDirectory.create()
            try dataDirectory.checkPrivate(creatingDatabase: false)
            if try ServerSecret.loadOrCreate(at: dataDirectory.secretPath).created {
                printError(
                    "made the server secret \(dataDirectory.secretPath): copy it (mode 0600) into every instance's "
                        + "data directory before starting them")
            }
            return
        }
        _ = try dataDirectory.openStore(mode: .migrate)
        printError("database ready at \(dataDirectory.databasePath)")
    }
}
