import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("apple attestation")
struct AppleAttestationTests {
    /// The test PKI's root stands in for Apple's (we cannot sign as Apple).
    private let policy = AttestationPolicy(
        trustMode: .anchored, anchors: TrustAnchors(byFormat: [.apple: [TestPKI.rootCertificate]]))

    private var genuine: RegistrationScenario {
        var scenario = RegistrationScenario()
        scenario.aaguid = .zero
        scenario.format = "apple"
        scenario.flags = 0x45 | 0x18  // passkeys are backed up
        scenario.statement = Statements.apple()
        return scenario
    }

    @Test func genuineStatementVerifiesToTheConfiguredAnchor() throws {
        let credential = try genuine.verify(genuine.expectation(policy: policy)).get()
        #expect(credential.attestation.type == .anonymizationCA)
        guard case .anchored = credential.attestation.trust else { Issue.record("not anchored"); return }
        #expect(credential.backupEligible && credential.backupState)
    }

    @Test func theShippedAppleRootIsRequiredEvenInSignatureOnlyMode() {
        // With the well-known anchors, an `apple` statement from any other CA must fail: an anchor is known.
        #expect(genuine.failure(genuine.expectation(policy: AttestationPolicy())) == .chainUntrusted)
    }

    @Test func nonceOverOtherDataIsRefused() {
        var scenario = genuine
        scenario.statement = Statements.apple(nonce: { _ in HashFunction.sha256.hash([1, 2, 3]) })
        #expect(scenario.failure(scenario.expectation(policy: policy)) == .nonceMismatch)
    }

    @Test func certificateForAnotherKeyIsRefused() {
        var scenario = genuine
        scenario.statement = Statements.apple(leafKey: .es256Other)
        #expect(scenario.failure(scenario.expectation(policy: policy)) == .publicKeyMismatch)
    }

    @Test func missingOrMalformedNonceExtensionIsRefused() {
        var scenario = genuine
        scenario.statement = { context in
            let leaf = CertificateSpec(subject: [("CN", "no nonce")]).issue(
                for: context.credentialKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
            return [(.text("x5c"), .array([.bytes(leaf), .bytes(TestPKI.intermediate)]))]
        }
        #expect(scenario.failure(scenario.expectation(policy: policy)) == .certificateProfileInvalid)
        scenario.statement = { context in
            let spec = CertificateSpec(
                subject: [("CN", "bad nonce")],
                extensions: [
                    (
                        WebAuthn.ObjectIdentifier.appleNonce, false,
                        TestDER.octetString(HashFunction.sha256.hash(context.signedData))
                    )
                ]
            )
            let leaf = spec.issue(for: context.credentialKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
            return [(.text("x5c"), .array([.bytes(leaf), .bytes(TestPKI.intermediate)]))]
        }
        #expect(scenario.failure(scenario.expectation(policy: policy)) == .certificateMalformed)
    }

    @Test func extraStatementFieldsAreRefused() {
        var scenario = genuine
        scenario.statement = { context in Statements.apple()(context) + [(.text("alg"), .int(-7))] }
        #expect(scenario.failure(scenario.expectation(policy: policy)) == .attestationStatementMalformed)
    }
}
