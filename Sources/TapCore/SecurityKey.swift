import Foundation

/// Tag for security key ids.
public enum SecurityKeyEntity {}
/// The id TapStation gives a registered security key (the WebAuthn credential id is a separate field).
public typealias SecurityKeyID = Identifier<SecurityKeyEntity>

/// Where a registered key stands.
public enum SecurityKeyStatus: String, Sendable, Codable, CaseIterable {
    /// Registered, waiting for the test sign-in that policy asks for; deleted if its session ends first.
    case pendingProof
    /// Usable for sign-ins.
    case active
}

/// What a key's attestation proved, as plain values (the WebAuthn module's `AttestationFacts`, flattened).
public struct KeyAttestation: Sendable, Equatable, Codable {
    /// The attestation statement format (`packed`, `none`, `tpm`, …).
    public var format: String
    /// The attestation type (`none`, `self`, `basic`, `attca`, `anonca`).
    public var type: String
    /// How far the trust path reached: `unattested`, `self`, `unanchored` or `anchored`.
    public var trust: String
    /// The anchor's SHA-256 fingerprint (lower-case hex), when the chain reached one.
    public var anchorFingerprint: String?
    /// The anchor's subject, when the chain reached one.
    public var anchorSubject: String?
    /// The x5c certificates' SHA-256 fingerprints, leaf first; empty for `none` and self attestation.
    public var certificateFingerprints: [String]
    /// The leaf certificate's subject, when there is one.
    public var leafSubject: String?

    /// Makes the facts.
    public init(
        format: String, type: String, trust: String, anchorFingerprint: String? = nil, anchorSubject: String? = nil,
        certificateFingerprints: [String] = [], leafSubject: String? = nil
    ) {
        self.format = format
        self.type = type
        self.trust = trust
        self.anchorFingerprint = anchorFingerprint
        self.anchorSubject = anchorSubject
        self.certificateFingerprints = certificateFingerprints
        self.leafSubject = leafSubject
    }
}

/// A verified credential on its way into storage.
public struct NewSecurityKey: Sendable, Equatable {
    /// The WebAuthn credential id (1 to 1023 bytes).
    public var credentialID: [UInt8]
    /// The COSE_Key bytes.
    public var publicKeyCOSE: [UInt8]
    /// The COSE algorithm number of the key.
    public var algorithm: Int
    /// The signature counter at registration.
    public var signCount: UInt32
    /// The authenticator model, lower-case UUID text.
    public var aaguid: String
    /// The user handle the credential was created with.
    public var userHandle: [UInt8]
    /// What the attestation proved.
    public var attestation: KeyAttestation
    /// Transports the browser reported.
    public var transports: [String]
    /// BE.
    public var backupEligible: Bool
    /// BS.
    public var backupState: Bool
    /// UV at registration.
    public var userVerified: Bool

    /// Makes a new key.
    public init(
        credentialID: [UInt8], publicKeyCOSE: [UInt8], algorithm: Int, signCount: UInt32, aaguid: String,
        userHandle: [UInt8], attestation: KeyAttestation, transports: [String], backupEligible: Bool, backupState: Bool,
        userVerified: Bool
    ) {
        self.credentialID = credentialID
        self.publicKeyCOSE = publicKeyCOSE
        self.algorithm = algorithm
        self.signCount = signCount
        self.aaguid = aaguid
        self.userHandle = userHandle
        self.attestation = attestation
        self.transports = transports
        self.backupEligible = backupEligible
        self.backupState = backupState
        self.userVerified = userVerified
    }
}

/// A registered FIDO2 security key (DESIGN.md, "Security key").
public struct SecurityKey: Sendable, Equatable {
    public var id: SecurityKeyID
    public var key: NewSecurityKey
    /// The owner.
    public var userPrincipalName: UserPrincipalName
    /// The site of the session that registered it.
    public var site: SiteName
    /// The session that registered it.
    public var sessionID: SessionID
    public var status: SecurityKeyStatus
    /// Whether the key proved itself in a test sign-in before its session completed.
    public var proven: Bool
    public var createdAt: Date
    public var lastUsedAt: Date?
    /// Set when FIDO metadata gave the key's model a status its passkey profile refuses.
    public var flag: KeyFlag?

    /// Makes a key record.
    public init(
        id: SecurityKeyID, key: NewSecurityKey, userPrincipalName: UserPrincipalName, site: SiteName,
        sessionID: SessionID,
        status: SecurityKeyStatus, proven: Bool, createdAt: Date, lastUsedAt: Date?, flag: KeyFlag? = nil
    ) {
        self.flag = flag
        self.id = id
        self.key = key
        self.userPrincipalName = userPrincipalName
        self.site = site
        self.sessionID = sessionID
        self.status = status
        self.proven = proven
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A registered key whose model FIDO's metadata now reports with a status the key's passkey profile refuses
/// (the profile of its site, for key registration). Whether it may still sign in is the profile's
/// `flaggedKeysSuspended`, read when it tries.
public struct KeyFlag: Sendable, Equatable, Codable {
    /// The refused status (`ATTESTATION_KEY_COMPROMISE`, …).
    public var status: String
    /// When the key was flagged.
    public var since: Date

    /// Makes a flag.
    public init(status: String, since: Date) {
        self.status = status
        self.since = since
    }
}

/// Which key a `key.*` event is about, as streams and webhooks carry it: the key, its model's name when the
/// metadata names it, and for `key.statusChanged` the refused status it is flagged with (absent when cleared).
public struct KeyEventFacts: Sendable, Equatable, Codable {
    public var id: String
    public var model: String?
    public var flag: String?

    /// Makes the facts.
    public init(id: String, model: String? = nil, flag: String? = nil) {
        self.id = id
        self.model = model
        self.flag = flag
    }
}

/// What FIDO's metadata says of an authenticator model, as shown beside a key.
public struct AuthenticatorModel: Sendable, Equatable, Codable {
    /// The model's name (`YubiKey 5 Series with NFC`).
    public var name: String
    /// The highest FIDO certification it holds, if any.
    public var certificationLevel: CertificationLevel?
    /// FIDO's newest status report on it (`FIDO_CERTIFIED_L2`, `REVOKED`, …).
    public var status: String?

    /// Makes a model.
    public init(name: String, certificationLevel: CertificationLevel?, status: String?) {
        self.name = name
        self.certificationLevel = certificationLevel
        self.status = status
    }
}

/// What a WebAuthn challenge is for.
public enum ChallengePurpose: String, Sendable, Codable, CaseIterable {
    /// Creation options for a key registration (session token).
    case registration
    /// Request options for the test sign-in with a just-registered key (session token).
    case testSignIn
    /// Request options for an organisation's app (relying-party token).
    case assertion
}

/// Who a challenge is bound to: the session that asked for it, or the relying-party operator.
public enum ChallengeHolder: Sendable, Equatable {
    case session(SessionID)
    case relyingParty(OperatorID)
}

/// A challenge to remember: only its SHA-256 is stored, so a database reader cannot answer it.
public struct NewChallenge: Sendable, Equatable {
    /// SHA-256 of the challenge bytes.
    public var digest: [UInt8]
    public var purpose: ChallengePurpose
    public var holder: ChallengeHolder
    public var expiresAt: Date
    /// The user the ceremony is for, when known (registration, test sign-in, an app naming the user).
    public var userPrincipalName: UserPrincipalName?
    /// The user handle put in creation options (registration only).
    public var userHandle: [UInt8]?

    /// Makes a challenge record.
    public init(
        digest: [UInt8], purpose: ChallengePurpose, holder: ChallengeHolder, expiresAt: Date,
        userPrincipalName: UserPrincipalName? = nil, userHandle: [UInt8]? = nil
    ) {
        self.digest = digest
        self.purpose = purpose
        self.holder = holder
        self.expiresAt = expiresAt
        self.userPrincipalName = userPrincipalName
        self.userHandle = userHandle
    }
}

/// A consumed challenge: what the ceremony that answers it needs to know.
public struct ConsumedChallenge: Sendable, Equatable {
    public var purpose: ChallengePurpose
    public var userPrincipalName: UserPrincipalName?
    public var userHandle: [UInt8]?

    /// Makes the answer.
    public init(purpose: ChallengePurpose, userPrincipalName: UserPrincipalName?, userHandle: [UInt8]?) {
        self.purpose = purpose
        self.userPrincipalName = userPrincipalName
        self.userHandle = userHandle
    }
}

/// A credential descriptor for options: the credential id and its transports.
public struct KeyDescriptor: Sendable, Equatable {
    public var credentialID: [UInt8]
    public var transports: [String]

    /// Makes a descriptor.
    public init(credentialID: [UInt8], transports: [String]) {
        self.credentialID = credentialID
        self.transports = transports
    }
}

/// What the registration options need from storage.
public struct RegistrationStart: Sendable, Equatable {
    /// The session's user.
    public var userPrincipalName: UserPrincipalName
    /// The user's handle: the one of their existing keys, else the fresh one offered.
    public var userHandle: [UInt8]
    /// The user's keys, for `excludeCredentials`.
    public var existingKeys: [KeyDescriptor]

    /// Makes the answer.
    public init(userPrincipalName: UserPrincipalName, userHandle: [UInt8], existingKeys: [KeyDescriptor]) {
        self.userPrincipalName = userPrincipalName
        self.userHandle = userHandle
        self.existingKeys = existingKeys
    }
}

/// The answer to a stored registration: the key, the session after it, and whether a test sign-in is still due.
public struct KeyRegistration: Sendable, Equatable {
    public var key: SecurityKey
    public var session: Session
    public var testSignInRequired: Bool

    /// Makes the answer.
    public init(key: SecurityKey, session: Session, testSignInRequired: Bool) {
        self.key = key
        self.session = session
        self.testSignInRequired = testSignInRequired
    }
}
