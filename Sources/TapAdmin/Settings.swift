import Foundation

/// Reads settings with the precedence of API.md: flags > environment > config file > defaults.
///
/// The config file is one format for both programs: `KEY=value` lines whose keys are the environment
/// variable names (`TAPSTATION_PORT=8080`), `#` starts a comment line. It doubles as a systemd
/// `EnvironmentFile=`. Every key is documented in docs/configuration.md.
public struct SettingsSource: Sendable {
    let environment: [String: String]
    let file: [String: String]
    let filePath: String?

    /// Keys `tapstation` reads; any other `TAPSTATION_` key in a file is a typo and refused.
    public static let serverKeys: Set<String> = Set([
        "TAPSTATION_DATA_DIR", "TAPSTATION_HOST", "TAPSTATION_PORT", "TAPSTATION_LOG_LEVEL",
        "TAPSTATION_SWEEP_INTERVAL_SECONDS", "TAPSTATION_MAX_BODY_BYTES", "TAPSTATION_CONFIG", "TAPSTATION_MAX_URL_BYTES",
        "TAPSTATION_MAX_HEADER_BYTES", "TAPSTATION_MAX_CONNECTIONS", "TAPSTATION_IDLE_TIMEOUT_SECONDS",
        "TAPSTATION_BODY_TIMEOUT_SECONDS", "TAPSTATION_REDEEM_LIMIT_PER_CLIENT_USER", "TAPSTATION_REDEEM_LIMIT_PER_USER",
        "TAPSTATION_REDEEM_USER_FAILURES_BEFORE_DELAY",
        "TAPSTATION_REDEEM_LIMIT_PER_CLIENT", "TAPSTATION_REDEEM_WINDOW_SECONDS", "TAPSTATION_TRUSTED_PROXIES",
        "TAPSTATION_WEBAUTHN_RP_ID", "TAPSTATION_WEBAUTHN_RP_NAME", "TAPSTATION_WEBAUTHN_ORIGINS",
        "TAPSTATION_WEBAUTHN_ATTESTATION", "TAPSTATION_WEBAUTHN_TRUST_MODE", "TAPSTATION_WEBAUTHN_TRUST_ANCHORS",
        "TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS", "TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS",
        "TAPSTATION_MAX_BATCH_BODY_BYTES", "TAPSTATION_WEBHOOK_ALLOWED_NETWORKS", "TAPSTATION_WEBHOOK_ALLOW_HTTP",
        "TAPSTATION_WEBHOOK_MAX_ATTEMPTS", "TAPSTATION_WEBHOOK_TIMEOUT_SECONDS", "TAPSTATION_WEBHOOKS_PAUSED",
        "TAPSTATION_RETENTION_DAYS", "TAPSTATION_MAX_EVENT_STREAMS", "TAPSTATION_MAX_EVENT_STREAMS_PER_OPERATOR",
    ]).union(EntraSettings.keys)

    /// The default config file, used when it exists and no other is named.
    public static let defaultConfigPath = "/etc/tapstation/tapstation.conf"

    /// Loads the config file named by `explicitPath`, else `TAPSTATION_CONFIG`, else the default if present.
    public init(explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.environment = environment
        let path = explicitPath ?? environment["TAPSTATION_CONFIG"]
            ?? (FileManager.default.fileExists(atPath: Self.defaultConfigPath) ? Self.defaultConfigPath : nil)
        filePath = path
        file = try path.map { try Self.parseFile(at: $0) } ?? [:]
    }

    /// The value for `key`: the flag if given, else the environment, else the file.
    public func value(_ key: String, flag: String?) -> String? {
        flag ?? environment[key] ?? file[key]
    }

    /// Parses a config file; refuses malformed lines and unknown `TAPSTATION_` keys, with line numbers.
    public static func parseFile(at path: String) throws -> [String: String] {
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data(),
            let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError("cannot read the config file \(path)")
        }
        return try parse(text, name: path)
    }

    static func parse(_ text: String, name: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError("\(name):\(index + 1): expected KEY=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            if key.hasPrefix("TAPSTATION_"), !serverKeys.contains(key) {
                throw ConfigurationError("\(name):\(index + 1): unknown key \(key)")
            }
            guard key.hasPrefix("TAPSTATION_") || key.hasPrefix("TAPKIOSK_") else {
                throw ConfigurationError("\(name):\(index + 1): keys start with TAPSTATION_ or TAPKIOSK_")
            }
            values[key] = value
        }
        return values
    }
}

/// A configuration or usage problem: exit code 2, with a message a person can act on.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
