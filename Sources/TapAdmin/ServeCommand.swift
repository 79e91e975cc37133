import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TapCore
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
        let app = buildApplication(
            configuration: configuration, store: store, keyring: store.keyring, world: .live, logger: logger,
            onServerRunning: { port in
                serverLogger.notice("listening on http://\(configuration.host):\(port)")
            })
        try await app.runService()
        logger.info("server.stopped")
    }

    static func serverConfiguration(settings: SettingsSource, host: String?, port: Int?) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = settings.value("TAPSTATION_HOST", flag: host) ?? configuration.host
        if let text = settings.value("TAPSTATION_PORT", flag: port.map(String.init)) {
            guard let value = Int(text), (0...65535).contains(value) else {
                throw ConfigurationError("TAPSTATION_PORT must be a port number (0-65535), got \(text)")
            }
            configuration.port = value
        }
        if let text = settings.value("TAPSTATION_SWEEP_INTERVAL_SECONDS", flag: nil) {
            guard let value = Int(text), (1...3600).contains(value) else {
                throw ConfigurationError("TAPSTATION_SWEEP_INTERVAL_SECONDS must be 1-3600, got \(text)")
            }
            configuration.sweepInterval = .seconds(value)
        }
        if let text = settings.value("TAPSTATION_MAX_BODY_BYTES", flag: nil) {
            guard let value = Int(text), (1024...10_485_760).contains(value) else {
                throw ConfigurationError("TAPSTATION_MAX_BODY_BYTES must be 1024-10485760, got \(text)")
            }
            configuration.maximumBodyBytes = value
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
