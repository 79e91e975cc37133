import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("tpm attestation")
struct TPMAttestationTests {
    private func scenario(_ statement: TPMStatement = TPMStatement(), key: TestKey = .rsa) -> RegistrationScenario {
        var scenario = RegistrationScenario()
        scenario.format = "tpm"
        scenario.credentialKey = key
        scenario.statement = statement.builder
        return scenario
    }

    @Test func rsaCredentialCertifiedWithRS256IsAnchored() throws {
        let credential = try scenario().verify().get()
        #expect(credential.attestation.type == .attestationCA)
        guard case .anchored = credential.attestation.trust else { Issue.record("not anchored"); return }
    }

    @Test func eccCredentialIsCertifiedToo() throws {
        #expect(scenario(key: .es256).failure() == nil)
    }

    // A signing scheme in pubArea (TPM_ALG_ECDSA with SHA-256) carries its hash algorithm; the parser must skip it.
    @Test func publicAreaWithASigningSchemeParses() {
        var statement = TPMStatement()
        statement.editPubArea = { bytes in
            // type(2) nameAlg(2) attributes(4) authPolicy(2+0) symmetric(2), then the scheme at offset 12.
            bytes.replaceSubrange(12..<14, with: [0x00, 0x18, 0x00, 0x0B])
        }
        #expect(scenario(statement, key: .es256).failure() == nil)
        statement.editPubArea = { bytes in bytes.replaceSubrange(10..<12, with: [0x00, 0x06]) }  // symmetric AES
        #expect(scenario(statement, key: .es256).failure() == .tpmStructureInvalid)
    }

    // Windows Hello signs certInfo with RS1; it is accepted for the attestation, never offered for credentials.
    @Test func sha1SignatureFromWindowsHelloIsAccepted() {
        var statement = TPMStatement()
        statement.algorithm = .rs1
        #expect(scenario(statement).failure() == nil)
    }

    @Test func versionOtherThan2Point0IsRefused() {
        var statement = TPMStatement()
        statement.version = "1.2"
        #expect(scenario(statement).failure() == .attestationStatementMalformed)
    }

    @Test func wrongMagicIsRefused() {
        var statement = TPMStatement()
        statement.magic = 0xFF54_4348
        #expect(scenario(statement).failure() == .tpmStructureInvalid)
    }

    @Test func extraDataOverOtherDataIsRefused() {
        var statement = TPMStatement()
        statement.extraData = { _ in HashFunction.sha256.hash([9]) }
        #expect(scenario(statement).failure() == .nonceMismatch)
        statement.extraData = { context in HashFunction.sha1.hash(context.signedData) }  // the wrong digest for RS256
        #expect(scenario(statement).failure() == .nonceMismatch)
    }

    @Test func attestedNameThatIsNotThePublicAreasIsRefused() {
        var statement = TPMStatement()
        statement.attestedName = { name in name.dropLast() + [name.last! ^ 1] }
        #expect(scenario(statement).failure() == .tpmStructureInvalid)
    }

    @Test func publicAreaForAnotherKeyIsRefused() {
        var statement = TPMStatement()
        statement.editPubArea = { bytes in bytes[bytes.count - 1] ^= 0x01 }
        #expect(scenario(statement).failure() == .publicKeyMismatch)
    }

    @Test func truncatedOrPaddedPublicAreaIsRefused() {
        var statement = TPMStatement()
        statement.editPubArea = { bytes in bytes.append(0) }
        #expect(scenario(statement).failure() == .tpmStructureInvalid)
        statement.editPubArea = { bytes in bytes = Array(bytes.prefix(10)) }
        #expect(scenario(statement).failure() == .tpmStructureInvalid)
    }

    @Test func signatureByAnotherKeyIsRefused() {
        var forged = scenario()
        forged.statement = { context in
            var pairs = TPMStatement().builder(context)
            pairs[3] = (.text("sig"), .bytes(TestKey.rsa.sign([1, 2, 3])))
            return pairs
        }
        #expect(forged.failure() == .signatureInvalid)
    }

    @Test func aikCertificateWithASubjectIsRefused() {
        var statement = TPMStatement()
        statement.aikSubject = [("CN", "AIK")]
        #expect(scenario(statement).failure() == .certificateProfileInvalid)
    }

    @Test func aikCertificateWithoutAlternativeNameIsRefused() {
        var statement = TPMStatement()
        statement.includeAlternativeName = false
        #expect(scenario(statement).failure() == .certificateProfileInvalid)
    }

    @Test func unregisteredManufacturerIsRefused() {
        var statement = TPMStatement()
        statement.manufacturer = "id:12345678"
        #expect(scenario(statement).failure() == .certificateProfileInvalid)
        statement.manufacturer = "4E544300"
        #expect(scenario(statement).failure() == .certificateProfileInvalid)
    }

    @Test func aikCertificateWithoutTheAIKUsageIsRefused() {
        var statement = TPMStatement()
        statement.extendedKeyUsage = ["1.3.6.1.5.5.7.3.2"]
        #expect(scenario(statement).failure() == .certificateProfileInvalid)
    }

    // Case 13: unusual but legitimate AIK certificates are not refused for the wrong reason.
    @Test func extraExtendedKeyUsagesAreTolerated() {
        var statement = TPMStatement()
        statement.extendedKeyUsage = ["1.3.6.1.4.1.311.21.36", WebAuthn.ObjectIdentifier.tpmAttestationKeyPurpose]
        #expect(scenario(statement).failure() == nil)
    }

    @Test func aikCertificateThatIsACAIsRefused() {
        var statement = TPMStatement()
        statement.aikIsCA = true
        #expect(scenario(statement).failure() == .certificateProfileInvalid)
    }

    @Test func aaguidExtensionMustMatch() {
        var statement = TPMStatement()
        statement.aikAAGUID = RegistrationScenario.testAAGUID
        #expect(scenario(statement).failure() == nil)
        statement.aikAAGUID = .zero
        #expect(scenario(statement).failure() == .aaguidMismatch)
    }

    @Test func statementWithoutCertificatesIsRefused() {
        var forged = scenario()
        forged.statement = { context in TPMStatement().builder(context).filter { $0.0 != .text("x5c") } }
        #expect(forged.failure() == .attestationStatementMalformed)
    }
}
