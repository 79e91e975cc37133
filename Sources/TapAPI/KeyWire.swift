import Foundation
import TapCore

/// A registered FIDO2 key as `GET /v1/keys` and the enrollment routes show it: what it is and what its
/// attestation proved, never anything secret (a public key is not).
public struct KeyView: Codable, Sendable, Equatable {
    public var id: SecurityKeyID
    /// The WebAuthn credential id, base64url without padding.
    public var credentialId: String
    public var userPrincipalName: UserPrincipalName
    public var site: String
    public var sessionId: SessionID
    public var status: SecurityKeyStatus
    /// Whether the key proved itself in a test sign-in during enrollment.
    public var proven: Bool
    /// The authenticator model as claimed (proven only when `attestation.trust` is `anchored`).
    public var aaguid: String
    /// The COSE algorithm of the key (-7 ES256, -8 EdDSA, -257 RS256, …).
    public var algorithm: Int
    /// The COSE_Key, base64url: what an organisation's app needs to verify sign-ins itself.
    public var publicKey: String
    public var signCount: Int
    public var transports: [String]
    public var backupEligible: Bool
    public var backupState: Bool
    /// Whether the user was verified (PIN, biometrics) at registration.
    public var userVerified: Bool
    public var attestation: KeyAttestation
    public var createdDateTime: Date
    public var lastUsedDateTime: Date?
    /// What FIDO's metadata says of the model the key claims; absent when no metadata names it.
    public var model: AuthenticatorModel?
    /// Set when the model's status is one the key's passkey profile refuses.
    public var flag: KeyFlag?

    /// The view of `key`, with its `model` from the metadata in force.
    public init(_ key: SecurityKey, model: AuthenticatorModel? = nil) {
        self.model = model
        flag = key.flag
        id = key.id
        credentialId = WireBase64URL.encode(key.key.credentialID)
        userPrincipalName = key.userPrincipalName
        site = key.site.value
        sessionId = key.sessionID
        status = key.status
        proven = key.proven
        aaguid = key.key.aaguid
        algorithm = key.key.algorithm
        publicKey = WireBase64URL.encode(key.key.publicKeyCOSE)
        signCount = Int(key.key.signCount)
        transports = key.key.transports
        backupEligible = key.key.backupEligible
        backupState = key.key.backupState
        userVerified = key.key.userVerified
        attestation = key.key.attestation
        createdDateTime = key.createdAt
        lastUsedDateTime = key.lastUsedAt
    }
}

/// `GET /v1/keys`.
public struct KeyList: Codable, Sendable {
    public var items: [KeyView]
    public var nextCursor: String?

    /// Makes a page.
    public init(items: [KeyView], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// The answer to `POST /v1/enrollment/fido2` and `.../assertion`.
public struct KeyRegistrationResponse: Codable, Sendable {
    public var key: KeyView
    public var session: RedeemedSession
    /// True when policy wants one test sign-in with the key before the session completes.
    public var testSignInRequired: Bool

    /// Makes an answer.
    public init(key: KeyView, session: RedeemedSession, testSignInRequired: Bool) {
        self.key = key
        self.session = session
        self.testSignInRequired = testSignInRequired
    }
}

/// `POST /v1/assertions/options`.
public struct AssertionOptionsRequest: Codable, Sendable {
    /// The user signing in; absent for a discoverable-credential sign-in (the key names its user).
    public var userPrincipalName: String?
}

/// The answer to `POST /v1/assertions/verify`.
public struct AssertionVerification: Codable, Sendable, Equatable {
    public var verified: Bool
    public var keyId: SecurityKeyID
    public var credentialId: String
    public var userPrincipalName: UserPrincipalName
    public var userVerified: Bool
    public var backupEligible: Bool
    public var backupState: Bool
    /// The counter now stored.
    public var signCount: Int

    /// Makes an answer.
    public init(key: SecurityKey, userVerified: Bool) {
        verified = true
        keyId = key.id
        credentialId = WireBase64URL.encode(key.key.credentialID)
        userPrincipalName = key.userPrincipalName
        self.userVerified = userVerified
        backupEligible = key.key.backupEligible
        backupState = key.key.backupState
        signCount = Int(key.key.signCount)
    }
}

/// Base64url without padding, as WebAuthn writes binary values in JSON.
public enum WireBase64URL {
    /// Encodes `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }
}
