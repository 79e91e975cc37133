import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import TapCore
import TapGraph
import TapHTTP
import TapStorage
import WebAuthn

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
        // A chain emptied, restarted or cut back behind its anchor is refused before anything appends to it:
        // a fresh chain would otherwise hide the wipe.
        if let problem = try await store.auditChainProblem(anchor: try dataDirectory.readAuditAnchor()) {
            throw ConfigurationError(
                "refusing to start: \(problem). Run `tapstation audit verify --data-dir \(dataDirectory.path)`; restore the "
                    + "database with `tapstation restore` (which renews \(dataDirectory.auditAnchorPath)) rather than by hand")
        }
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
            additionalServices: [
                AuditAnchorKeeper(dataDirectory: dataDirectory, store: store, interval: .seconds(5), logger: logger)
            ],
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
        // Folds the WAL into the database file and empties it, so that the next start has none to read back.
        do {
            try store.close()
        } catch {
            logger.warning("storage.close.failed", metadata: ["error.type": "\(type(of: error))"])
        }
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
        // Event streams last long; at most half the connections, so that health checks and redeems always find one.
        let streamCeiling = max(1, configuration.maximumConnections / 2)
        configuration.maximumEventStreams =
            try integer("TAPSTATION_MAX_EVENT_STREAMS", 1...streamCeiling)
            ?? min(configuration.maximumEventStreams, max(1, configuration.maximumConnections / 4))
        configuration.maximumEventStreamsPerOperator =
            try integer("TAPSTATION_MAX_EVENT_STREAMS_PER_OPERATOR", 1...1000) ?? configuration.maximumEventStreamsPerOperator
        if let seconds = try integer("TAPSTATION_IDLE_TIMEOUT_SECONDS", 1...3600) { configuration.idleTimeout = .seconds(seconds) }
        if let seconds = try integer("TAPSTATION_BODY_TIMEOUT_SECONDS", 1...3600) { configuration.bodyTimeout = .seconds(seconds) }
        var limits = configuration.redeemLimits
        limits.perClientAndUser = try integer("TAPSTATION_REDEEM_LIMIT_PER_CLIENT_USER", 1...10_000) ?? limits.perClientAndUser
        limits.perUser = try integer("TAPSTATION_REDEEM_LIMIT_PER_USER", 1...100_000) ?? limits.perUser
        limits.perUserBeforeDelay =
            try integer("TAPSTATION_REDEEM_USER_FAILURES_BEFORE_DELAY", 1...100_000) ?? limits.perUserBeforeDelay
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
        configuration.webAuthn = try webAuthnConfiguration(settings: settings, port: configuration.port)
        configuration.retentionDays = try integer("TAPSTATION_RETENTION_DAYS", 2...36_500)
        configuration.maximumBatchBodyBytes =
            try integer("TAPSTATION_MAX_BATCH_BODY_BYTES", 1024...67_108_864) ?? configuration.maximumBatchBodyBytes
        if let text = settings.value("TAPSTATION_WEBHOOK_ALLOWED_NETWORKS", flag: nil) {
            configuration.webhooks.allowedNetworks = try text.split(separator: ",").map { item in
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                guard let block = AddressBlock(trimmed) else {
                    throw ConfigurationError("TAPSTATION_WEBHOOK_ALLOWED_NETWORKS: \(trimmed) is not an IP address or CIDR block")
                }
                return block
            }
        }
        if let text = settings.value("TAPSTATION_WEBHOOK_ALLOW_HTTP", flag: nil) {
            guard let value = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                throw ConfigurationError("TAPSTATION_WEBHOOK_ALLOW_HTTP must be true or false, got \(text)")
            }
            configuration.webhooks.insecureHTTPAllowed = value
        }
        if let text = settings.value("TAPSTATION_WEBHOOKS_PAUSED", flag: nil) {
            guard let value = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                throw ConfigurationError("TAPSTATION_WEBHOOKS_PAUSED must be true or false, got \(text)")
            }
            configuration.webhooks.deliveryPaused = value
        }
        configuration.webhooks.retry.maximumAttempts =
            try integer("TAPSTATION_WEBHOOK_MAX_ATTEMPTS", 1...50) ?? configuration.webhooks.retry.maximumAttempts
        if let seconds = try integer("TAPSTATION_WEBHOOK_TIMEOUT_SECONDS", 1...120) { configuration.webhooks.requestTimeout = .seconds(seconds) }
        return configuration
    }

    /// The relying party and attestation policy, from the `TAPSTATION_WEBAUTHN_*` keys (docs/configuration.md).
    static func webAuthnConfiguration(settings: SettingsSource, port: Int) throws -> WebAuthnConfiguration {
        var webAuthn = WebAuthnConfiguration()
        let rpID = (settings.value("TAPSTATION_WEBAUTHN_RP_ID", flag: nil) ?? "localhost").lowercased()
        guard !rpID.isEmpty, rpID.count <= 253, !rpID.contains(where: { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }),
            !rpID.allSatisfy({ $0.isNumber || $0 == "." })
        else {
            throw ConfigurationError("TAPSTATION_WEBAUTHN_RP_ID must be a domain name such as contoso.example (not an IP address), got \(rpID)")
        }
        webAuthn.relyingPartyID = rpID
        webAuthn.relyingPartyName = settings.value("TAPSTATION_WEBAUTHN_RP_NAME", flag: nil) ?? "TapStation"
        if let text = settings.value("TAPSTATION_WEBAUTHN_ORIGINS", flag: nil) {
            let origins = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for origin in origins {
                let rest = origin.hasPrefix("https://") ? origin.dropFirst(8) : origin.hasPrefix("http://") ? origin.dropFirst(7) : nil
                guard let rest, !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
                    throw ConfigurationError(
                        "TAPSTATION_WEBAUTHN_ORIGINS: \(origin) is not an origin (scheme://host[:port], no path or trailing slash)")
                }
            }
            guard !origins.isEmpty else { throw ConfigurationError("TAPSTATION_WEBAUTHN_ORIGINS names no origin") }
            webAuthn.origins = Set(origins)
        } else {
            webAuthn.origins = rpID == "localhost" ? ["http://localhost:\(port)"] : ["https://\(rpID)"]
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_ATTESTATION", flag: nil) {
            guard let conveyance = AttestationPolicy.Conveyance(rawValue: text) else {
                throw ConfigurationError("TAPSTATION_WEBAUTHN_ATTESTATION must be none, indirect, direct or enterprise, got \(text)")
            }
            webAuthn.attestationPolicy.conveyance = conveyance
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_TRUST_MODE", flag: nil) {
            guard let mode = AttestationPolicy.TrustMode(rawValue: text) else {
                throw ConfigurationError("TAPSTATION_WEBAUTHN_TRUST_MODE must be signatureOnly or anchored, got \(text)")
            }
            webAuthn.attestationPolicy.trustMode = mode
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_TRUST_ANCHORS", flag: nil) {
            var anchors = TrustAnchors.wellKnown
            for path in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !path.isEmpty {
                guard let data = FileManager.default.contents(atPath: path), let pem = String(data: data, encoding: .utf8) else {
                    throw ConfigurationError("TAPSTATION_WEBAUTHN_TRUST_ANCHORS: cannot read \(path)")
                }
                do { anchors = try anchors.addingGeneral(pem: pem) } catch {
                    throw ConfigurationError("TAPSTATION_WEBAUTHN_TRUST_ANCHORS: \(path) holds no readable PEM certificate")
                }
            }
            webAuthn.attestationPolicy.anchors = anchors
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS", flag: nil) {
            webAuthn.attestationPolicy.allowedAAGUIDs = Set(try text.split(separator: ",").map { item in
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                guard let aaguid = AAGUID(uuidString: trimmed) else {
                    throw ConfigurationError("TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS: \(trimmed) is not a UUID")
                }
                return aaguid
            })
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS", flag: nil) {
            guard let seconds = Int(text), (30...3600).contains(seconds) else {
                throw ConfigurationError("TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS must be a whole number from 30 to 3600, got \(text)")
            }
            webAuthn.challengeLifetime = TimeInterval(seconds)
        }
        return webAuthn
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
