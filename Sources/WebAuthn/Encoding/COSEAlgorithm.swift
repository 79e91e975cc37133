import TapCrypto

/// COSE signature algorithm identifiers WebAuthn uses (IANA COSE Algorithms registry).
public enum COSEAlgorithm: Int, Sendable, Hashable, CaseIterable, Codable {
    case es256 = -7
    case es384 = -35
    case es512 = -36
    case edDSA = -8
    case ps256 = -37
    case ps384 = -38
    case ps512 = -39
    case rs256 = -257
    case rs384 = -258
    case rs512 = -259
    /// RSASSA-PKCS1-v1_5 with SHA-1: Windows Hello's TPM attestation signs with it. Never a default credential alg.
    case rs1 = -65535

    /// What a relying party offers by default: everything but SHA-1.
    public static let recommended: [COSEAlgorithm] = [
        .es256, .edDSA, .es384, .es512, .ps256, .ps384, .ps512, .rs256, .rs384, .rs512,
    ]

    /// The signature scheme TapCrypto checks.
    public var signatureAlgorithm: SignatureAlgorithm {
        switch self {
        case .es256: .ecdsaP256SHA256
        case .es384: .ecdsaP384SHA384
        case .es512: .ecdsaP521SHA512
        case .edDSA: .ed25519
        case .ps256: .rsaPSSSHA256
        case .ps384: .rsaPSSSHA384
        case .ps512: .rsaPSSSHA512
        case .rs256: .rsaPKCS1SHA256
        case .rs384: .rsaPKCS1SHA384
        case .rs512: .rsaPKCS1SHA512
        case .rs1: .rsaPKCS1SHA1
        }
    }

    /// The digest an attestation format (TPM extraData) pairs with this algorithm.
    var hashFunction: HashFunction {
        switch self {
        case .es256, .ps256, .rs256, .edDSA: .sha256
        case .es384, .ps384, .rs384: .sha384
        case .es512, .ps512, .rs512: .sha512
        case .rs1: .sha1
        }
    }
}
