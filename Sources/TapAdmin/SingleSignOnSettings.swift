import Foundation
import TapCore
import TapOIDC

/// `TAPSTATION_OIDC_*`: the console's single sign-on with the organisation's OpenID provider (docs/console.md).
/// Unset issuer: no single sign-on, people sign in with passkeys only.
enum SingleSignOnSettings {
    static let keys: Set<String> = [
        "TAPSTATION_OIDC_ISSUER", "TAPSTATION_OIDC_CLIENT_ID", "TAPSTATION_OIDC_CLIENT_SECRET_FILE",
        "TAPSTATION_OIDC_REDIRECT_URI", "TAPSTATION_OIDC_SCOPES", "TAPSTATION_OIDC_NAME_CLAIMS",
        "TAPSTATION_OIDC_ROLE_CLAIM", "TAPSTATION_OIDC_ROLE_MAP", "TAPSTATION_OIDC_REQUIRE_MFA",
        "TAPSTATION_OIDC_MAX_AUTH_AGE_SECONDS", "TAPSTATION_OIDC_ALGORITHMS", "TAPSTATION_OIDC_LABEL",
    ]

    /// The settings, or `nil` when no issuer is configured; `origin` (the console's first origin) makes the
    /// default redirect URI.
    static func load(_ settings: ConfigurationSource, origin: String?) throws -> OIDCSettings? {
        func value(_ key: String) -> String? { settings.nonEmptyValue(key) }
        func list(_ key: String, separator: Character = ",") -> [String]? {
            value(key)?.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
        }
        guard let issuer = value("TAPSTATION_OIDC_ISSUER") else { return nil }
        try checkURL("TAPSTATION_OIDC_ISSUER", issuer)
        guard let clientID = value("TAPSTATION_OIDC_CLIENT_ID") else {
            throw ConfigurationError("TAPSTATION_OIDC_CLIENT_ID is required with TAPSTATION_OIDC_ISSUER")
        }
        guard let secretFile = value("TAPSTATION_OIDC_CLIENT_SECRET_FILE") else {
            throw ConfigurationError("TAPSTATION_OIDC_CLIENT_SECRET_FILE is required with TAPSTATION_OIDC_ISSUER")
        }
        let secret = try SecretFile.readSecret("TAPSTATION_OIDC_CLIENT_SECRET_FILE", secretFile)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let redirect = value("TAPSTATION_OIDC_REDIRECT_URI") ?? origin.map({ $0 + "/console/sso/callback" })
        else { throw ConfigurationError("TAPSTATION_OIDC_REDIRECT_URI is required when no origin is configured") }
        try checkURL("TAPSTATION_OIDC_REDIRECT_URI", redirect)
        var oidc = OIDCSettings(issuer: issuer, clientID: clientID, clientSecret: secret, redirectURI: redirect)
        if let scopes = list("TAPSTATION_OIDC_SCOPES", separator: " ") { oidc.scopes = scopes }
        if let claims = list("TAPSTATION_OIDC_NAME_CLAIMS") { oidc.nameClaims = claims }
        if let claim = value("TAPSTATION_OIDC_ROLE_CLAIM") { oidc.roleClaim = claim }
        // Semicolons between mappings: group names such as LDAP distinguished names hold commas.
        for line in list("TAPSTATION_OIDC_ROLE_MAP", separator: ";") ?? [] {
            guard let mapping = ClaimMapping(line) else {
                throw ConfigurationError(
                    "TAPSTATION_OIDC_ROLE_MAP: '\(line)' is not value=role or value=role@site (role admin, helpdesk or auditor)"
                )
            }
            oidc.mappings.append(mapping)
        }
        guard !oidc.mappings.isEmpty else {
            throw ConfigurationError("TAPSTATION_OIDC_ROLE_MAP is required: without it nobody would get a role")
        }
        if let methods = list("TAPSTATION_OIDC_REQUIRE_MFA") { oidc.requiredAuthenticationMethods = Set(methods) }
        if let text = value("TAPSTATION_OIDC_MAX_AUTH_AGE_SECONDS") {
            guard let seconds = Int(text), (60...86_400).contains(seconds) else {
                throw ConfigurationError("TAPSTATION_OIDC_MAX_AUTH_AGE_SECONDS must be 60 to 86400, got \(text)")
            }
            oidc.maximumAuthenticationAge = TimeInterval(seconds)
        }
        if let algorithms = list("TAPSTATION_OIDC_ALGORITHMS") {
            let unknown = Set(algorithms).subtracting(IDTokenVerifier.supportedAlgorithms)
            guard unknown.isEmpty else {
                throw ConfigurationError(
                    "TAPSTATION_OIDC_ALGORITHMS: \(unknown.sorted().joined(separator: ", ")) not supported (only "
                        + "\(IDTokenVerifier.supportedAlgorithms.sorted().joined(separator: ", ")))")
            }
            oidc.algorithms = Set(algorithms)
        }
        return oidc
    }

    /// https, or http to this machine only (a test provider): a code and a client secret must not cross a
    /// network in clear.
    private static func checkURL(_ key: String, _ text: String) throws {
        guard let url = URL(string: text), let scheme = url.scheme, let host = url.host else {
            throw ConfigurationError("\(key) must be a URL, got \(text)")
        }
        guard scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host)) else {
            throw ConfigurationError("\(key) must use https, got \(text)")
        }
    }
}
