import Foundation
import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("packed attestation")
struct PackedAttestationTests {
    private var selfAttested: RegistrationScenario {
        var scenario = RegistrationScenario()
        scenario.format = "packed"
        scenario.statement = Statements.packedSelf
        return scenario
    }

    private func withChain(
        _ spec: CertificateSpec = .packedLeaf(aaguid: RegistrationScenario.testAAGUID)
    ) -> RegistrationScenario {
        var scenario = RegistrationScenario()
        scenario.format = "packed"
        scenario.statement = Statements.packedChain(spec)
        return scenario
    }

    // Self attestation.

    @Test func selfAttestationWithTheWrongAlgorithmIsRefused() {
        var scenario = selfAttested
        scenario.statement = { context in
            [(.text("alg"), .int(-257)), (.text("sig"), .bytes(context.credentialKey.sign(context.signedData)))]
        }
        #expect(scenario.failure() == .attestationAlgorithmMismatch)
    }

    @Test func selfAttestationSignedByAnotherKeyIsRefused() {
        var scenario = selfAttested
        scenario.statement = { context in
            [(.text("alg"), .int(-7)), (.text("sig"), .bytes(TestKey.es256Other.sign(context.signedData)))]
        }
        #expect(scenario.failure() == .signatureInvalid)
    }

    @Test func selfAttestationOverOtherClientDataIsRefused() {
        var scenario = selfAttested
        scenario.statement = { context in
            [
                (.text("alg"), .int(-7)),
                (
                    .text("sig"),
                    .bytes(context.credentialKey.sign(context.authenticatorData + [UInt8](repeating: 0, count: 32)))
                ),
            ]
        }
        #expect(scenario.failure() == .signatureInvalid)
    }

    // Case 1: r = s = 0.
    @Test func ecdsaZeroSignatureIsRefused() {
        var scenario = selfAttested
        scenario.statement = { _ in
            [(.text("alg"), .int(-7)), (.text("sig"), .bytes([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]))]
        }
        #expect(scenario.failure() == .signatureInvalid)
        var chained = withChain()
        chained.statement = { _ in
            [
                (.text("alg"), .int(-7)), (.text("sig"), .bytes([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])),
                (.text("x5c"), .array([.bytes(Statements.packedLeaf()), .bytes(TestPKI.intermediate)])),
            ]
        }
        #expect(chained.failure() == .signatureInvalid)
    }

    @Test func selfAttestationIsRefusedInAnchoredMode() {
        let policy = AttestationPolicy(trustMode: .anchored, anchors: TrustAnchors(general: [TestPKI.rootCertificate]))
        #expect(selfAttested.failure(selfAttested.expectation(policy: policy)) == .attestationNotTrusted)
    }

    @Test(arguments: [
        [(CBOR.text("alg"), CBOR.text("ES256"))],
        [(.text("sig"), .bytes([1]))],
        [(.text("alg"), .int(-7))],
        [(.text("alg"), .int(-7)), (.text("sig"), .text("AAAA"))],
        [(.text("alg"), .int(-7)), (.text("sig"), .bytes([1])), (.text("ecdaaKeyId"), .bytes([1]))],
        [(.text("alg"), .int(-7)), (.text("sig"), .bytes([1])), (.text("x5c"), .array([]))],
        [(.text("alg"), .int(-7)), (.text("sig"), .bytes([1])), (.text("x5c"), .bytes([1]))],
        [(.text("alg"), .int(-7)), (.text("sig"), .bytes([1])), (.text("x5c"), .array([.text("cert")]))],
    ])
    func malformedStatementsAreRefused(_ statement: [(CBOR, CBOR)]) {
        var scenario = selfAttested
        scenario.statement = { _ in statement }
        #expect(scenario.failure() == .attestationStatementMalformed)
    }

    @Test func unknownStatementAlgorithmIsRefused() {
        var scenario = selfAttested
        scenario.statement = { _ in [(.text("alg"), .int(-9999)), (.text("sig"), .bytes([1]))] }
        #expect(scenario.failure() == .attestationAlgorithmMismatch)
    }

    // x5c (basic attestation).

    @Test func chainToAConfiguredRootIsAnchored() throws {
        let credential = try withChain().verify().get()
        #expect(credential.attestation.type == .basic)
        #expect(
            credential.attestation.trust
                == .anchored(
                    fingerprint: TestPKI.rootCertificate.sha256Fingerprint.hexString,
                    subject: "C=SE, O=Test Vendor AB, CN=Test Attestation Root"
                ))
        #expect(credential.attestation.certificates.count == 2)
        #expect(credential.attestation.certificates[1] == TestPKI.intermediate)
    }

    @Test func chainWithoutAnyKnownAnchorIsUnanchoredInSignatureOnlyModeAndRefusedInAnchoredMode() throws {
        let scenario = withChain()
        let credential = try scenario.verify(scenario.expectation(policy: AttestationPolicy())).get()
        #expect(credential.attestation.trust == .unanchored)
        #expect(
            scenario.failure(scenario.expectation(policy: AttestationPolicy(trustMode: .anchored))) == .chainUntrusted)
        let anchored = AttestationPolicy(
            trustMode: .anchored, anchors: TrustAnchors(general: [TestPKI.rootCertificate]))
        #expect(scenario.failure(scenario.expectation(policy: anchored)) == nil)
    }

    @Test func anIntermediateMayBeTheConfiguredAnchor() throws {
        let scenario = withChain()
        let policy = AttestationPolicy(
            trustMode: .anchored, anchors: TrustAnchors(general: [TestPKI.intermediateCertificate]))
        let credential = try scenario.verify(scenario.expectation(policy: policy)).get()
        guard case .anchored(let fingerprint, _) = credential.attestation.trust else {
            Issue.record("not anchored"); return
        }
        #expect(fingerprint == TestPKI.intermediateCertificate.sha256Fingerprint.hexString)
    }

    // Case 2 (GHSA-6hxq-p678-4hr2): a self-signed root carried inside x5c is never an anchor.
    @Test func selfSignedRootInsideX5CIsNotAnAnchor() {
        let attackerLeafKey = TestKey.generate(.ecdsaP256SHA256)
        let leaf = CertificateSpec.packedLeaf(aaguid: RegistrationScenario.testAAGUID)
            .issue(for: attackerLeafKey, by: (TestPKI.attackerRoot, TestPKI.attackerKey))
        var scenario = RegistrationScenario()
        scenario.format = "packed"
        scenario.statement = Statements.packed(signer: attackerLeafKey, chain: [leaf, TestPKI.attackerRoot])
        let anchored = AttestationPolicy(
            trustMode: .anchored, anchors: TrustAnchors(general: [TestPKI.rootCertificate]))
        #expect(scenario.failure(scenario.expectation(policy: anchored)) == .chainUntrusted)
        // An anchor known for this AAGUID must be reached even in signatureOnly mode, and the refusal says the
        // chain misses the roots of the model it claims.
        let scoped = AttestationPolicy(
            anchors: TrustAnchors(byAAGUID: [RegistrationScenario.testAAGUID: [TestPKI.rootCertificate]]))
        #expect(scenario.failure(scenario.expectation(policy: scoped)) == .modelRootsNotReached)
        #expect(scenario.failure(scenario.expectation(policy: anchored)) == .chainUntrusted)
        #expect(withChain().failure(withChain().expectation(policy: scoped)) == nil)
    }

    @Test func x5cWhoseCertificatesDoNotChainIsRefused() {
        var scenario = RegistrationScenario()
        scenario.format = "packed"
        scenario.statement = Statements.packed(
            signer: Statements.packedLeafKey, chain: [Statements.packedLeaf(), TestPKI.attackerRoot])
        #expect(scenario.failure(scenario.expectation(policy: AttestationPolicy())) == .chainUntrusted)
    }

    // Case 19 `flipped_signature_byte`.
    @Test func flippedSignatureByteIsRefused() {
        var scenario = withChain()
        scenario.statement = { context in
            var signature = Statements.packedLeafKey.sign(context.signedData)
            signature[signature.count - 3] ^= 0x01
            return [
                (.text("alg"), .int(-7)), (.text("sig"), .bytes(signature)),
                (.text("x5c"), .array([.bytes(Statements.packedLeaf()), .bytes(TestPKI.intermediate)])),
            ]
        }
        #expect(scenario.failure() == .signatureInvalid)
    }

    @Test func signatureByAnotherKeyThanTheLeafIsRefused() {
        var scenario = RegistrationScenario()
        scenario.format = "packed"
        scenario.statement = Statements.packed(
            signer: .es256Other, chain: [Statements.packedLeaf(), TestPKI.intermediate])
        #expect(scenario.failure() == .signatureInvalid)
    }

    @Test func statementAlgorithmThatDoesNotFitTheLeafKeyIsRefused() {
        var scenario = RegistrationScenario()
        scenario.format = "packed"
        scenario.statement = Statements.packed(
            signer: Statements.packedLeafKey, chain: [Statements.packedLeaf(), TestPKI.intermediate], algorithm: .es384)
        #expect(scenario.failure() == .signatureInvalid)
    }

    // Chromium signs RS256 and EdDSA credentials with an ES256 batch key: attStmt.alg is the attestation key's.
    @Test(arguments: [COSEAlgorithm.rs256, .edDSA, .es384])
    func batchKeyAlgorithmMayDifferFromTheCredentials(_ algorithm: COSEAlgorithm) throws {
        var scenario = withChain()
        scenario.credentialKey = algorithmKey(algorithm)
        let credential = try scenario.verify().get()
        #expect(credential.algorithm == algorithm)
        #expect(credential.attestation.type == .basic)
    }

    // Certificate profile (§8.2.1), each violation alone. Case 18: every leaf here has Chromium's shape of basic
    // constraints (CA=false written as an empty SEQUENCE), which once broke a parser.
    @Test func profileViolationsAreRefused() {
        var wrongUnit = CertificateSpec.packedLeaf()
        wrongUnit.subject[2] = ("OU", "Authenticator")
        var noCountry = CertificateSpec.packedLeaf()
        noCountry.subject.remove(at: 0)
        var lowerCountry = CertificateSpec.packedLeaf()
        lowerCountry.subject[0] = ("C", "se")
        var noOrganization = CertificateSpec.packedLeaf()
        noOrganization.subject.remove(at: 1)
        var noCommonName = CertificateSpec.packedLeaf()
        noCommonName.subject.remove(at: 3)
        var twoUnits = CertificateSpec.packedLeaf()
        twoUnits.subject.append(("OU", "Authenticator Attestation"))
        var authority = CertificateSpec.packedLeaf()
        authority.isCA = true
        var version1 = CertificateSpec.packedLeaf()
        version1.version = 1
        version1.isCA = nil
        for spec in [wrongUnit, noCountry, lowerCountry, noOrganization, noCommonName, twoUnits, authority, version1] {
            #expect(
                withChain(spec).failure() == .certificateProfileInvalid,
                "\(spec.subject) CA=\(String(describing: spec.isCA)) v\(spec.version)")
        }
    }

    @Test func leafWithoutBasicConstraintsIsAcceptedAsNotACA() {
        var spec = CertificateSpec.packedLeaf()
        spec.isCA = nil
        #expect(withChain(spec).failure() == nil)
    }

    @Test func aaguidExtensionMustMatchAndBeNonCritical() {
        let other = AAGUID(uuidString: "00000000-0000-0000-0000-0000000000aa")!
        #expect(withChain(.packedLeaf(aaguid: other)).failure() == .aaguidMismatch)
        var critical = CertificateSpec.packedLeaf()
        critical.extensions = [
            (WebAuthn.ObjectIdentifier.fidoAAGUID, true, TestDER.octetString(RegistrationScenario.testAAGUID.bytes))
        ]
        #expect(withChain(critical).failure() == .certificateProfileInvalid)
        var notOctets = CertificateSpec.packedLeaf()
        notOctets.extensions = [(WebAuthn.ObjectIdentifier.fidoAAGUID, false, TestDER.utf8String("6d44ba9b"))]
        #expect(withChain(notOctets).failure() == .certificateMalformed)
        #expect(withChain(.packedLeaf(aaguid: nil)).failure() == nil)
    }

    // Case 17: validity is judged by the injected clock, for the leaf and for every certificate above it.
    @Test func expiredOrNotYetValidCertificatesAreRefusedByTheInjectedClock() {
        let scenario = withChain()
        let later = FixedTime.now.addingTimeInterval(86_400 * 400)
        #expect(scenario.failure(scenario.expectation(now: later)) == .certificateExpired)
        #expect(scenario.failure(scenario.expectation(policy: AttestationPolicy(), now: later)) == .certificateExpired)
        let earlier = FixedTime.now.addingTimeInterval(-86_400 * 400)
        #expect(scenario.failure(scenario.expectation(now: earlier)) == .certificateNotYetValid)
        var expiredLeaf = CertificateSpec.packedLeaf()
        expiredLeaf.notAfter = FixedTime.now.addingTimeInterval(-1)
        #expect(withChain(expiredLeaf).failure() == .certificateExpired)
    }

    @Test func overlongX5CIsRefused() {
        var scenario = withChain()
        scenario.statement = { context in
            [
                (.text("alg"), .int(-7)), (.text("sig"), .bytes(Statements.packedLeafKey.sign(context.signedData))),
                (
                    .text("x5c"),
                    .array([.bytes(Statements.packedLeaf())] + Array(repeating: .bytes(TestPKI.intermediate), count: 8))
                ),
            ]
        }
        #expect(scenario.failure() == .attestationStatementMalformed)
    }

    @Test func garbageCertificateIsMalformed() {
        var scenario = withChain()
        scenario.statement = { context in
            [
                (.text("alg"), .int(-7)), (.text("sig"), .bytes(Statements.packedLeafKey.sign(context.signedData))),
                (.text("x5c"), .array([.bytes(Array(Statements.packedLeaf().dropLast()))])),
            ]
        }
        #expect(scenario.failure() == .certificateMalformed)
    }
}
