/// A signature scheme: which key type, padding and digest a signature must use.
public enum SignatureAlgorithm: Sendable, Hashable, CaseIterable {
    case ecdsaP256SHA256
    case ecdsaP384SHA384
    case ecdsaP521SHA512
    /// RSASSA-PKCS1-v1_5 with SHA-1: only for TPM attestation (Windows Hello), never for credential keys by default.
    case rsaPKCS1SHA1
    case rsaPKCS1SHA256
    case rsaPKCS1SHA384
    case rsaPKCS1SHA512
    /// RSASSA-PSS with MGF1 over the same digest and a salt as long as the digest (RFC 8230).
    case rsaPSSSHA256
    case rsaPSSSHA384
    case rsaPSSSHA512
    case ed25519

    /// The elliptic curve the key must be on, for ECDSA schemes.
    public var requiredCurve: EllipticCurve? {
        switch self {
        case .ecdsaP256SHA256: .p256
        case .ecdsaP384SHA384: .p384
        case .ecdsaP521SHA512: .p521
        default: nil
        }
    }

    var isRSA: Bool {
        switch self {
        case .rsaPKCS1SHA1, .rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512,
            .rsaPSSSHA256, .rsaPSSSHA384, .rsaPSSSHA512:
            true
        default: false
        }
    }

    var isPSS: Bool { self == .rsaPSSSHA256 || self == .rsaPSSSHA384 || self == .rsaPSSSHA512 }

    /// The digest OpenSSL applies before signing, or `nil` for EdDSA (which hashes internally).
    var digest: HashFunction? {
        switch self {
        case .ecdsaP256SHA256, .rsaPKCS1SHA256, .rsaPSSSHA256: .sha256
        case .ecdsaP384SHA384, .rsaPKCS1SHA384, .rsaPSSSHA384: .sha384
        case .ecdsaP521SHA512, .rsaPKCS1SHA512, .rsaPSSSHA512: .sha512
        case .rsaPKCS1SHA1: .sha1
        case .ed25519: nil
        }
    }
}

/// The NIST curves WebAuthn uses, by their OpenSSL group names.
public enum EllipticCurve: String, Sendable, Hashable, CaseIterable {
    case p256 = "P-256"
    case p384 = "P-384"
    case p521 = "P-521"

    /// Bytes in one coordinate.
    public var coordinateLength: Int {
        switch self {
        case .p256: 32
        case .p384: 48
        case .p521: 66
        }
    }

    /// OpenSSL's group name (OpenSSL also reports `prime256v1` / `secp384r1` / `secp521r1` for these).
    var openSSLNames: Set<String> {
        switch self {
        case .p256: ["P-256", "prime256v1", "secp256r1"]
        case .p384: ["P-384", "secp384r1"]
        case .p521: ["P-521", "secp521r1"]
        }
    }
}

/// Digests used by signatures and by attestation formats (TPM's nameAlg, extraData).
public enum HashFunction: Sendable, Hashable {
    case sha1, sha256, sha384, sha512

    /// Output length in bytes.
    public var outputLength: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }
}
