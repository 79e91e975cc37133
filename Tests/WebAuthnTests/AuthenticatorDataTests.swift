import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("Authenticator data and COSE keys")
struct AuthenticatorDataTests {
    private let genuine = RegistrationScenario()

    @Test func parsesEveryField() throws {
        var scenario = genuine
        scenario.signCount = 0x0102_0304
        let data = try AuthenticatorData(scenario.authenticatorData)
        #expect(data.rpIDHash == HashFunction.sha256.hash(Array("example.org".utf8)))
        #expect(data.flags == [.userPresent, .userVerified, .attestedCredentialData])
        #expect(data.signCount == 0x0102_0304)
        #expect(data.attestedCredential?.credentialID == scenario.credentialID)
        #expect(data.attestedCredential?.publicKeyCOSE == TestKey.es256.coseKey)
        #expect(data.extensions == nil)
    }

    @Test func shorterThan37BytesIsTruncated() {
        #expect(throws: WebAuthnFailure(.authenticatorDataTruncated, "36 bytes, at least 37 needed")) {
            try AuthenticatorData([UInt8](repeating: 0, count: 36))
        }
    }

    // Case 9: a credential id length larger than the bytes left.
    @Test func credentialIDLengthBeyondTheDataIsRefused() {
        var scenario = genuine
        scenario.authenticatorDataEdit = { bytes in
            bytes[53] = 0x7F
            bytes[54] = 0xFF
        }
        #expect(scenario.failure() == .credentialIDLengthInvalid)
        scenario.authenticatorDataEdit = { bytes in bytes = Array(bytes.prefix(50)) }
        #expect(scenario.failure() == .authenticatorDataTruncated)
    }

    // Case 8.
    @Test func credentialIDOver1023BytesIsRefused() {
        var scenario = genuine
        scenario.credentialID = [UInt8](repeating: 0xAB, count: 1024)
        #expect(scenario.failure() == .credentialIDTooLong)
        scenario.credentialID = [UInt8](repeating: 0xAB, count: 1023)
        #expect(scenario.failure() == nil)
    }

    @Test func parsingAloneRefusesCredentialIDsOver1023Bytes() {
        var scenario = genuine
        scenario.credentialID = [UInt8](repeating: 0xAB, count: 1024)
        #expect(throws: WebAuthnFailure(.credentialIDTooLong, "credential id of 1024 bytes")) {
            try AuthenticatorData(scenario.authenticatorData)
        }
    }

    @Test func aaguidTextFormIsStrict() {
        #expect(AAGUID(uuidString: "6D44BA9B-F6EC-4E33-A3B4-62A3C8B1A5F0") == RegistrationScenario.testAAGUID)
        #expect(RegistrationScenario.testAAGUID.uuidString == "6d44ba9b-f6ec-4e33-a3b4-62a3c8b1a5f0")
        for text in [
            "+d44ba9b-f6ec-4e33-a3b4-62a3c8b1a5f0", "6d44ba9bf6ec4e33a3b462a3c8b1a5f0",
            "6d44ba9b-f6ec-4e33-a3b4-62a3c8b1a5f", "",
        ] {
            #expect(AAGUID(uuidString: text) == nil)
        }
    }

    @Test func emptyCredentialIDIsRefused() {
        var scenario = genuine
        scenario.credentialID = []
        #expect(scenario.failure() == .credentialIDLengthInvalid)
    }

    // Case 12: extensions after the COSE key are found by walking CBOR, not by slicing to the end.
    @Test func extensionsAfterTheKeyAreParsed() throws {
        var scenario = genuine
        scenario.extensions = CBOREncoder.encode(.pairs([(.text("credProtect"), .int(2))]))
        let credential = try scenario.verify().get()
        #expect(credential.publicKeyCOSE == TestKey.es256.coseKey)
        let data = try AuthenticatorData(scenario.authenticatorData)
        #expect(data.extensions?[text: "credProtect"] == .unsigned(2))
    }

    @Test func leftoverBytesAreRefused() {
        var scenario = genuine
        scenario.authenticatorDataEdit = { $0.append(0x00) }
        #expect(scenario.failure() == .authenticatorDataTrailingBytes)
        scenario.extensions = CBOREncoder.encode(.pairs([(.text("credProtect"), .int(2))]))
        #expect(scenario.failure() == .authenticatorDataTrailingBytes)
    }

    @Test func extensionFlagWithoutExtensionsOrWithANonMapIsRefused() {
        var scenario = genuine
        scenario.flags = 0x45 | 0x80
        #expect(scenario.failure() == .extensionsMalformed)
        scenario.flags = 0x45
        scenario.extensions = CBOREncoder.encode(.array([]))
        #expect(scenario.failure() == .extensionsMalformed)
    }

    // Case 11: the broken EdDSA key some authenticators emit (map header says 3 entries, 4 follow). We refuse it.
    @Test func brokenEdDSAKeyWithAWrongEntryCountIsRefused() {
        var scenario = genuine
        scenario.credentialKey = .edDSA
        #expect(scenario.failure() == nil)
        var broken = TestKey.edDSA.coseKey
        broken[0] = 0xA3
        scenario.coseKeyOverride = broken
        #expect(scenario.failure() == .authenticatorDataTrailingBytes)
        scenario.flags = 0x45 | 0x80  // with ED set the leftover entry is not an extensions map either
        #expect(scenario.failure() == .extensionsMalformed)
    }

    @Test(arguments: [COSEAlgorithm.es256, .es384, .es512, .edDSA, .rs256, .ps256, .rs384, .rs512, .ps384, .ps512])
    func everyRecommendedAlgorithmRegistersWithSelfAttestation(_ algorithm: COSEAlgorithm) throws {
        var scenario = genuine
        scenario.credentialKey = algorithmKey(algorithm)
        scenario.format = "packed"
        scenario.statement = Statements.packedSelf
        let credential = try scenario.verify().get()
        #expect(credential.algorithm == algorithm)
        #expect(credential.attestation.type == .selfAttestation)
        #expect(credential.attestation.trust == .selfAttested)
    }

    @Test func coseKeyWithKeyTypeAndAlgorithmThatDisagreeIsRefused() {
        var pairs = TestKey.es256.cosePairs
        pairs[0] = (.int(1), .int(3))
        #expect(coseFailure(pairs) == .publicKeyMalformed)
        pairs = TestKey.edDSA.cosePairs
        pairs[1] = (.int(3), .int(-7))
        #expect(coseFailure(pairs) == .publicKeyMalformed)
    }

    @Test func coseKeyOnTheWrongCurveForItsAlgorithmIsRefused() {
        var pairs = TestKey.es256.cosePairs
        pairs[2] = (.int(-1), .int(2))
        #expect(coseFailure(pairs) == .publicKeyMalformed)
        pairs = TestKey.edDSA.cosePairs
        pairs[2] = (.int(-1), .int(7))
        #expect(coseFailure(pairs) == .publicKeyUnsupported)
    }

    @Test func coseKeyOffTheCurveIsRefused() {
        var pairs = TestKey.es256.cosePairs
        guard case .bytes(var y) = pairs[4].1 else { return }
        y[31] ^= 1
        pairs[4] = (.int(-3), .bytes(y))
        #expect(coseFailure(pairs) == .publicKeyMalformed)
    }

    @Test func compressedOrMissingCoordinatesAreRefused() {
        var pairs = TestKey.es256.cosePairs
        pairs[4] = (.int(-3), .boolean(true))
        #expect(coseFailure(pairs) == .publicKeyMalformed)
        #expect(coseFailure(Array(TestKey.es256.cosePairs.prefix(4))) == .publicKeyMalformed)
    }

    @Test func coseKeyCarryingPrivateOrUnknownParametersIsRefused() {
        #expect(
            coseFailure(TestKey.es256.cosePairs + [(.int(-4), .bytes([UInt8](repeating: 1, count: 32)))])
                == .publicKeyMalformed)
        #expect(coseFailure(TestKey.es256.cosePairs + [(.int(99), .int(1))]) == .publicKeyMalformed)
        #expect(coseFailure(TestKey.es256.cosePairs + [(.text("x"), .int(1))]) == .publicKeyMalformed)
    }

    @Test func unknownAlgorithmOrKeyTypeIsUnsupported() {
        var pairs = TestKey.es256.cosePairs
        pairs[1] = (.int(3), .int(-47))
        #expect(coseFailure(pairs) == .publicKeyUnsupported)
        pairs = TestKey.es256.cosePairs
        pairs[0] = (.int(1), .int(4))
        #expect(coseFailure(pairs) == .publicKeyUnsupported)
    }

    @Test func shortRSAModulusIsUnsupported() {
        var pairs = TestKey.rsa.cosePairs
        guard case .bytes(let modulus) = pairs[2].1 else { return }
        pairs[2] = (.int(-1), .bytes(Array(modulus.prefix(128))))
        #expect(coseFailure(pairs) == .publicKeyUnsupported)
    }

    @Test func coseKeyThatIsNotAMapIsRefused() {
        var scenario = genuine
        scenario.coseKeyOverride = CBOREncoder.encode(.bytes([1, 2, 3]))
        #expect(scenario.failure() == .publicKeyMalformed)
    }

    private func coseFailure(_ pairs: [(CBOR, CBOR)]) -> WebAuthnFailure.Reason? {
        var scenario = genuine
        scenario.coseKeyOverride = CBOREncoder.encode(.pairs(pairs))
        return scenario.failure()
    }
}

/// A shared key for `algorithm` (RSA keys serve RS and PS alike).
func algorithmKey(_ algorithm: COSEAlgorithm) -> TestKey {
    switch algorithm {
    case .es256: .es256
    case .es384: .es384
    case .es512: .es512
    case .edDSA: .edDSA
    default: TestKey.rsa.using(algorithm)
    }
}
