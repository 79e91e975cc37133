import Foundation
import TapCore
import TapCrypto
import TapGraph

/// Entra mode's settings, read once from flags, environment and config file, and validated.
public struct EntraSettings: Sendable {
    public var graph: GraphConfiguration
    public var rule: CompletionRule
    public var schedule: WatchSchedule
    /// How often the watcher runs a round (and retries pending deletions).
    public var interval: Duration

    /// Keys of Entra mode (docs/configuration.md documents each).
    static let keys: Set<String> = [
        "TAPSTATION_PASS_AUTHORITY", "TAPSTATION_ENTRA_TENANT_ID", "TAPSTATION_ENTRA_CLIENT_ID",
        "TAPSTATION_ENTRA_CLIENT_SECRET_FILE", "TAPSTATION_ENTRA_CERTIFICATE_FILE", "TAPSTATION_ENTRA_PRIVATE_KEY_FILE",
        "TAPSTATION_ENTRA_AUTHORITY_HOST", "TAPSTATION_ENTRA_GRAPH_HOST", "TAPSTATION_ENTRA_TIMEOUT_SECONDS",
        "TAPSTATION_ENTRA_POLL_SECONDS", "TAPSTATION_ENTRA_POLL_MAX_SECONDS", "TAPSTATION_ENTRA_CALLS_PER_ROUND",
        "TAPSTATION_ENTRA_COMPLETION",
    ]

    /// The configured pass authority (`local` unless `TAPSTATION_PASS_AUTHORITY=entra`).
    static func mode(_ settings: ConfigurationSource) throws -> PassAuthorityMode {
        guard let text = settings.value("TAPSTATION_PASS_AUTHORITY", flag: nil) else { return .local }
        guard let mode = PassAuthorityMode(rawValue: text) else {
            throw ConfigurationError("TAPSTATION_PASS_AUTHORITY must be local or entra, got \(text)")
        }
        return mode
    }

    /// Reads and checks every Entra setting; the message names the key and what is wrong with it.
    static func load(_ settings: ConfigurationSource) throws -> EntraSettings {
        func required(_ key: String) throws -> String {
            guard let value = settings.value(key, flag: nil)?.trimmingCharacters(in: .whitespaces), !value.isEmpty
            else {
                throw ConfigurationError("\(key) is required in Entra mode")
            }
            return value
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, default value: Int) throws -> Int {
            guard let text = settings.value(key, flag: nil) else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw ConfigurationError(
                    "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
            }
            return number
        }
        func host(_ key: String, default value: String) throws -> URL {
            let text = settings.value(key, flag: nil) ?? value
            guard let url = URL(string: text), let scheme = url.scheme, let name = url.host, url.query == nil else {
                throw ConfigurationError("\(key) must be a URL such as \(value), got \(text)")
            }
            // Plain HTTP only to this machine (an emulator or a local proxy): a token must not cross a network in clear.
            guard scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(name)) else {
                throw ConfigurationError("\(key) must use https, got \(text)")
            }
            return url
        }
        let read = SecretFile.readText
        let readSecret = SecretFile.readSecret

        let tenant = try required("TAPSTATION_ENTRA_TENANT_ID")
        guard tenant.utf8.count <= 253, tenant.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." })
        else {
            throw ConfigurationError("TAPSTATION_ENTRA_TENANT_ID must be a tenant id (a GUID) or a verified domain")
        }
        let clientID = try required("TAPSTATION_ENTRA_CLIENT_ID")
        guard UUID(uuidString: clientID) != nil else {
            throw ConfigurationError(
                "TAPSTATION_ENTRA_CLIENT_ID must be the app registration's application (client) id, a GUID")
        }
        let secretFile = settings.value("TAPSTATION_ENTRA_CLIENT_SECRET_FILE", flag: nil)
        let certificateFile = settings.value("TAPSTATION_ENTRA_CERTIFICATE_FILE", flag: nil)
        let keyFile = settings.value("TAPSTATION_ENTRA_PRIVATE_KEY_FILE", flag: nil)
        let credential: GraphCredential
        switch (secretFile, certificateFile, keyFile) {
        case (let secretFile?, nil, nil):
            let secret = try readSecret("TAPSTATION_ENTRA_CLIENT_SECRET_FILE", secretFile).trimmingCharacters(
                in: .whitespacesAndNewlines)
            guard !secret.isEmpty else {
                throw ConfigurationError("TAPSTATION_ENTRA_CLIENT_SECRET_FILE: \(secretFile) is empty")
            }
            credential = .secret(ClientSecret(secret))
        case (nil, let certificateFile?, let keyFile?):
            let certificate: Certificate
            do {
                certificate = try Certificate.parsePEMBundle(
                    try read("TAPSTATION_ENTRA_CERTIFICATE_FILE", certificateFile))[0]
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError(
                    "TAPSTATION_ENTRA_CERTIFICATE_FILE: \(certificateFile) holds no PEM certificate")
            }
            let key: SigningKey
            do {
                key = try SigningKey(pem: try readSecret("TAPSTATION_ENTRA_PRIVATE_KEY_FILE", keyFile))
            } catch let error as SigningKeyError {
                throw ConfigurationError("TAPSTATION_ENTRA_PRIVATE_KEY_FILE: \(keyFile): \(error)")
            }
            guard key.matches(certificate) else {
                throw ConfigurationError(
                    "TAPSTATION_ENTRA_PRIVATE_KEY_FILE is not the key of TAPSTATION_ENTRA_CERTIFICATE_FILE")
            }
            credential = .certificate(key: key, certificate: certificate)
        case (nil, nil, nil):
            throw ConfigurationError(
                "Entra mode needs TAPSTATION_ENTRA_CLIENT_SECRET_FILE, or TAPSTATION_ENTRA_CERTIFICATE_FILE with TAPSTATION_ENTRA_PRIVATE_KEY_FILE"
            )
        default:
            throw ConfigurationError(
                "set either TAPSTATION_ENTRA_CLIENT_SECRET_FILE, or both TAPSTATION_ENTRA_CERTIFICATE_FILE and TAPSTATION_ENTRA_PRIVATE_KEY_FILE"
            )
        }
        let completion = settings.value("TAPSTATION_ENTRA_COMPLETION", flag: nil) ?? CompletionRule.enrolled.rawValue
        guard let rule = CompletionRule(rawValue: completion) else {
            throw ConfigurationError(
                "TAPSTATION_ENTRA_COMPLETION must be enrolled, enrolledAndCompliant or keyRegistered, got \(completion)"
            )
        }
        let poll = try integer("TAPSTATION_ENTRA_POLL_SECONDS", 5...3600, default: 15)
        let maximum = try integer("TAPSTATION_ENTRA_POLL_MAX_SECONDS", poll...86_400, default: max(poll, 300))
        return EntraSettings(
            graph: GraphConfiguration(
                tenant: tenant, clientID: clientID, credential: credential,
                authorityHost: try host(
                    "TAPSTATION_ENTRA_AUTHORITY_HOST", default: "https://login.microsoftonline.com"),
                graphHost: try host("TAPSTATION_ENTRA_GRAPH_HOST", default: "https://graph.microsoft.com"),
                requestTimeout: .seconds(try integer("TAPSTATION_ENTRA_TIMEOUT_SECONDS", 1...120, default: 15))),
            rule: rule,
            schedule: WatchSchedule(
                initialInterval: TimeInterval(poll), maximumInterval: TimeInterval(maximum),
                callsPerRound: try integer("TAPSTATION_ENTRA_CALLS_PER_ROUND", 1...10_000, default: 1000)),
            interval: .seconds(poll))
    }
}
