import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import TapCore
import TapGraph
import TapHTTP
import TapStorage

/// `tapstation serve`: runs the HTTP API and the expiry sweeper until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the TapStation service.")

    @OptionGroup var local: LocalOptions
    @Option(help: "Address to listen on (default 127.0.0.1, or TAPSTATION_HOST).") var host: String?
    @Option(help: "Port to listen on (default 8080, or TAPSTATION_PORT; 0 picks a free port).") var port: Int?

    func run() async throws {
        let (settings, dataDirectory) = try local.resolve()
        let configuration = try Self.serverConfiguration(settings: settings, host: host, port: port)
        var logger = Logger(label: "tapstation")
        logger.logLevel = try Self.logLevel(settings)

        try dataDirectory.create()
        let lock = try dataDirectory.lock(purpose: "starting another")
        defer { withExtendedLifetime(lock) {} }
        let (store, createdSecret) = try dataDirectory.openStore(mode: .migrate)
        if createdSecret { logger.info("secret.created", metadata: ["path": "\(dataDirectory.secretPath)"]) }
        let synchronous = try store.synchronousLevel()
        logger.info("storage.ready", metadata: ["path": "\(dataDirectory.databasePath)", "synchronous": "\(synchronous)"])
        if try await store.activeOperatorCount() == 0 {
            let command = "swift run tapstation operator create --name admin --role admin --data-dir \(dataDirectory.path)"
            logger.notice("no operator exists yet; create the first admin token with: \(command)")
        }
        let serverLogger = logger
        // Entra mode: the pass authority is Entra ID through Graph, with its watcher beside the server.
        var http: HTTPClient?
        var entra: EntraServices?
        if try EntraSettings.mode(settings) == .entra {
            let entraSettings = try EntraSettings.load(settings)
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                // No redirects: a bearer token goes to the configured hosts and nowhere else.
                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
            http = client
            let tokens = TokenClient(configuration: entraSettings.graph, http: client)
            let graph = GraphClient(configuration: entraSettings.graph, http: client, tokens: tokens, logger: logger)
            let authority = EntraPassAuthority(ledger: store, graph: graph, now: Date.init, logger: logger)
            let watcher = CompletionWatcher(
                ledger: store, graph: graph, authority: authority, rule: entraSettings.rule, schedule: entraSettings.schedule,
                now: Date.init, logger: logger)
            entra = EntraServices(authority: authority, watcher: watcher, interval: entraSettings.interval)
            logger.info(
                "entra.mode",
                metadata: [
                    "entra.tenant": "\(entraSettings.graph.tenant)", "entra.credential": "\(entraSettings.graph.credential)",
                    "entra.completion": "\(entraSettings.rule.rawValue)",
                ])
        }
        let app = buildApplication(
            configuration: configuration, store: store, keyring: store.keyring, world: .live, logger: logger, entra: entra,
            onServerRunning: { port in
                serverLogger.notice("listening on http://\(configuration.host):\(port)")
            })
        do {
            try await app.runService()
        } catch {
            try? await http?.shutdown()
            throw error
        }
        try? await http?.shutdown()
        logger.info("server.stopped")
    }

    static func serverConfiguration(settings: SettingsSource, host: String?, port: Int?) throws -> ServerConfiguration {
        func integer(_ key: String, _ range: ClosedRange<Int>, flag: Int? = nil) throws -> Int? {
            guard let text = settings.value(key, flag: flag.map(String.init)) else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw ConfigurationError("\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
            }
            return value
        }
        var configuration = ServerConfiguration()
        configuration.host = settings.value("TAPSTATION_HOST", flag: host) ?? configuration.host
        configuration.port = try integer("TAPSTATION_PORT", 0...65535, flag: port) ?? configuration.port
        if let seconds = try integer("TAPSTATION_SWEEP_INTERVAL_SECONDS", 1...3600) { configuration.sweepInterval = .seconds(seconds) }
        configuration.maximumBodyBytes = try integer("TAPSTATION_MAX_BODY_BYTES", 1024...10_485_760) ?? configuration.maximumBodyBytes
        configuration.maximumURLBytes = try integer("TAPSTATION_MAX_URL_BYTES", 256...65536) ?? configuration.maximumURLBytes
        configuration.maximumHeaderBytes = try integer("TAPSTATION_MAX_HEADER_BYTES", 1024...262_144) ?? configuration.maximumHeaderBytes
        configuration.maximumConnections = try integer("TAPSTATION_MAX_CONNECTIONS", 1...100_000) ?? configuration.maximumConnections
        if let seconds = try integer("TAPSTATION_IDLE_TIMEOUT_SECONDS", 1...3600) { configuration.idleTimeout = .seconds(seconds) }
        if let seconds = try integer("TAPSTATION_BODY_TIMEOUT_SECONDS", 1...3600) { configuration.bodyTimeout = .seconds(seconds) }
        var limits = configuration.redeemLimits
        limits.perClientAndUser = try integer("TAPSTATION_REDEEM_LIMIT_PER_CLIENT_USER", 1...10_000) ?? limits.perClientAndUser
        limits.perUser = try integer("TAPSTATION_REDEEM_LIMIT_PER_USER", 1...100_000) ?? limits.perUser
        limits.perClient = try integer("TAPSTATION_REDEEM_LIMIT_PER_CLIENT", 1...1_000_000) ?? limits.perClient
        limits.windowSeconds = try integer("TAPSTATION_REDEEM_WINDOW_SECONDS", 10...86_400) ?? limits.windowSeconds
        configuration.redeemLimits = limits
        if let text = settings.value("TAPSTATION_TRUSTED_PROXIES", flag: nil) {
            configuration.trustedProxies = try text.split(separator: ",").map { item in
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                guard let block = AddressBlock(trimmed) else {
                    throw ConfigurationError("TAPSTATION_TRUSTED_PROXIES: \(trimmed) is not an IP address or CIDR block")
                }
                return block
            }
        }
        return configuration
    }

    static func logLevel(_ settings: SettingsSource) throws -> Logger.Level {
        guard let text = settings.value("TAPSTATION_LOG_LEVEL", flag: nil) else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError("TAPSTATION_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
}

/// `tapstation migrate`: creates the data directory, the secret and the schema, then exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database.")

    @OptionGroup var local: LocalOptions

    func run() async throws {
        let (_, dataDirectory) = try local.resolve()
        _ = try dataDirectory.openStore(mode: .migrate)
        printError("database ready at \(dataDirectory.databasePath)")
    }
}
