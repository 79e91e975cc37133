import Foundation
import Logging
import TapCore
import TapHTTP
import TapOIDC
import TapStorage
import WebAuthn

/// What `tapstation serve` reads, typed and checked once before anything starts: flags, then `TAPSTATION_*`
/// environment variables, then the config file, then defaults (docs/configuration.md documents each key).
struct ServeSettings: Sendable {
    /// The HTTP service: listener, limits, relying party, webhooks.
    var server: ServerConfiguration
    /// How much the service logs.
    var logLevel: Logger.Level
    /// Where the database and the server secret live.
    var dataDirectory: DataDirectory
    /// Entra mode's settings; `nil` in local mode.
    var entra: EntraSettings?
    /// The console's single sign-on; `nil` when no OpenID provider is configured.
    var singleSignOn: OIDCSettings?
    /// Where FIDO metadata comes from and how often it is checked.
    var metadata: MetadataFeedSettings

    /// Keys `tapstation` reads; any other `TAPSTATION_` key in a file is a typo and refused.
    static let keys = ConfigurationKeys(
        prefix: "TAPSTATION_",
        known: serverKeys.union(EntraSettings.keys).union(SingleSignOnSettings.keys).union(MetadataFeedSettings.keys)
            .union(DatabaseSettings.keys),
        otherPrefixes: ["TAPKIOSK_"],
        fileKey: "TAPSTATION_CONFIG", defaultFile: "/etc/tapstation/tapstation.conf")

    private static let serverKeys: Set<String> = [
        "TAPSTATION_DATA_DIR", "TAPSTATION_HOST", "TAPSTATION_PORT", "TAPSTATION_LOG_LEVEL",
        "TAPSTATION_SWEEP_INTERVAL_SECONDS", "TAPSTATION_MAX_BODY_BYTES", "TAPSTATION_CONFIG",
        "TAPSTATION_MAX_URL_BYTES",
        "TAPSTATION_MAX_HEADER_BYTES", "TAPSTATION_MAX_CONNECTIONS", "TAPSTATION_IDLE_TIMEOUT_SECONDS",
        "TAPSTATION_BODY_TIMEOUT_SECONDS", "TAPSTATION_REDEEM_LIMIT_PER_CLIENT_USER",
        "TAPSTATION_REDEEM_LIMIT_PER_USER",
        "TAPSTATION_REDEEM_USER_FAILURES_BEFORE_DELAY",
        "TAPSTATION_REDEEM_LIMIT_PER_CLIENT", "TAPSTATION_REDEEM_WINDOW_SECONDS", "TAPSTATION_TRUSTED_PROXIES",
        "TAPSTATION_WEBAUTHN_RP_ID", "TAPSTATION_WEBAUTHN_RP_NAME", "TAPSTATION_WEBAUTHN_ORIGINS",
        "TAPSTATION_WEBAUTHN_ATTESTATION", "TAPSTATION_WEBAUTHN_TRUST_MODE", "TAPSTATION_WEBAUTHN_TRUST_ANCHORS",
        "TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS", "TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS",
        "TAPSTATION_MAX_BATCH_BODY_BYTES", "TAPSTATION_WEBHOOK_ALLOWED_NETWORKS", "TAPSTATION_WEBHOOK_ALLOW_HTTP",
        "TAPSTATION_WEBHOOK_MAX_ATTEMPTS", "TAPSTATION_WEBHOOK_TIMEOUT_SECONDS", "TAPSTATION_WEBHOOKS_PAUSED",
        "TAPSTATION_RETENTION_DAYS", "TAPSTATION_MAX_EVENT_STREAMS", "TAPSTATION_MAX_EVENT_STREAMS_PER_OPERATOR",
        "TAPSTATION_CONSOLE_IDLE_MINUTES", "TAPSTATION_CONSOLE_SESSION_HOURS", "TAPSTATION_CONSOLE_INVITATION_HOURS",
    ]

    /// Reads and checks every setting of `serve`; the message of a refusal names the key and why.
    init(settings: ConfigurationSource, dataDirectory: DataDirectory, host: String?, port: Int?) throws {
        server = try Self.serverConfiguration(settings: settings, host: host, port: port)
        logLevel = try Self.logLevel(settings)
        self.dataDirectory = dataDirectory
        entra = try EntraSettings.mode(settings) == .entra ? EntraSettings.load(settings) : nil
        singleSignOn = try SingleSignOnSettings.load(settings, origin: server.webAuthn.origins.sorted().first)
        metadata = try MetadataFeedSettings.load(settings)
        if let label = settings.value("TAPSTATION_OIDC_LABEL", flag: nil), !label.isEmpty {
            server.console.singleSignOnLabel = String(label.prefix(60))
        }
    }

    /// The HTTP service's configuration: listener, limits, relying party, webhooks (`--host` and `--port` win).
    static func serverConfiguration(
        settings: ConfigurationSource, host: String?, port: Int?
    ) throws
        -> ServerConfiguration
    {
        func integer(_ key: String, _ range: ClosedRange<Int>, flag: Int? = nil) throws -> Int? {
            try settings.integer(key, in: range, flag: flag)
        }
        let truths = ["true": true, "false": false, "1": true, "0": false]
        var configuration = ServerConfiguration()
        configuration.host = settings.value("TAPSTATION_HOST", flag: host) ?? configuration.host
        configuration.port = try integer("TAPSTATION_PORT", 0...65535, flag: port) ?? configuration.port
        if let seconds = try integer("TAPSTATION_SWEEP_INTERVAL_SECONDS", 1...3600) {
            configuration.sweepInterval = .seconds(seconds)
        }
        configuration.maximumBodyBytes =
            try integer("TAPSTATION_MAX_BODY_BYTES", 1024...10_485_760) ?? configuration.maximumBodyBytes
        configuration.maximumURLBytes =
            try integer("TAPSTATION_MAX_URL_BYTES", 256...65536) ?? configuration.maximumURLBytes
        configuration.maximumHeaderBytes =
            try integer("TAPSTATION_MAX_HEADER_BYTES", 1024...262_144) ?? configuration.maximumHeaderBytes
        configuration.maximumConnections =
            try integer("TAPSTATION_MAX_CONNECTIONS", 1...100_000) ?? configuration.maximumConnections
        // Event streams last long; at most half the connections, so that health checks and redeems always find one.
        let streamCeiling = max(1, configuration.maximumConnections / 2)
        configuration.maximumEventStreams =
            try integer("TAPSTATION_MAX_EVENT_STREAMS", 1...streamCeiling)
            ?? min(configuration.maximumEventStreams, max(1, configuration.maximumConnections / 4))
        configuration.maximumEventStreamsPerOperator =
            try integer("TAPSTATION_MAX_EVENT_STREAMS_PER_OPERATOR", 1...1000)
            ?? configuration.maximumEventStreamsPerOperator
        if let seconds = try integer("TAPSTATION_IDLE_TIMEOUT_SECONDS", 1...3600) {
            configuration.idleTimeout = .seconds(seconds)
        }
        if let seconds = try integer("TAPSTATION_BODY_TIMEOUT_SECONDS", 1...3600) {
            configuration.bodyTimeout = .seconds(seconds)
        }
        var limits = configuration.redeemLimits
        limits.perClientAndUser =
            try integer("TAPSTATION_REDEEM_LIMIT_PER_CLIENT_USER", 1...10_000) ?? limits.perClientAndUser
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
                    throw ConfigurationError(
                        "TAPSTATION_TRUSTED_PROXIES: \(trimmed) is not an IP address or CIDR block")
                }
                return block
            }
        }
        configuration.webAuthn = try webAuthnConfiguration(settings: settings, port: configuration.port)
        if let minutes = try integer("TAPSTATION_CONSOLE_IDLE_MINUTES", 1...1440) {
            configuration.console.idleTimeout = TimeInterval(minutes * 60)
        }
        if let hours = try integer("TAPSTATION_CONSOLE_SESSION_HOURS", 1...168) {
            configuration.console.absoluteLifetime = TimeInterval(hours * 3600)
        }
        if let hours = try integer("TAPSTATION_CONSOLE_INVITATION_HOURS", 1...168) {
            configuration.console.invitationLifetime = TimeInterval(hours * 3600)
        }
        configuration.retentionDays = try integer("TAPSTATION_RETENTION_DAYS", 2...36_500)
        configuration.maximumBatchBodyBytes =
            try integer("TAPSTATION_MAX_BATCH_BODY_BYTES", 1024...67_108_864) ?? configuration.maximumBatchBodyBytes
        if let text = settings.value("TAPSTATION_WEBHOOK_ALLOWED_NETWORKS", flag: nil) {
            configuration.webhooks.allowedNetworks = try text.split(separator: ",").map { item in
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                guard let block = AddressBlock(trimmed) else {
                    throw ConfigurationError(
                        "TAPSTATION_WEBHOOK_ALLOWED_NETWORKS: \(trimmed) is not an IP address or CIDR block")
                }
                return block
            }
        }
        if let value = try settings.choice("TAPSTATION_WEBHOOK_ALLOW_HTTP", truths, expected: "true or false") {
            configuration.webhooks.insecureHTTPAllowed = value
        }
        if let value = try settings.choice("TAPSTATION_WEBHOOKS_PAUSED", truths, expected: "true or false") {
            configuration.webhooks.deliveryPaused = value
        }
        configuration.webhooks.retry.maximumAttempts =
            try integer("TAPSTATION_WEBHOOK_MAX_ATTEMPTS", 1...50) ?? configuration.webhooks.retry.maximumAttempts
        if let seconds = try integer("TAPSTATION_WEBHOOK_TIMEOUT_SECONDS", 1...120) {
            configuration.webhooks.requestTimeout = .seconds(seconds)
        }
        return configuration
    }

    /// The relying party and attestation policy, from the `TAPSTATION_WEBAUTHN_*` keys (docs/configuration.md).
    static func webAuthnConfiguration(settings: ConfigurationSource, port: Int) throws -> WebAuthnConfiguration {
        var webAuthn = WebAuthnConfiguration()
        let rpID = (settings.value("TAPSTATION_WEBAUTHN_RP_ID", flag: nil) ?? "localhost").lowercased()
        guard !rpID.isEmpty, rpID.count <= 253,
            !rpID.contains(where: { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }),
            !rpID.allSatisfy({ $0.isNumber || $0 == "." })
        else {
            throw ConfigurationError(
                "TAPSTATION_WEBAUTHN_RP_ID must be a domain name such as contoso.example (not an IP address), got \(rpID)"
            )
        }
        webAuthn.relyingPartyID = rpID
        webAuthn.relyingPartyName = settings.value("TAPSTATION_WEBAUTHN_RP_NAME", flag: nil) ?? "TapStation"
        if let text = settings.value("TAPSTATION_WEBAUTHN_ORIGINS", flag: nil) {
            let origins = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for origin in origins {
                let rest =
                    origin.hasPrefix("https://")
                    ? origin.dropFirst(8) : origin.hasPrefix("http://") ? origin.dropFirst(7) : nil
                guard let rest, !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
                    throw ConfigurationError(
                        "TAPSTATION_WEBAUTHN_ORIGINS: \(origin) is not an origin (scheme://host[:port], no path or trailing slash)"
                    )
                }
            }
            guard !origins.isEmpty else { throw ConfigurationError("TAPSTATION_WEBAUTHN_ORIGINS names no origin") }
            webAuthn.origins = Set(origins)
        } else {
            webAuthn.origins = rpID == "localhost" ? ["http://localhost:\(port)"] : ["https://\(rpID)"]
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_ATTESTATION", flag: nil) {
            guard let conveyance = AttestationPolicy.Conveyance(rawValue: text) else {
                throw ConfigurationError(
                    "TAPSTATION_WEBAUTHN_ATTESTATION must be none, indirect, direct or enterprise, got \(text)")
            }
            webAuthn.attestationPolicy.conveyance = conveyance
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_TRUST_MODE", flag: nil) {
            guard let mode = AttestationPolicy.TrustMode(rawValue: text) else {
                throw ConfigurationError(
                    "TAPSTATION_WEBAUTHN_TRUST_MODE must be signatureOnly or anchored, got \(text)")
            }
            webAuthn.attestationPolicy.trustMode = mode
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_TRUST_ANCHORS", flag: nil) {
            var anchors = TrustAnchors.wellKnown
            for path in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !path.isEmpty
            {
                guard let data = FileManager.default.contents(atPath: path),
                    let pem = String(data: data, encoding: .utf8)
                else {
                    throw ConfigurationError("TAPSTATION_WEBAUTHN_TRUST_ANCHORS: cannot read \(path)")
                }
                do { anchors = try anchors.addingGeneral(pem: pem) } catch {
                    throw ConfigurationError(
                        "TAPSTATION_WEBAUTHN_TRUST_ANCHORS: \(path) holds no readable PEM certificate")
                }
            }
            webAuthn.attestationPolicy.anchors = anchors
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS", flag: nil) {
            webAuthn.attestationPolicy.allowedAAGUIDs = Set(
                try text.split(separator: ",").map { item in
                    let trimmed = item.trimmingCharacters(in: .whitespaces)
                    guard let aaguid = AAGUID(uuidString: trimmed) else {
                        throw ConfigurationError("TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS: \(trimmed) is not a UUID")
                    }
                    return aaguid
                })
        }
        if let text = settings.value("TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS", flag: nil) {
            guard let seconds = Int(text), (30...3600).contains(seconds) else {
                throw ConfigurationError(
                    "TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS must be a whole number from 30 to 3600, got \(text)")
            }
            webAuthn.challengeLifetime = TimeInterval(seconds)
        }
        return webAuthn
    }

    /// The log level, `info` unless `TAPSTATION_LOG_LEVEL` says otherwise.
    static func logLevel(_ settings: ConfigurationSource) throws -> Logger.Level {
        guard let text = settings.value("TAPSTATION_LOG_LEVEL", flag: nil) else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(
                "TAPSTATION_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
}

extension ConfigurationSource {
    /// The settings of `tapstation` (serve and the CLI): the config file named, else `TAPSTATION_CONFIG`, else
    /// /etc/tapstation/tapstation.conf when it exists.
    static func server(
        explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ConfigurationSource {
        try ConfigurationSource(keys: ServeSettings.keys, explicitPath: explicitPath, environment: environment)
    }
}
