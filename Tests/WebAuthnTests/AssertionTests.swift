import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

/// A genuine assertion for a registered credential; tests change one thing each.
struct AssertionScenario {
    var key: TestKey = .es256
    var credentialID: [UInt8] = Array(repeating: 0xC1, count: 32)
    var rpID = RegistrationScenario.rpID
    var origin = RegistrationScenario.origin
    var challenge: [UInt8] = Array(100..<132)
    var clientDataType = "webauthn.get"
    var flags: UInt8 = 0x05
    var signCount: UInt32 = 8
    var userHandle: [UInt8]? = [1, 2, 3]
    var signer: TestKey?
    var stored = StoredCredential(
        id: Array(repeating: 0xC1, count: 32), publicKeyCOSE: TestKey.es256.coseKey, signCount: 7,
        backupEligible: false,
        userHandle: [1, 2, 3]
    )
    var expectation = AssertionExpectation(
        challenge: Array(100..<132),
        relyingParty: RelyingParty(id: RegistrationScenario.rpID, origins: [RegistrationScenario.origin])
    )

    var response: AssertionResponse {
        let clientData = Array(
            ("{\"type\":\"\(clientDataType)\",\"challenge\":\"\(Base64URL.encode(challenge))\","
                + "\"origin\":\"\(origin)\",\"crossOrigin\":false}").utf8)
        let authenticatorData =
            HashFunction.sha256.hash(Array(rpID.utf8)) + [flags] + CBOREncoder.bigEndian(UInt64(signCount), 4)
        let signature = (signer ?? key).sign(authenticatorData + HashFunction.sha256.hash(clientData), cose: nil)
        return AssertionResponse(
            id: Base64URL.encode(credentialID), rawID: credentialID, clientDataJSON: clientData,
            authenticatorData: authenticatorData, signature: signature, userHandle: userHandle
        )
    }

    func verify() -> Result<VerifiedAssertion, WebAuthnFailure> {
        AssertionVerifier.verify(response, credential: stored, expecting: expectation)
    }

    func failure() -> WebAuthnFailure.Reason? { verify().failureReason }
}

@Suite("Authentication ceremony (assertions)")
struct AssertionTests {
    @Test func genuineAssertionVerifiesAndReportsTheNewCounter() throws {
        let result = try AssertionScenario().verify().get()
        #expect(
            result
                == VerifiedAssertion(
                    credentialID: Array(repeating: 0xC1, count: 32), signCount: 8, userVerified: true,
                    backupState: false,
                    signCountRegressed: false
                ))
    }

    @Test(arguments: [COSEAlgorithm.es384, .es512, .edDSA, .rs256, .ps256])
    func everyAlgorithmVerifies(_ algorithm: COSEAlgorithm) {
        var scenario = AssertionScenario()
        scenario.key = algorithmKey(algorithm)
        scenario.stored.publicKeyCOSE = scenario.key.coseKey
        #expect(scenario.failure() == nil)
    }

    @Test func freshlyRegisteredCredentialProvesItself() throws {
        let registration = RegistrationScenario()
        let credential = try registration.verify().get()
        var scenario = AssertionScenario()
        scenario.stored = StoredCredential(credential, userHandle: [1, 2, 3])
        scenario.signCount = 1
        #expect(scenario.failure() == nil)
    }

    // Case 4: replaying an older counter is caught, and the counter to persist never goes back.
    @Test func counterThatDoesNotIncreaseIsRefusedOrFlagged() throws {
        var scenario = AssertionScenario()
        scenario.signCount = 7
        #expect(scenario.failure() == .signCountRegressed)
        scenario.signCount = 3
        #expect(scenario.failure() == .signCountRegressed)
        scenario.expectation.signCountPolicy = .flag
        let flagged = try scenario.verify().get()
        #expect(flagged.signCountRegressed)
        #expect(flagged.signCount == 7)
    }

    @Test func persistedCounterStopsAReplay() throws {
        var scenario = AssertionScenario()
        let first = try scenario.verify().get()
        scenario.stored.signCount = first.signCount
        #expect(scenario.failure() == .signCountRegressed)
    }

    @Test func authenticatorsWithoutACounterStayAtZero() throws {
        var scenario = AssertionScenario()
        scenario.stored.signCount = 0
        scenario.signCount = 0
        #expect(try scenario.verify().get().signCountRegressed == false)
        scenario.stored.signCount = 5
        #expect(scenario.failure() == .signCountRegressed)
    }

    @Test func backupEligibilityMustNotChange() {
        var scenario = AssertionScenario()
        scenario.flags = 0x05 | 0x08
        #expect(scenario.failure() == .backupEligibilityChanged)
        scenario.stored.backupEligible = true
        #expect(scenario.failure() == nil)
        scenario.flags = 0x05
        #expect(scenario.failure() == .backupEligibilityChanged)
        scenario.flags = 0x05 | 0x10
        #expect(scenario.failure() == .backupStateWithoutEligibility)
    }

    @Test func presenceAndVerificationAreRequired() {
        var scenario = AssertionScenario()
        scenario.flags = 0x04
        #expect(scenario.failure() == .userPresenceMissing)
        scenario.flags = 0x01
        #expect(scenario.failure() == .userVerificationMissing)
        scenario.expectation.requireUserVerification = false
        #expect(scenario.failure() == nil)
    }

    @Test func clientDataChecksApply() {
        var scenario = AssertionScenario()
        scenario.clientDataType = "webauthn.create"
        #expect(scenario.failure() == .clientDataTypeMismatch)
        scenario = AssertionScenario()
        scenario.challenge = Array(0..<32)
        #expect(scenario.failure() == .challengeMismatch)
        scenario = AssertionScenario()
        scenario.origin = "https://login.example.org:443"
        #expect(scenario.failure() == .originMismatch)
        scenario = AssertionScenario()
        scenario.rpID = "example.com"
        #expect(scenario.failure() == .rpIDMismatch)
    }

    @Test func signatureByAnotherKeyIsRefused() {
        var scenario = AssertionScenario()
        scenario.signer = .es256Other
        #expect(scenario.failure() == .signatureInvalid)
    }

    @Test func credentialNotOfferedOrNotTheStoredOneIsRefused() {
        var scenario = AssertionScenario()
        scenario.expectation.allowedCredentialIDs = [[9, 9, 9]]
        #expect(scenario.failure() == .credentialNotAllowed)
        scenario.expectation.allowedCredentialIDs = [scenario.credentialID]
        #expect(scenario.failure() == nil)
        scenario.stored.id = [9, 9, 9]
        #expect(scenario.failure() == .credentialNotAllowed)
    }

    @Test func userHandleOfAnotherUserIsRefused() {
        var scenario = AssertionScenario()
        scenario.userHandle = [4, 5, 6]
        #expect(scenario.failure() == .userHandleMismatch)
        scenario.userHandle = nil
        #expect(scenario.failure() == nil)
    }

    @Test func assertionCarryingAttestedCredentialDataIsRefused() {
        var scenario = AssertionScenario()
        scenario.flags = 0x45
        #expect(scenario.failure() == .authenticatorDataTruncated)
    }
}
