import Foundation
import TapCore
import WebAuthn

/// Single sign-on with the organisation's OpenID Connect provider (docs/console.md, `TAPSTATION_OIDC_*`).
public struct OIDCSettings: Sendable {
    /// The issuer exactly as the provider names itself; discovery is read from `<issuer>/.well-known/openid-configuration`.
    public var issuer: String
    public var clientID: String
    /// The confidential client's secret (sent with HTTP Basic to the token endpoint).
    public var clientSecret: String
    /// Where the provider sends the browser back: the console's `/console/sso/callback` on its public origin.
    public var redirectURI: String
    /// Scopes asked for besides `openid`.
    public var scopes: [String] = ["profile", "email"]
    /// The claims read, in order, for the person's user principal name.
    public var nameClaims: [String] = ["preferred_username", "upn", "email"]
    /// The claim holding groups or app roles that the mappings match (`groups`, `roles`).
    public var roleClaim: String = "groups"
    /// Claim value → role and site, first match wins.
    public var mappings: [ClaimMapping] = []
    /// When set, the provider must say a second factor was used (`amr` holds one, or `acr` is one).
    public var requiredAuthenticationMethods: Set<String>?
    /// When set, asked for as `max_age` and checked in `auth_time`.
    public var maximumAuthenticationAge: TimeInterval?
    public var algorithms: Set<String> = IDTokenVerifier.supportedAlgorithms
    public var requestTimeout: Duration = .seconds(10)

    public init(issuer: String, clientID: String, clientSecret: String, redirectURI: String) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
    }

    /// The role and site the person's claims map to; `nil` when no mapping matches.
    public func mapping(for claims: WebAuthn.JSONValue) -> ClaimMapping? {
        let values = claims.strings(roleClaim)
        return mappings.first { values.contains($0.claimValue) }
    }

    /// The person's user principal name, from the first name claim that holds one.
    public func userPrincipalName(in claims: WebAuthn.JSONValue) -> UserPrincipalName? {
        for claim in nameClaims {
            if let name = claims.strings(claim).first.flatMap(UserPrincipalName.init) { return name }
        }
        return nil
    }
}

/// One line of the claim mapping: `value=role` or `value=role@site`.
public struct ClaimMapping: Sendable, Equatable {
    public var claimValue: String
    public var role: Role
    public var site: SiteName?

    /// Reads `group-or-role-value=helpdesk` or `…=helpdesk@hel-1`; `nil` unless the role is a person's.
    public init?(_ text: String) {
        guard let equals = text.lastIndex(of: "=") else { return nil }
        let value = text[..<equals].trimmingCharacters(in: .whitespaces)
        let target = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        let parts = target.split(separator: "@", maxSplits: 1).map(String.init)
        guard !value.isEmpty, let first = parts.first, let role = Role(rawValue: first), role.isPerson else {
            return nil
        }
        claimValue = value
        self.role = role
        if parts.count == 2 {
            guard let site = SiteName(parts[1]) else { return nil }
            self.site = site
        } else {
            site = nil
        }
    }
}

extension WebAuthn.JSONValue {
    /// A claim read as strings: a string claim, or the strings of an array claim.
    func strings(_ claim: String) -> [String] {
        if let text = self[claim]?.stringValue { return [text] }
        return self[claim]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
