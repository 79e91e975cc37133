import Foundation
import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

/// The checks every registration runs before and around the format's procedure, shown on `none` attestations.
@Suite("Registration ceremony")
struct RegistrationCeremonyTests {
    private let genuine = RegistrationScenario()

    @Test func genuineNoneAttestationIsAcceptedAndMarkedUnattested() throws {
        let credential = try genuine.verify().get()
        #expect(credential.id == genuine.credentialID)
        #expect(credential.publicKeyCOSE == TestKey.es256.coseKey)
        #expect(credential.algorithm == .es256)
        #expect(credential.aaguid == RegistrationScenario.testAAGUID)
        #expect(credential.userVerified)
        #expect(!credential.backupEligible && !credential.backupState)
        #expect(credential.transports == ["usb"])
        #expect(
            credential.attestation == AttestationFacts(format: .none, type: .none, trust: .unattested, certificates: [])
        )
    }

    // Input hygiene and the 19 cases of the notes, one reason code each.

    @Test func typeOtherThanPublicKeyIsRefused() {
        var response = genuine.response
        response.type = "password"
        #expect(reason(response) == .credentialTypeInvalid)
    }

    @Test func idThatIsNotTheBase64URLOfRawIDIsRefused() {
        var scenario = genuine
        scenario.idOverride = Base64URL.encode(Array(repeating: 0xC2, count: 32))
        #expect(scenario.failure() == .idRawIDMismatch)
        // Padded as RFC 4648 pads, the id names the same bytes (issue 27); padded otherwise, it names none.
        scenario.idOverride = Base64URL.encode(scenario.credentialID) + "=="
        #expect(scenario.failure() == .idRawIDMismatch)
        scenario.idOverride = Base64URL.encode(scenario.credentialID) + "="
        #expect(scenario.failure() == nil)
    }

    @Test func rawIDThatIsNotTheCredentialIDInAuthenticatorDataIsRefused() {
        var scenario = genuine
        scenario.rawIDOverride = Array(repeating: 0xC2, count: 32)
        #expect(scenario.failure() == .rawIDNotCredentialID)
    }

    @Test func clientDataOfTheGetCeremonyIsRefused() {
        var scenario = genuine
        scenario.clientDataType = "webauthn.get"
        #expect(scenario.failure() == .clientDataTypeMismatch)
    }

    @Test func wrongChallengeIsRefused() {
        var scenario = genuine
        scenario.challenge = Array(1...32)
        #expect(scenario.failure() == .challengeMismatch)
        scenario.challenge = Array(0..<31)
        #expect(scenario.failure() == .challengeMismatch)
    }

    @Test(arguments: [
        "https://login.example.org/", "https://login.example.org:443", "https://login.example.org#frag",
        "http://login.example.org", "https://LOGIN.example.org", "https://evil.login.example.org",
        "https://example.org",
        "https://login.example.org.evil.test", "null",
    ])
    func originNearMissesAreRefused(_ origin: String) {
        var scenario = genuine
        scenario.origin = origin
        #expect(scenario.failure() == .originMismatch)
    }

    @Test func crossOriginTrueIsRefusedAndFalseAccepted() {
        var scenario = genuine
        scenario.extraClientData = ",\"crossOrigin\":true"
        #expect(scenario.failure() == .crossOriginNotAllowed)
        scenario.extraClientData = ",\"crossOrigin\":false"
        #expect(scenario.failure() == nil)
        scenario.extraClientData = ",\"crossOrigin\":\"false\""
        #expect(scenario.failure() == .clientDataMalformed)
    }

    @Test func topOriginIsRefusedUnlessFramingIsAllowed() {
        var scenario = genuine
        scenario.extraClientData = ",\"topOrigin\":\"https://portal.example.org\""
        #expect(scenario.failure() == .topOriginNotAllowed)
        scenario.extraClientData = ",\"crossOrigin\":true,\"topOrigin\":\"https://portal.example.org\""
        var expectation = scenario.expectation()
        expectation.relyingParty.allowedTopOrigins = ["https://portal.example.org"]
        #expect(scenario.failure(expectation) == nil)
        scenario.extraClientData = ",\"crossOrigin\":true,\"topOrigin\":\"https://evil.test\""
        #expect(scenario.failure(expectation) == .topOriginNotAllowed)
        scenario.extraClientData = ",\"crossOrigin\":true"
        #expect(scenario.failure(expectation) == .topOriginNotAllowed)
        scenario.extraClientData = ",\"topOrigin\":\"https://portal.example.org\""
        #expect(scenario.failure(expectation) == .topOriginNotAllowed)
    }

    @Test func extraClientDataMembersAndEscapedSlashesAreTolerated() {
        var scenario = genuine
        scenario.clientDataOverride = Array(
            ("{\"type\":\"webauthn.create\",\"challenge\":\"\(Base64URL.encode(Array(0..<32)))\","
                + "\"origin\":\"https:\\/\\/login.example.org\",\"other_keys_can_be_added_here\":\"x\",\"tokenBinding\":{\"status\":\"x\"}}")
                .utf8)
        #expect(scenario.failure() == nil)
    }

    @Test(arguments: [
        "not json", "[]", "{\"type\":\"webauthn.create\"}", "{\"type\":1,\"challenge\":\"AA\",\"origin\":\"o\"}",
        "{\"type\":\"webauthn.create\",\"type\":\"webauthn.create\",\"challenge\":\"AA\",\"origin\":\"o\"}",
    ])
    func malformedClientDataIsRefused(_ text: String) {
        var scenario = genuine
        scenario.clientDataOverride = Array(text.utf8)
        #expect(scenario.failure() == .clientDataMalformed)
    }

    @Test func wrongRPIDIsRefused() {
        var scenario = genuine
        scenario.rpID = "evil.test"
        #expect(scenario.failure() == .rpIDMismatch)
        scenario.rpID = "login.example.org"
        #expect(scenario.failure() == .rpIDMismatch)
    }

    // Case 3 (and 16: a conditional-mediation create also arrives with UP clear; we never ask for one).
    @Test func userPresenceClearedIsRefused() {
        var scenario = genuine
        scenario.flags = 0x44
        #expect(scenario.failure() == .userPresenceMissing)
    }

    // Case 7.
    @Test func userVerificationIsRequiredWhenAskedFor() {
        var scenario = genuine
        scenario.flags = 0x41
        #expect(scenario.failure() == .userVerificationMissing)
        #expect(scenario.failure(scenario.expectation(requireUserVerification: false)) == nil)
    }

    @Test func backupStateWithoutEligibilityIsRefused() throws {
        var scenario = genuine
        scenario.flags = 0x45 | 0x10
        #expect(scenario.failure() == .backupStateWithoutEligibility)
        scenario.flags = 0x45 | 0x18
        let credential = try scenario.verify().get()
        #expect(credential.backupEligible && credential.backupState)
    }

    @Test func algorithmNotOfferedIsRefused() {
        #expect(genuine.failure(genuine.expectation(allowedAlgorithms: [.edDSA, .rs256])) == .algorithmNotAllowed)
    }

    @Test func unsupportedOrMiscapitalisedFormatIsRefused() {
        var scenario = genuine
        for format in ["None", "packed2", "", "compound"] {
            scenario.format = format
            #expect(scenario.failure() == .formatUnsupported)
        }
    }

    @Test func disabledFormatsAreRefusedByName() {
        var policy = AttestationPolicy()
        policy.enabledFormats = [.packed]
        #expect(genuine.failure(genuine.expectation(policy: policy)) == .formatDisabled)
    }

    @Test func noneWithAStatementIsRefused() {
        var scenario = genuine
        scenario.statement = { _ in [(.text("x5c"), .array([]))] }
        #expect(scenario.failure() == .attestationStatementMalformed)
    }

    // Case 6: sending `fmt: none` must not slip past a policy that wants attestation.
    @Test func noneIsRefusedWhenThePolicyRequiresAnAnchoredAttestation() {
        let policy = AttestationPolicy(trustMode: .anchored, anchors: TrustAnchors(general: [TestPKI.rootCertificate]))
        #expect(genuine.failure(genuine.expectation(policy: policy)) == .attestationNotTrusted)
    }

    @Test func aaguidAllowListRefusesOtherModels() {
        var policy = AttestationPolicy()
        policy.allowedAAGUIDs = [AAGUID(uuidString: "00000000-0000-0000-0000-000000000001")!]
        #expect(genuine.failure(genuine.expectation(policy: policy)) == .aaguidNotAllowed)
        policy.allowedAAGUIDs = [RegistrationScenario.testAAGUID]
        #expect(genuine.failure(genuine.expectation(policy: policy)) == nil)
    }

    // Case 10: the attestation object of the wrong CBOR type, truncated, or with unexpected members.
    @Test(arguments: [
        ([0x01] as [UInt8], WebAuthnFailure.Reason.attestationObjectMalformed),
        ([0x64, 0x6E, 0x6F, 0x6E, 0x65], .attestationObjectMalformed),  // "none"
        ([0x80], .attestationObjectMalformed),
        ([0xF6], .attestationObjectMalformed),
        ([], .cborTruncated),
        ([0xA3, 0x63, 0x66, 0x6D, 0x74], .cborTruncated),
    ])
    func attestationObjectOfTheWrongShapeIsRefused(_ bytes: [UInt8], _ expected: WebAuthnFailure.Reason) {
        var scenario = genuine
        scenario.attestationObjectOverride = bytes
        #expect(scenario.failure() == expected)
    }

    @Test func truncatedAndPaddedAttestationObjectsAreRefused() {
        let whole = genuine.attestationObject
        var scenario = genuine
        scenario.attestationObjectOverride = Array(whole.dropLast(5))
        #expect(scenario.failure() == .cborTruncated)
        scenario.attestationObjectOverride = whole + [0x00]
        #expect(scenario.failure() == .cborTrailingBytes)
    }

    @Test func attestationObjectWithWrongMemberTypesOrExtraMembersIsRefused() {
        let data = genuine.authenticatorData
        let variants: [CBOR] = [
            .pairs([(.text("fmt"), .int(1)), (.text("attStmt"), .pairs([])), (.text("authData"), .bytes(data))]),
            .pairs([(.text("fmt"), .text("none")), (.text("attStmt"), .array([])), (.text("authData"), .bytes(data))]),
            .pairs([(.text("fmt"), .text("none")), (.text("attStmt"), .pairs([])), (.text("authData"), .text("x"))]),
            .pairs([(.text("fmt"), .text("none")), (.text("attStmt"), .pairs([]))]),
            .pairs([
                (.text("fmt"), .text("none")), (.text("attStmt"), .pairs([])), (.text("authData"), .bytes(data)),
                (.text("epAtt"), .boolean(true)),
            ]),
        ]
        for variant in variants {
            var scenario = genuine
            scenario.attestationObjectOverride = CBOREncoder.encode(variant)
            #expect(scenario.failure() == .attestationObjectMalformed)
        }
    }

    @Test func duplicateMapKeysInTheAttestationObjectAreRefused() {
        var bytes = genuine.attestationObject
        // Declare four entries and append a second "fmt".
        bytes[0] = 0xA4
        bytes += CBOREncoder.encode(.text("fmt")) + CBOREncoder.encode(.text("none"))
        var scenario = genuine
        scenario.attestationObjectOverride = bytes
        #expect(scenario.failure() == .cborDuplicateMapKey)
    }

    @Test func nestingBombInTheStatementIsRefused() {
        var scenario = genuine
        var bytes = genuine.attestationObject
        // Replace the empty attStmt map (0xA0) with 40 nested arrays.
        let index = bytes.firstIndex(of: 0xA0)!
        bytes.replaceSubrange(index...index, with: [UInt8](repeating: 0x81, count: 40) + [0x00])
        scenario.attestationObjectOverride = bytes
        #expect(scenario.failure() == .cborNestingTooDeep)
    }

    @Test func hugeDeclaredLengthInTheAttestationObjectIsRefused() {
        var scenario = genuine
        scenario.attestationObjectOverride = [0xA1, 0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]
        #expect(scenario.failure() == .cborLengthTooLarge)
    }

    @Test func attestedCredentialDataMustBePresent() {
        var scenario = genuine
        scenario.flags = 0x05
        #expect(scenario.failure() == .attestedCredentialDataMissing)
    }

    // Case 14: re-verifying a stored registration compares the stored key with the one in authenticator data.
    @Test func reverificationComparesTheStoredPublicKey() {
        let expectation = genuine.expectation()
        #expect(throws: Never.self) {
            try RegistrationVerifier.reverify(
                genuine.response, expecting: expectation, storedPublicKeyCOSE: TestKey.es256.coseKey
            ).get()
        }
        let result = RegistrationVerifier.reverify(
            genuine.response, expecting: expectation, storedPublicKeyCOSE: TestKey.es256Other.coseKey)
        #expect(result.failureReason == .publicKeyMismatch)
    }

    @Test func summaryReportsTheClaimedFormatAndAAGUIDEvenOfRefusedResponses() {
        var scenario = genuine
        scenario.rpID = "evil.test"
        #expect(scenario.failure() == .rpIDMismatch)
        #expect(
            scenario.response.unverifiedSummary
                == UnverifiedAttestationSummary(format: "none", aaguid: RegistrationScenario.testAAGUID))
        scenario.attestationObjectOverride = [0x01]
        #expect(scenario.response.unverifiedSummary == UnverifiedAttestationSummary(format: nil, aaguid: nil))
    }

    @Test func everyReasonCodeIsDistinctAndPrefixed() {
        let codes = WebAuthnFailure.Reason.allCases.map { WebAuthnFailure($0).code }
        #expect(Set(codes).count == codes.count)
        #expect(
            codes.allSatisfy {
                $0.hasPrefix("webauthn_") && $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }
            })
    }

    private func reason(_ response: RegistrationResponse) -> WebAuthnFailure.Reason? {
        RegistrationVerifier.verify(response, expecting: genuine.expectation()).failureReason
    }
}

extension Result where Failure == WebAuthnFailure {
    /// The failure's reason, or nil on success.
    var failureReason: WebAuthnFailure.Reason? {
        if case .failure(let error) = self { return error.reason }
        return nil
    }
}
