/// A credential whose registration passed every check: what the storage step keeps.
public struct RegisteredCredential: Sendable {
    /// The credential id (equal to `rawId` and to the id in authenticator data).
    public let id: [UInt8]
    /// The COSE_Key bytes as the authenticator sent them.
    public let publicKeyCOSE: [UInt8]
    /// The credential key's algorithm.
    public let algorithm: COSEAlgorithm
    /// The signature counter at registration.
    public let signCount: UInt32
    /// The authenticator model, as claimed (proven only when the attestation is anchored).
    public let aaguid: AAGUID
    /// The transports the browser reported, for `allowCredentials` hints.
    public let transports: [String]
    /// Whether the user was verified (PIN, biometrics) at registration: the record's `uvInitialized`.
    public let userVerified: Bool
    /// BE: whether the credential may be backed up (fixed for its life).
    public let backupEligible: Bool
    /// BS: whether it is backed up now.
    public let backupState: Bool
    /// What the attestation proved.
    public let attestation: AttestationFacts
}

/// What an attestation statement proved about the authenticator, kept with the key and shown in the API.
public struct AttestationFacts: Sendable, Equatable {
    /// The attestation statement format.
    public let format: AttestationFormat
    /// The attestation type the statement turned out to be.
    public let type: AttestationType
    /// How far the trust path reached.
    public let trust: Trust
    /// The x5c certificates (DER, leaf first) as sent; empty for `none` and self attestation.
    public let certificates: [[UInt8]]

    /// How far the trust path reached.
    public enum Trust: Sendable, Equatable {
        /// No attestation (`none`): nothing is known about the authenticator.
        case unattested
        /// Self attestation: the key signed for itself; nothing is known about the authenticator.
        case selfAttested
        /// The statement and certificates verified, but no anchor was known for them.
        case unanchored
        /// The chain reached the anchor with this SHA-256 fingerprint (lower-case hex) and subject.
        case anchored(fingerprint: String, subject: String)

        /// The anchor's SHA-256 fingerprint (lower-case hex), when the chain reached one.
        public var anchorFingerprint: String? {
            if case .anchored(let fingerprint, _) = self { fingerprint } else { nil }
        }

        /// The anchor's subject, when the chain reached one.
        public var anchorSubject: String? { if case .anchored(_, let subject) = self { subject } else { nil } }

        /// A stable name for storage and the API: `unattested`, `self`, `unanchored` or `anchored`.
        public var name: String {
            switch self {
            case .unattested: "unattested"
            case .selfAttested: "self"
            case .unanchored: "unanchored"
            case .anchored: "anchored"
            }
        }
    }
}
