import Foundation
import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("android-safetynet attestation (legacy)")
struct AndroidSafetyNetAttestationTests {
    /// Enabled, with the test PKI's root standing in for GlobalSign.
    private let policy = AttestationPolicy(
        enabledFormats: Set(AttestationFormat.allCases),
        anchors: TrustAnchors(byFormat: [.androidSafetyNet: [TestPKI.rootCertificate]])
    )

    private func scenario(_ statement: SafetyNetStatement = SafetyNetStatement()) -> RegistrationScenario {
        var scenario = RegistrationScenario()
        scenario.format = "android-safetynet"
        scenario.statement = statement.builder
        return scenario
    }

    private func failure(_ statement: SafetyNetStatement) -> WebAuthnFailure.Reason? {
        let forged = scenario(statement)
        return forged.failure(forged.expectation(policy: policy))
    }

    @Test func genuineStatementVerifiesWhenEnabled() throws {
        let genuine = scenario()
        let credential = try genuine.verify(genuine.expectation(policy: policy)).get()
        #expect(credential.attestation.format == .androidSafetyNet)
        guard case .anchored = credential.attestation.trust else { Issue.record("not anchored"); return }
    }

    @Test func isOffByDefault() {
        #expect(scenario().failure() == .formatDisabled)
    }

    @Test func theShippedGlobalSignRootIsRequired() {
        var enabled = AttestationPolicy()
        enabled.enabledFormats.insert(.androidSafetyNet)
        #expect(scenario().failure(scenario().expectation(policy: enabled)) == .chainUntrusted)
    }

    @Test func nonceOverOtherDataIsRefused() {
        var statement = SafetyNetStatement()
        statement.nonce = { _ in Data(HashFunction.sha256.hash([1])).base64EncodedString() }
        #expect(failure(statement) == .nonceMismatch)
    }

    @Test func deviceFailingTheProfileMatchIsRefused() {
        var statement = SafetyNetStatement()
        statement.ctsProfileMatch = false
        #expect(failure(statement) == .safetyNetIntegrityFailed)
    }

    @Test func staleOrFutureTimestampsAreRefused() {
        var statement = SafetyNetStatement()
        statement.timestamp = FixedTime.now.addingTimeInterval(-120)
        #expect(failure(statement) == .safetyNetTimestampInvalid)
        statement.timestamp = FixedTime.now.addingTimeInterval(60)
        #expect(failure(statement) == .safetyNetTimestampInvalid)
    }

    @Test func leafForAnotherHostIsRefused() {
        var statement = SafetyNetStatement()
        statement.commonName = "attest.android.com.evil.test"
        #expect(failure(statement) == .certificateProfileInvalid)
    }

    @Test func signatureByAnotherKeyIsRefused() {
        var statement = SafetyNetStatement()
        statement.signer = .rsa
        #expect(failure(statement) == .signatureInvalid)
    }

    @Test func otherJWSAlgorithmsAndShapesAreRefused() {
        var statement = SafetyNetStatement()
        statement.algorithm = "none"
        #expect(failure(statement) == .attestationStatementMalformed)
        var forged = scenario()
        forged.statement = { _ in [(.text("ver"), .text("1")), (.text("response"), .bytes(Array("a.b".utf8)))] }
        #expect(forged.failure(forged.expectation(policy: policy)) == .attestationStatementMalformed)
        statement = SafetyNetStatement()
        statement.version = ""
        #expect(failure(statement) == .attestationStatementMalformed)
    }
}
