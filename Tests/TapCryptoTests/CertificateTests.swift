import Foundation
import TapTestSupport
import Testing

@testable import TapCrypto

@Suite("X.509 parsing and chains to configured anchors")
struct CertificateTests {
    private let leafSpec = CertificateSpec(
        subject: [("C", "SE"), ("O", "Test Vendor AB"), ("OU", "Authenticator Attestation"), ("CN", "Leaf")],
        extensions: [("1.3.6.1.4.1.45724.1.1.4", false, TestDER.octetString(Array(0..<16)))]
    )

    private func leaf(_ spec: CertificateSpec? = nil, key: TestKey = .p256) throws -> Certificate {
        try Certificate(
            derEncoded: (spec ?? leafSpec).issue(for: key, by: (TestPKI.intermediate, TestPKI.intermediateKey)))
    }

    @Test func readsVersionSubjectKeyAndExtensions() throws {
        let certificate = try leaf()
        #expect(certificate.version == 3)
        #expect(certificate.subjectValues(NameAttribute.organizationalUnit) == ["Authenticator Attestation"])
        #expect(certificate.subjectValues(NameAttribute.country) == ["SE"])
        #expect(certificate.subjectSummary == "C=SE, O=Test Vendor AB, OU=Authenticator Attestation, CN=Leaf")
        #expect(try certificate.publicKey.isSameKey(as: TestKey.p256.publicKey))
        let aaguid = try #require(certificate.extension("1.3.6.1.4.1.45724.1.1.4"))
        #expect(!aaguid.isCritical)
        #expect(try DERReader.readSingle(aaguid.value).octetString() == Array(0..<16))
        #expect(
            try certificate.basicConstraints
                == BasicConstraints(isCertificateAuthority: false, pathLengthConstraint: nil))
        #expect(try TestPKI.intermediateCertificate.basicConstraints?.isCertificateAuthority == true)
        #expect(!certificate.isSelfSigned)
        #expect(TestPKI.rootCertificate.isSelfSigned)
        #expect(certificate.isSigned(by: TestPKI.intermediateCertificate))
        #expect(!certificate.isSigned(by: TestPKI.rootCertificate))
    }

    @Test func refusesTrailingBytesAndGarbage() throws {
        let der = leafSpec.issue(for: .p256, by: (TestPKI.intermediate, TestPKI.intermediateKey))
        #expect(throws: CertificateError.self) { try Certificate(derEncoded: der + [0]) }
        #expect(throws: CertificateError.self) { try Certificate(derEncoded: Array(der.dropLast())) }
        #expect(throws: CertificateError.self) { try Certificate(derEncoded: [0x30, 0x03, 0x02, 0x01, 0x01]) }
    }

    @Test func refusesDuplicateExtensions() throws {
        var spec = leafSpec
        spec.extensions.append(("1.3.6.1.4.1.45724.1.1.4", false, TestDER.octetString(Array(0..<16))))
        let der = spec.issue(for: .p256, by: (TestPKI.intermediate, TestPKI.intermediateKey))
        #expect(throws: CertificateError.self) { try Certificate(derEncoded: der) }
    }

    @Test func validityFollowsTheGivenTime() throws {
        let certificate = try leaf()
        #expect(certificate.validity(at: FixedTime.now) == .valid)
        #expect(certificate.validity(at: FixedTime.now.addingTimeInterval(86_400 * 400)) == .expired)
        #expect(certificate.validity(at: FixedTime.now.addingTimeInterval(-86_400 * 400)) == .notYetValid)
    }

    @Test func chainReachesTheConfiguredRootThroughTheIntermediate() throws {
        let result = CertificateChain.verify(
            leaf: try leaf(), intermediates: [TestPKI.intermediateCertificate], anchors: [TestPKI.rootCertificate],
            at: FixedTime.now
        )
        guard case .trusted(let path, let anchor) = result else { Issue.record("\(result)"); return }
        #expect(anchor == TestPKI.rootCertificate)
        #expect(path.count == 3)
    }

    @Test func expiryIsJudgedByTheInjectedClock() throws {
        let later = FixedTime.now.addingTimeInterval(86_400 * 400)
        let result = CertificateChain.verify(
            leaf: try leaf(), intermediates: [TestPKI.intermediateCertificate], anchors: [TestPKI.rootCertificate],
            at: later
        )
        guard case .expired = result else { Issue.record("\(result)"); return }
    }

    @Test func selfSignedRootCarriedAlongIsNotAnAnchor() throws {
        let attackerLeaf = try Certificate(
            derEncoded: leafSpec.issue(for: .p256, by: (TestPKI.attackerRoot, TestPKI.attackerKey)))
        let attackerRoot = try Certificate(derEncoded: TestPKI.attackerRoot)
        let result = CertificateChain.verify(
            leaf: attackerLeaf, intermediates: [attackerRoot], anchors: [TestPKI.rootCertificate], at: FixedTime.now
        )
        guard case .noPathToAnchor = result else { Issue.record("\(result)"); return }
        let none = CertificateChain.verify(
            leaf: attackerLeaf, intermediates: [attackerRoot], anchors: [], at: FixedTime.now)
        guard case .noPathToAnchor = none else { Issue.record("\(none)"); return }
    }

    @Test func intermediateThatIsNotACAIsRefused() throws {
        let notCA = CertificateSpec(subject: [("C", "SE"), ("O", "Test Vendor AB"), ("CN", "Not a CA")], isCA: false)
        let notCAKey = TestKey.p384
        let middle = notCA.issue(for: notCAKey, by: (TestPKI.root, TestPKI.rootKey))
        let leafDER = leafSpec.issue(for: .p256, by: (middle, notCAKey))
        let result = CertificateChain.verify(
            leaf: try Certificate(derEncoded: leafDER), intermediates: [try Certificate(derEncoded: middle)],
            anchors: [TestPKI.rootCertificate], at: FixedTime.now
        )
        guard case .invalid = result else { Issue.record("\(result)"); return }
    }

    @Test func tamperedIntermediateIsInvalidNotMerelyUnanchored() throws {
        var intermediate = TestPKI.intermediate
        // The last byte of the serial number (after "[0] { INTEGER 2 }, INTEGER len"): the root's signature breaks.
        let version: [UInt8] = [0xA0, 0x03, 0x02, 0x01, 0x02]
        let start = try #require((0..<intermediate.count - 5).first { Array(intermediate[$0..<$0 + 5]) == version })
        intermediate[start + 6 + Int(intermediate[start + 6])] ^= 0x01
        let result = CertificateChain.verify(
            leaf: try leaf(), intermediates: [try Certificate(derEncoded: intermediate)],
            anchors: [TestPKI.rootCertificate],
            at: FixedTime.now
        )
        guard case .invalid = result else { Issue.record("\(result)"); return }
    }

    @Test func readsPEMBundlesAndRefusesBrokenOnes() throws {
        let pem =
            "-----BEGIN CERTIFICATE-----\n" + Data(TestPKI.root).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END CERTIFICATE-----\n"
        #expect(try Certificate.parsePEMBundle(pem + pem).count == 2)
        #expect(throws: CertificateError.self) { try Certificate.parsePEMBundle("no certificate here") }
        #expect(throws: CertificateError.self) {
            try Certificate.parsePEMBundle("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----")
        }
    }

    @Test func derReaderRefusesNonMinimalAndOverlongLengths() throws {
        #expect(throws: DERError.self) { try DERReader.readSingle([0x04, 0x81, 0x01, 0x00]) }  // long form for 1
        #expect(throws: DERError.self) { try DERReader.readSingle([0x04, 0x05, 0x00]) }  // longer than the input
        #expect(throws: DERError.self) { try DERReader.readSingle([0x04, 0x80, 0x00, 0x00]) }  // indefinite
        #expect(throws: DERError.self) { try DERReader.readSingle([0x04, 0x01, 0x00, 0x00]) }  // trailing
        #expect(throws: DERError.self) { try DERReader.readSingle([0x01, 0x01, 0x01]).boolean() }  // BOOLEAN not 00/FF
        #expect(try DERReader.readSingle([0x06, 0x03, 0x2A, 0x86, 0x48]).objectIdentifier() == "1.2.840")
        #expect(try DERReader.readSingle([0xBF, 0x85, 0x3E, 0x02, 0x05, 0x00]).tagNumber == 702)
    }
}
