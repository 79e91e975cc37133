import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

@Suite("Responses in the WebAuthn JSON form")
struct ResponseJSONTests {
    private func json(
        id: String? = nil, rawID: String? = nil, clientData: String? = nil, transports: String = "[\"usb\",\"nfc\"]"
    ) -> [UInt8] {
        let scenario = RegistrationScenario()
        let text = """
            {"id":"\(id ?? Base64URL.encode(scenario.credentialID))","rawId":"\(rawID ?? Base64URL.encode(scenario.credentialID))",\
            "type":"public-key","authenticatorAttachment":"cross-platform","clientExtensionResults":{"credProps":{"rk":true}},\
            "response":{"clientDataJSON":"\(clientData ?? Base64URL.encode(scenario.clientDataJSON))",\
            "attestationObject":"\(Base64URL.encode(scenario.attestationObject))","transports":\(transports),\
            "publicKeyAlgorithm":-7}}
            """
        return Array(text.utf8)
    }

    @Test func browserJSONParsesAndVerifies() throws {
        let response = try RegistrationResponse(json: json())
        #expect(response.transports == ["usb", "nfc"])
        let credential = try RegistrationVerifier.verify(response, expecting: RegistrationScenario().expectation())
            .get()
        #expect(credential.transports == ["usb", "nfc"])
    }

    /// Issue 27: clients that pad (TPM platforms among them) are read as the reference verifiers read them;
    /// only correct padding is, and nothing but a credential's JSON takes it.
    @Test func correctlyPaddedBase64URLMeansTheSameBytesAndWrongPaddingIsRefused() throws {
        let scenario = RegistrationScenario()
        let encoded = Base64URL.encode(scenario.credentialID)  // 32 bytes: 43 characters, one "=" pads it
        let clientData = Base64URL.encode(scenario.clientDataJSON)
        let paddedClientData = clientData + String(repeating: "=", count: (4 - clientData.count % 4) % 4)
        let padded = try RegistrationResponse(
            json: json(id: encoded + "=", rawID: encoded + "=", clientData: paddedClientData))
        #expect(padded.rawID == scenario.credentialID)
        #expect(padded.clientDataJSON == scenario.clientDataJSON)
        let credential = try RegistrationVerifier.verify(padded, expecting: scenario.expectation()).get()
        #expect(credential.id == scenario.credentialID)

        for wrong in [encoded + "==", encoded + "===", "AA+/", "A=A", encoded.dropLast(1) + "=" + encoded.suffix(1)] {
            do {
                _ = try RegistrationResponse(json: json(rawID: String(wrong)))
                Issue.record("accepted rawId \(wrong)")
            } catch {
                #expect(error.reason == .invalidBase64URL)
            }
        }
        // An id padded where rawId is not still names the same credential; an id of other bytes does not.
        let mixed = try RegistrationResponse(json: json(id: encoded + "=", rawID: encoded))
        #expect(throws: Never.self) { try RegistrationVerifier.verify(mixed, expecting: scenario.expectation()).get() }
        let other = try RegistrationResponse(json: json(id: "AA==", rawID: encoded))
        #expect(RegistrationVerifier.verify(other, expecting: scenario.expectation()).failureReason == .idRawIDMismatch)
    }

    @Test func paddingIsReadOnlyWhereACredentialMayCarryIt() {
        #expect(Base64URL.decode("AQ==") == nil)
        #expect(Base64URL.decode("AQ==", allowingPadding: true) == [1])
        #expect(Base64URL.decode("AQI=", allowingPadding: true) == [1, 2])
        #expect(Base64URL.decode("AQID", allowingPadding: true) == [1, 2, 3])
        for wrong in ["AQ=", "AQ===", "AQID=", "A===", "=", "AQ=A", "AR==", "AQ==\n"] {
            #expect(Base64URL.decode(wrong, allowingPadding: true) == nil, "\(wrong)")
        }
    }

    @Test func missingMembersOrWrongTypesAreRefused() {
        for text in [
            "{}", "[]", "{\"id\":1}", "{\"id\":\"a\",\"rawId\":\"AA\",\"type\":\"public-key\",\"response\":[]}",
        ] {
            do {
                _ = try RegistrationResponse(json: Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.reason == .malformedResponse)
            }
        }
        #expect(throws: WebAuthnFailure.self) { try RegistrationResponse(json: json(transports: "\"usb\"")) }
    }

    @Test func oversizedBodyIsRefusedBeforeParsing() {
        let big = Array("{\"pad\":\"".utf8) + [UInt8](repeating: 0x41, count: 70_000) + Array("\"}".utf8)
        #expect(throws: WebAuthnFailure(.malformedResponse, "response is too large")) {
            try RegistrationResponse(json: big)
        }
    }

    @Test func assertionJSONParses() throws {
        let scenario = AssertionScenario()
        let response = scenario.response
        let text = """
            {"id":"\(response.id)","rawId":"\(Base64URL.encode(response.rawID))","type":"public-key",\
            "response":{"clientDataJSON":"\(Base64URL.encode(response.clientDataJSON))",\
            "authenticatorData":"\(Base64URL.encode(response.authenticatorData))",\
            "signature":"\(Base64URL.encode(response.signature))","userHandle":null}}
            """
        let parsed = try AssertionResponse(json: Array(text.utf8))
        #expect(parsed.userHandle == nil)
        #expect(
            AssertionVerifier.verify(parsed, credential: scenario.stored, expecting: scenario.expectation).failureReason
                == nil)
    }
}

@Suite("Shipped attestation roots")
struct AttestationRootsTests {
    @Test func everyShippedRootParsesAndMatchesItsRecordedFingerprint() throws {
        let roots = [
            ("appleWebAuthnRootCA", AttestationRoots.appleWebAuthnRootCA),
            ("googleHardwareAttestationRoot2", AttestationRoots.googleHardwareAttestationRoot2),
            ("googleHardwareAttestationRoot3", AttestationRoots.googleHardwareAttestationRoot3),
            ("googleHardwareAttestationRoot4", AttestationRoots.googleHardwareAttestationRoot4),
            ("googleHardwareAttestationRoot5", AttestationRoots.googleHardwareAttestationRoot5),
            ("globalSignRootCA", AttestationRoots.globalSignRootCA),
        ]
        #expect(roots.count == AttestationRoots.fingerprints.count)
        for (name, pem) in roots {
            let certificates = try Certificate.parsePEMBundle(pem)
            #expect(certificates.count == 1)
            #expect(certificates[0].sha256Fingerprint.hexString == AttestationRoots.fingerprints[name])
            #expect(certificates[0].isSelfSigned)
            #expect(try certificates[0].basicConstraints?.isCertificateAuthority == true)
        }
    }

    @Test func wellKnownAnchorsAreScopedToTheirFormats() {
        let anchors = TrustAnchors.wellKnown
        #expect(anchors.byFormat[.apple]?.first?.subjectValues(NameAttribute.commonName) == ["Apple WebAuthn Root CA"])
        #expect(anchors.byFormat[.androidKey]?.count == 4)
        #expect(anchors.byFormat[.androidSafetyNet]?.count == 1)
        #expect(anchors.general.isEmpty)
        #expect(anchors.byFormat[.packed] == nil)
    }

    @Test func adminPEMAnchorsAreAddedAsGeneral() throws {
        let anchors = try TrustAnchors.wellKnown.addingGeneral(pem: AttestationRoots.globalSignRootCA)
        #expect(anchors.general.count == 1)
        #expect(throws: CertificateError.self) { try TrustAnchors.wellKnown.addingGeneral(pem: "nothing") }
    }
}
