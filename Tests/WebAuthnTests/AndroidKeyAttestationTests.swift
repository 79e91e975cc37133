import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("android-key attestation")
struct AndroidKeyAttestationTests {
    /// The test PKI's root stands in for Google's hardware attestation roots.
    private let policy = AttestationPolicy(anchors: TrustAnchors(byFormat: [.androidKey: [TestPKI.rootCertificate]]))

    private func scenario(
        _ description: Statements.KeyDescription = .init(), leafKey: TestKey? = nil
    ) -> RegistrationScenario {
        var scenario = RegistrationScenario()
        scenario.format = "android-key"
        scenario.statement = Statements.androidKey(description, leafKey: leafKey)
        return scenario
    }

    private func failure(_ scenario: RegistrationScenario) -> WebAuthnFailure.Reason? {
        scenario.failure(scenario.expectation(policy: policy))
    }

    @Test func genuineStatementVerifies() throws {
        let genuine = scenario()
        let credential = try genuine.verify(genuine.expectation(policy: policy)).get()
        #expect(credential.attestation.type == .basic)
        guard case .anchored = credential.attestation.trust else { Issue.record("not anchored"); return }
    }

    @Test func theShippedGoogleRootsAreRequired() {
        let genuine = scenario()
        #expect(genuine.failure(genuine.expectation(policy: AttestationPolicy())) == .chainUntrusted)
    }

    @Test func challengeThatIsNotTheClientDataHashIsRefused() {
        var description = Statements.KeyDescription()
        description.challenge = { _ in [UInt8](repeating: 7, count: 32) }
        #expect(failure(scenario(description)) == .nonceMismatch)
    }

    @Test func keyUsableByAllApplicationsIsRefused() {
        var description = Statements.KeyDescription()
        description.allApplications = true
        #expect(failure(scenario(description)) == .androidKeyDescriptionInvalid)
    }

    @Test func importedKeyIsRefused() {
        var description = Statements.KeyDescription()
        description.origin = 2
        #expect(failure(scenario(description)) == .androidKeyDescriptionInvalid)
    }

    @Test func keyForOtherPurposesIsRefused() {
        var description = Statements.KeyDescription()
        description.purposes = [3]
        #expect(failure(scenario(description)) == .androidKeyDescriptionInvalid)
        description.purposes = [2, 0]
        #expect(failure(scenario(description)) == .androidKeyDescriptionInvalid)
    }

    @Test func leafForAnotherKeyIsRefused() {
        var forged = scenario(leafKey: .es256Other)
        forged.statement = { context in
            var pairs = Statements.androidKey(leafKey: .es256Other)(context)
            pairs[1] = (.text("sig"), .bytes(TestKey.es256Other.sign(context.signedData)))
            return pairs
        }
        #expect(failure(forged) == .publicKeyMismatch)
    }

    @Test func signatureByAnotherKeyIsRefused() {
        var forged = scenario()
        forged.statement = { context in
            var pairs = Statements.androidKey()(context)
            pairs[1] = (.text("sig"), .bytes(TestKey.es256Other.sign(context.signedData)))
            return pairs
        }
        #expect(failure(forged) == .signatureInvalid)
    }

    @Test func missingOrMalformedKeyDescriptionIsRefused() {
        var forged = scenario()
        forged.statement = { context in
            let leaf = CertificateSpec(subject: [("CN", "no description")]).issue(
                for: context.credentialKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
            return [
                (.text("alg"), .int(-7)), (.text("sig"), .bytes(context.credentialKey.sign(context.signedData))),
                (.text("x5c"), .array([.bytes(leaf), .bytes(TestPKI.intermediate)])),
            ]
        }
        #expect(failure(forged) == .certificateProfileInvalid)
        forged.statement = { context in
            let spec = CertificateSpec(
                subject: [("CN", "short description")],
                extensions: [
                    (WebAuthn.ObjectIdentifier.androidKeyDescription, false, TestDER.sequence([TestDER.integer(3)]))
                ]
            )
            let leaf = spec.issue(for: context.credentialKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
            return [
                (.text("alg"), .int(-7)), (.text("sig"), .bytes(context.credentialKey.sign(context.signedData))),
                (.text("x5c"), .array([.bytes(leaf), .bytes(TestPKI.intermediate)])),
            ]
        }
        #expect(failure(forged) == .androidKeyDescriptionInvalid)
    }
}
