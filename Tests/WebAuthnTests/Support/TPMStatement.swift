import Foundation
import TapCrypto
import TapTestSupport

@testable import WebAuthn

/// Builds TPM 2.0 attestation statements: pubArea for the credential key, certInfo certifying it, an AIK
/// certificate with the TPM profile, and the AIK's signature.
struct TPMStatement {
    var algorithm: COSEAlgorithm = .rs256
    var aikKey: TestKey = .rsaOther
    var manufacturer = "id:4E544300"
    var aikSubject: [(String, String)] = []
    var extendedKeyUsage = [WebAuthn.ObjectIdentifier.tpmAttestationKeyPurpose]
    var includeAlternativeName = true
    var aikIsCA: Bool? = false
    var aikAAGUID: AAGUID?
    var version = "2.0"
    var magic: UInt32 = 0xFF54_4347
    var editPubArea: ((inout [UInt8]) -> Void)?
    var extraData: ((CeremonyContext) -> [UInt8])?
    var attestedName: (([UInt8]) -> [UInt8])?

    static func u16(_ value: Int) -> [UInt8] { CBOREncoder.bigEndian(UInt64(value), 2) }
    static func sized(_ bytes: [UInt8]) -> [UInt8] { u16(bytes.count) + bytes }

    /// TPMT_PUBLIC for `key`.
    static func publicArea(for key: TestKey) -> [UInt8] {
        let attributes: [UInt8] = [0x00, 0x06, 0x04, 0x72]
        switch key.algorithm {
        case .es256:
            let (x, y) = key.ecCoordinates
            return u16(0x0023) + u16(0x000B) + attributes + sized([]) + u16(0x0010) + u16(0x0010) + u16(0x0003)
                + u16(0x0010) + sized(x) + sized(y)
        default:
            return u16(0x0001) + u16(0x000B) + attributes + sized([]) + u16(0x0010) + u16(0x0010) + u16(2048)
                + [0, 0, 0, 0] + sized(key.rsaModulus)
        }
    }

    /// The AIK certificate's TestDER.
    func aikCertificate() -> [UInt8] {
        let directoryName = TestDER.sequence([
            TestDER.set([
                TestDER.sequence([
                    TestDER.oid(WebAuthn.ObjectIdentifier.tpmManufacturer), TestDER.utf8String(manufacturer),
                ])
            ]),
            TestDER.set([
                TestDER.sequence([TestDER.oid(WebAuthn.ObjectIdentifier.tpmModel), TestDER.utf8String("NPCT6xx")])
            ]),
            TestDER.set([
                TestDER.sequence([TestDER.oid(WebAuthn.ObjectIdentifier.tpmVersion), TestDER.utf8String("id:13")])
            ]),
        ])
        var extensions: [(String, Bool, [UInt8])] = [
            ("2.5.29.37", false, TestDER.sequence(extendedKeyUsage.map(TestDER.oid)))
        ]
        if includeAlternativeName {
            extensions.append(("2.5.29.17", true, TestDER.sequence([TestDER.explicit(4, directoryName)])))
        }
        if let aikAAGUID {
            extensions.append((WebAuthn.ObjectIdentifier.fidoAAGUID, false, TestDER.octetString(aikAAGUID.bytes)))
        }
        let spec = CertificateSpec(subject: aikSubject, isCA: aikIsCA, extensions: extensions)
        return spec.issue(for: aikKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
    }

    var builder: (CeremonyContext) -> [(CBOR, CBOR)] {
        { context in
            var pubArea = Self.publicArea(for: context.credentialKey)
            editPubArea?(&pubArea)
            let name = Self.u16(0x000B) + HashFunction.sha256.hash(pubArea)
            let extra = extraData?(context) ?? algorithm.hashFunction.hash(context.signedData)
            var certInfo = CBOREncoder.bigEndian(UInt64(magic), 4) + Self.u16(0x8017)
            certInfo += Self.sized([0x00, 0x0B] + [UInt8](repeating: 0x5A, count: 32))  // qualifiedSigner
            certInfo += Self.sized(extra)
            certInfo += [UInt8](repeating: 0x01, count: 17) + [UInt8](repeating: 0x02, count: 8)
            certInfo +=
                Self.sized(attestedName?(name) ?? name)
                + Self.sized([0x00, 0x0B] + [UInt8](repeating: 0x6B, count: 32))
            return [
                (.text("ver"), .text(version)),
                (.text("alg"), .int(algorithm.rawValue)),
                (.text("x5c"), .array([.bytes(aikCertificate()), .bytes(TestPKI.intermediate)])),
                (.text("sig"), .bytes(aikKey.sign(certInfo, cose: algorithm))),
                (.text("certInfo"), .bytes(certInfo)),
                (.text("pubArea"), .bytes(pubArea)),
            ]
        }
    }
}
