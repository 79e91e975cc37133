import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("fido-u2f attestation")
struct FIDOU2FAttestationTests {
    private static let attestationKey = TestKey.generate(.ecdsaP256SHA256)
    private static let certificate = CertificateSpec(subject: [("CN", "Test U2F EE Serial 42")])
        .issue(for: attestationKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))

    private var genuine: RegistrationScenario {
        var scenario = RegistrationScenario()
        scenario.aaguid = .zero
        scenario.format = "fido-u2f"
        scenario.statement = Statements.fidoU2F(signer: Self.attestationKey, certificate: Self.certificate)
        return scenario
    }

    @Test func genuineStatementVerifiesAndStaysUnanchoredWithoutItsIntermediate() throws {
        let credential = try genuine.verify().get()
        #expect(credential.attestation.format == .fidoU2F)
        #expect(credential.attestation.type == .basic)
        #expect(credential.attestation.trust == .unanchored)
        #expect(credential.aaguid == .zero)
    }

    @Test func anchoredWhenItsIssuerIsConfigured() throws {
        let policy = AttestationPolicy(
            trustMode: .anchored, anchors: TrustAnchors(byFormat: [.fidoU2F: [TestPKI.intermediateCertificate]]))
        let credential = try genuine.verify(genuine.expectation(policy: policy)).get()
        guard case .anchored = credential.attestation.trust else { Issue.record("not anchored"); return }
    }

    @Test func nonZeroAAGUIDIsRefused() {
        var scenario = genuine
        scenario.aaguid = RegistrationScenario.testAAGUID
        #expect(scenario.failure() == .aaguidMismatch)
    }

    @Test func signatureOverAnotherCredentialIDIsRefused() {
        var scenario = genuine
        scenario.statement = { context in
            let (x, y) = context.credentialKey.ecCoordinates
            let message: [UInt8] = [0x00] + context.rpIDHash + context.clientDataHash + [1, 2, 3] + [0x04] + x + y
            return [
                (.text("sig"), .bytes(Self.attestationKey.sign(message))),
                (.text("x5c"), .array([.bytes(Self.certificate)])),
            ]
        }
        #expect(scenario.failure() == .signatureInvalid)
    }

    @Test func moreThanOneCertificateIsRefused() {
        var scenario = genuine
        scenario.statement = { context in
            var pairs = Statements.fidoU2F(signer: Self.attestationKey, certificate: Self.certificate)(context)
            pairs[1] = (.text("x5c"), .array([.bytes(Self.certificate), .bytes(TestPKI.intermediate)]))
            return pairs
        }
        #expect(scenario.failure() == .attestationStatementMalformed)
    }

    @Test func attestationKeyNotOnP256IsRefused() {
        let certificate = CertificateSpec(subject: [("CN", "P-384 U2F")]).issue(
            for: .es384, by: (TestPKI.intermediate, TestPKI.intermediateKey))
        var scenario = genuine
        scenario.statement = Statements.fidoU2F(signer: .es384, certificate: certificate)
        #expect(scenario.failure() == .certificateProfileInvalid)
    }

    @Test func credentialKeyNotOnP256IsRefused() {
        var scenario = genuine
        scenario.credentialKey = .edDSA
        scenario.statement = { _ in
            [(.text("sig"), .bytes([0x30, 0x00])), (.text("x5c"), .array([.bytes(Self.certificate)]))]
        }
        #expect(scenario.failure() == .publicKeyUnsupported)
    }

    @Test func missingX5CIsRefused() {
        var scenario = genuine
        scenario.statement = { _ in [(.text("sig"), .bytes([0x30, 0x00]))] }
        #expect(scenario.failure() == .attestationStatementMalformed)
    }
}
