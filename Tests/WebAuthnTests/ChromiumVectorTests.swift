import Foundation
import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

/// Registrations and assertions made by a real browser verify, and stay refused when changed.
@Suite("Real-browser vectors (headless Chromium)")
struct ChromiumVectorTests {
    private func expectation(
        _ vector: ChromiumVector, policy: AttestationPolicy = AttestationPolicy(),
        now: Date? = nil
    ) -> RegistrationExpectation {
        RegistrationExpectation(
            challenge: vector.registrationChallenge,
            relyingParty: RelyingParty(id: "localhost", origins: [vector.origin]),
            requireUserVerification: vector.userVerificationRequired, policy: policy, now: now ?? vector.recordedAt
        )
    }

    private func register(_ vector: ChromiumVector) throws -> RegisteredCredential {
        let response = try RegistrationResponse(json: Array(vector.registrationJSON.utf8))
        return try RegistrationVerifier.verify(response, expecting: expectation(vector)).get()
    }

    @Test(arguments: ChromiumVector.all.map(\.name))
    func registrationVerifiesAndReportsWhatItProved(_ name: String) throws {
        let vector = try #require(ChromiumVector.all.first { $0.name == name })
        let credential = try register(vector)
        switch name {
        case "packedES256", "packedRS256", "packedEdDSA":
            #expect(credential.attestation.format == .packed)
            #expect(credential.attestation.type == .basic)
            #expect(credential.attestation.trust == .unanchored)
            let expected: [String: COSEAlgorithm] = [
                "packedES256": .es256, "packedRS256": .rs256, "packedEdDSA": .edDSA,
            ]
            #expect(credential.algorithm == expected[name])
        case "noneES256":
            #expect(credential.attestation.format == .none)
            #expect(credential.attestation.trust == .unattested)
        default:
            #expect(credential.attestation.format == .fidoU2F)
            #expect(credential.aaguid == .zero)
        }
        #expect(credential.userVerified == vector.userVerificationRequired)
    }

    // The browser parsed these options with parseCreationOptionsFromJSON / parseRequestOptionsFromJSON; the
    // builders must produce them byte for byte.
    @Test(arguments: ChromiumVector.all.map(\.name))
    func optionsBuildersProduceWhatTheBrowserParsed(_ name: String) throws {
        let vector = try #require(ChromiumVector.all.first { $0.name == name })
        let relyingParty = RelyingParty(id: "localhost", origins: [vector.origin])
        let registered = try StrictJSON.parse(Array(vector.registrationJSON.utf8))
        let algorithms: [COSEAlgorithm] =
            switch name {
            case "packedES256": [.es256, .rs256, .edDSA]
            case "packedRS256": [.rs256]
            case "packedEdDSA": [.edDSA]
            default: [.es256]
            }
        let creation = CreationOptions(
            relyingParty: relyingParty, relyingPartyName: "TapStation", userHandle: [1, 2, 3, 4],
            userName: "ada@contoso.example", userDisplayName: "Ada", challenge: vector.registrationChallenge,
            algorithms: algorithms, excludeCredentials: [CredentialDescriptor(id: [9, 9], transports: ["usb"])],
            attestation: name == "noneES256" ? .none : .direct,
            userVerification: vector.userVerificationRequired ? "required" : "discouraged"
        )
        #expect(String(decoding: creation.json.serialized, as: UTF8.self) == vector.creationOptionsJSON)
        let credentialID = try #require(registered["rawId"]?.stringValue.flatMap(Base64URL.decode))
        let transports = registered["response"]?["transports"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let request = RequestOptions(
            relyingParty: relyingParty, challenge: vector.assertionChallenge,
            allowCredentials: [CredentialDescriptor(id: credentialID, transports: transports)],
            userVerification: vector.userVerificationRequired ? "required" : "discouraged"
        )
        #expect(String(decoding: request.json.serialized, as: UTF8.self) == vector.requestOptionsJSON)
    }

    @Test(arguments: ChromiumVector.all.map(\.name))
    func theFreshKeyProvesItselfInAnAssertion(_ name: String) throws {
        let vector = try #require(ChromiumVector.all.first { $0.name == name })
        let credential = try register(vector)
        let assertion = try AssertionResponse(json: Array(vector.assertionJSON.utf8))
        let expectation = AssertionExpectation(
            challenge: vector.assertionChallenge, relyingParty: RelyingParty(id: "localhost", origins: [vector.origin]),
            requireUserVerification: vector.userVerificationRequired, allowedCredentialIDs: [credential.id]
        )
        let verified = try AssertionVerifier.verify(
            assertion, credential: StoredCredential(credential), expecting: expectation
        ).get()
        #expect(verified.credentialID == credential.id)
        // Replaying the same assertion against the updated counter is refused (unless the authenticator keeps none).
        var stored = StoredCredential(credential)
        stored.signCount = verified.signCount
        let replay = AssertionVerifier.verify(assertion, credential: stored, expecting: expectation)
        #expect(replay.failureReason == (verified.signCount == 0 ? nil : .signCountRegressed))
    }

    @Test(arguments: ChromiumVector.all.map(\.name))
    func changedContextIsRefused(_ name: String) throws {
        let vector = try #require(ChromiumVector.all.first { $0.name == name })
        let response = try RegistrationResponse(json: Array(vector.registrationJSON.utf8))
        var other = expectation(vector)
        other.challenge[0] ^= 1
        #expect(RegistrationVerifier.verify(response, expecting: other).failureReason == .challengeMismatch)
        other = expectation(vector)
        other.relyingParty.origins = [vector.origin + "/"]
        #expect(RegistrationVerifier.verify(response, expecting: other).failureReason == .originMismatch)
        other = expectation(vector)
        other.relyingParty.id = "127.0.0.1"
        #expect(RegistrationVerifier.verify(response, expecting: other).failureReason == .rpIDMismatch)
        // Not anchored anywhere: refused where the policy insists on an anchor.
        let anchored = expectation(vector, policy: AttestationPolicy(trustMode: .anchored))
        let reason = RegistrationVerifier.verify(response, expecting: anchored).failureReason
        #expect(reason == (name == "noneES256" ? .attestationNotTrusted : .chainUntrusted))
    }

    @Test(arguments: ChromiumVector.all.map(\.name))
    func flippingAnyAuthenticatorDataByteBreaksTheRegistration(_ name: String) throws {
        let vector = try #require(ChromiumVector.all.first { $0.name == name })
        let response = try RegistrationResponse(json: Array(vector.registrationJSON.utf8))
        guard case .map(let object) = try CBORDecoder.decode(response.attestationObject),
            let authData = object[text: "authData"]?.byteString
        else { Issue.record("no authData"); return }
        // The rpIdHash and the credential id are checked in every format; packed also signs the counter and the
        // AAGUID (none signs nothing, fido-u2f signs neither). Flipping any such byte must never be accepted.
        let signedEverywhere = name.hasPrefix("packed") ? Array(33..<53) : []
        for index in Array(0..<32) + signedEverywhere + Array(55..<min(authData.count, 71)) {
            var forged = authData
            forged[index] ^= 0x01
            let entries = object.entries.map { entry in
                entry.key == .text("authData") ? CBORMap.Entry(key: entry.key, value: .bytes(forged)) : entry
            }
            var changed = response
            changed.attestationObject = CBOREncoder.encode(.map(CBORMap(entries: entries)))
            let result = RegistrationVerifier.verify(changed, expecting: expectation(vector))
            #expect(result.failureReason != nil, "byte \(index) of \(name) flipped and still accepted")
        }
    }
}
