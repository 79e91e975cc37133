import Foundation
import TapCrypto
import WebAuthn

/// Why an ID token was refused; `reason` is stable (it is audited), `detail` says more for the log.
public struct IDTokenFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case malformed, algorithmNotAllowed, unknownKey, badSignature, keysUnreadable
        case wrongIssuer, wrongAudience, wrongAuthorizedParty, expired, issuedInTheFuture, nonceMismatch
        case authenticationTooOld, mfaMissing
    }

    public let reason: Reason
    public let detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// What an ID token must show to sign someone in (OpenID Connect Core 1.0, §3.1.3.7).
public struct IDTokenExpectation: Sendable {
    public var issuer: String
    public var clientID: String
    /// The nonce this sign-in sent in its authorization request.
    public var nonce: String
    public var now: Date
    /// Algorithms accepted; never `none` or an HMAC (a public key is not a shared secret).
    public var algorithms: Set<String> = IDTokenVerifier.supportedAlgorithms
    /// When set, `auth_time` must be at most this old.
    public var maximumAuthenticationAge: TimeInterval?
    /// When set, `amr` must hold one of these, or `acr` be one of them (the provider says MFA happened).
    public var requiredAuthenticationMethods: Set<String>?
    /// Clock difference tolerated between the provider and us.
    public var leeway: TimeInterval = 60

    public init(issuer: String, clientID: String, nonce: String, now: Date) {
        self.issuer = issuer
        self.clientID = clientID
        self.nonce = nonce
        self.now = now
    }
}

/// Checks a compact-serialised ID token (JWS) against a key set and an expectation; its claims when it holds.
public enum IDTokenVerifier {
    /// Signature algorithms this verifier implements, all asymmetric.
    public static let supportedAlgorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
    ]

    public static func verify(
        _ token: String, keys: JSONWebKeySet, expecting expectation: IDTokenExpectation
    ) throws(IDTokenFailure) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 16_384, parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
            let payloadBytes = Base64URL.decode(String(parts[1])), let signature = Base64URL.decode(String(parts[2])),
            let header = try? StrictJSON.parse(headerBytes), let claims = try? StrictJSON.parse(payloadBytes),
            header.objectValue != nil, claims.objectValue != nil
        else { throw IDTokenFailure(.malformed, "not a signed JWT of three base64url parts") }
        guard let name = header["alg"]?.stringValue, expectation.algorithms.contains(name),
            JWSSignature.algorithm(named: name) != nil
        else {
            throw IDTokenFailure(.algorithmNotAllowed, "alg \(header["alg"]?.stringValue ?? "missing") is not accepted")
        }
        guard header["crit"] == nil else {
            throw IDTokenFailure(.malformed, "crit header parameters are not understood")
        }
        let candidates = keys.candidates(keyID: header["kid"]?.stringValue, algorithm: name)
        guard !candidates.isEmpty else {
            throw IDTokenFailure(.unknownKey, "no key \(header["kid"]?.stringValue ?? "(no kid)") for \(name)")
        }
        let signed = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        guard
            candidates.contains(where: {
                JWSSignature.isValid(signature, over: signed, algorithm: name, key: $0.publicKey)
            })
        else { throw IDTokenFailure(.badSignature, "the signature does not verify") }
        try checkClaims(claims, expectation)
        return claims
    }

    private static func checkClaims(_ claims: JSONValue, _ expected: IDTokenExpectation) throws(IDTokenFailure) {
        guard claims["iss"]?.stringValue == expected.issuer else {
            throw IDTokenFailure(.wrongIssuer, "iss is not \(expected.issuer)")
        }
        let audiences =
            claims["aud"]?.stringValue.map { [$0] } ?? claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard audiences.contains(expected.clientID) else {
            throw IDTokenFailure(.wrongAudience, "aud does not name this client")
        }
        let authorizedParty = claims["azp"]?.stringValue
        if authorizedParty != nil || audiences.count > 1, authorizedParty != expected.clientID {
            throw IDTokenFailure(.wrongAuthorizedParty, "azp is not this client")
        }
        let now = expected.now.timeIntervalSince1970
        guard let expires = number(claims["exp"]), expires > now - expected.leeway else {
            throw IDTokenFailure(.expired, "exp is missing or past")
        }
        guard let issued = number(claims["iat"]), issued <= now + expected.leeway else {
            throw IDTokenFailure(.issuedInTheFuture, "iat is missing or in the future")
        }
        guard let nonce = claims["nonce"]?.stringValue,
            Crypto.constantTimeEqual(Array(nonce.utf8), Array(expected.nonce.utf8))
        else { throw IDTokenFailure(.nonceMismatch, "nonce is not the one this sign-in sent") }
        if let maximum = expected.maximumAuthenticationAge {
            guard let authTime = number(claims["auth_time"]), now - authTime <= maximum + expected.leeway else {
                throw IDTokenFailure(.authenticationTooOld, "auth_time is missing or older than \(Int(maximum)) s")
            }
        }
        if let required = expected.requiredAuthenticationMethods {
            let methods = Set(claims["amr"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let level = claims["acr"]?.stringValue
            guard !methods.isDisjoint(with: required) || level.map(required.contains) == true else {
                throw IDTokenFailure(.mfaMissing, "neither amr nor acr says a second factor was used")
            }
        }
    }

    private static func number(_ value: JSONValue?) -> Double? {
        if case .number(let number) = value { number } else { nil }
    }
}
