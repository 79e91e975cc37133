import TapCrypto
import TapTestSupport

@testable import WebAuthn

extension TestKey {
    static let es256 = TestKey.p256
    static let es256Other = TestKey.generate(.ecdsaP256SHA256)
    static let es384 = TestKey.p384
    static let es512 = TestKey.p521
    static let edDSA = TestKey.ed25519

    /// The COSE algorithm this key signs with by default.
    var algorithm: COSEAlgorithm { COSEAlgorithm.allCases.first { $0.signatureAlgorithm == signatureAlgorithm }! }

    /// The same key material under another COSE algorithm.
    func using(_ algorithm: COSEAlgorithm) -> TestKey { using(algorithm.signatureAlgorithm) }

    /// Signs as a COSE algorithm (default: the key's own).
    func sign(_ message: [UInt8], cose algorithm: COSEAlgorithm?) -> [UInt8] {
        sign(message, as: algorithm?.signatureAlgorithm)
    }

    /// The public key as COSE_Key (labels in the usual order).
    var cosePairs: [(CBOR, CBOR)] {
        switch algorithm {
        case .es256, .es384, .es512:
            let (x, y) = ecCoordinates
            let curve = algorithm == .es256 ? 1 : algorithm == .es384 ? 2 : 3
            return [
                (.int(1), .int(2)), (.int(3), .int(algorithm.rawValue)), (.int(-1), .int(curve)),
                (.int(-2), .bytes(x)), (.int(-3), .bytes(y)),
            ]
        case .edDSA:
            return [(.int(1), .int(1)), (.int(3), .int(-8)), (.int(-1), .int(6)), (.int(-2), .bytes(ed25519PublicKey))]
        default:
            return [
                (.int(1), .int(3)), (.int(3), .int(algorithm.rawValue)),
                (.int(-1), .bytes(rsaModulus)), (.int(-2), .bytes(rsaExponent)),
            ]
        }
    }

    /// The COSE_Key encoding.
    var coseKey: [UInt8] { CBOREncoder.encode(.pairs(cosePairs)) }
}

extension CertificateSpec {
    /// The packed profile: C, O, OU "Authenticator Attestation", CN; not a CA; optionally the AAGUID extension.
    static func packedLeaf(aaguid: AAGUID? = nil) -> CertificateSpec {
        CertificateSpec(
            subject: [
                ("C", "SE"), ("O", "Test Vendor AB"), ("OU", "Authenticator Attestation"), ("CN", "Test Key Batch 1"),
            ],
            extensions: aaguid.map { [(WebAuthn.ObjectIdentifier.fidoAAGUID, false, TestDER.octetString($0.bytes))] }
                ?? []
        )
    }
}
