import FIDOMetadata
import Foundation
import TapCore
import TapCrypto
import TapHTTP
import TapTestSupport
import Testing

@testable import TapAdmin

/// `tapstation webauthn verify`: one verdict line per input line, in order, from the service's own verifier.
@Suite("webauthn verify")
struct WebAuthnVerifyCommandTests {
    static let challenge = SoftAuthenticator.base64URL(Array(1...32))
    static let now = Date(timeIntervalSince1970: 1_795_687_200)

    static func line(_ response: String, origin: String = "http://localhost:8080", extra: String = "") -> String {
        #"{"rpId": "localhost", "origins": ["\#(origin)"], "challenge": "\#(challenge)", "response": \#(response), "requireUserVerification": true, "allowedAlgorithms": [-7, -257], "trustMode": "signatureOnly", "verifyAt": "2026-11-26T10:00:00Z"\#(extra)}"#
    }

    static func verdict(_ line: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(WebAuthnVerifyTool.judge(line, now: now).utf8))
                as? [String: Any])
    }

    @Test func aGenuineRegistrationIsAcceptedWithItsFacts() throws {
        let authenticator = SoftAuthenticator()
        let output = WebAuthnVerifyTool.judge(
            Self.line(authenticator.registration(challenge: Self.challenge)), now: Self.now)
        #expect(
            output
                == #"{"ok":true,"code":null,"detail":null,"fmt":"none","aaguid":"00000000-0000-0000-0000-000000000000","attestationType":"none"}"#
        )
    }

    @Test func withMetadataAVerdictNamesTheModelAndJudgesItsChainByTheModelsRoots() throws {
        let blob = try MetadataVerifier.verify(
            TestMetadataBLOB.blob(TestMetadataBLOB.payload(entries: (0..<4).map(TestMetadataBLOB.entry))),
            roots: [try Certificate(derEncoded: TestMetadataBLOB.root)], lastNumber: nil, now: Self.now)
        let models = WebAuthnVerifyTool.Models(blob)
        let genuine = SoftAuthenticator()
        genuine.aaguid = TestMetadataBLOB.aaguidBytes(TestMetadataBLOB.aaguid(2))
        genuine.attestation = TestMetadataBLOB.attestation(aaguid: TestMetadataBLOB.aaguid(2))
        let accepted = WebAuthnVerifyTool.judge(
            Self.line(genuine.registration(challenge: Self.challenge)), now: Self.now, models: models)
        #expect(accepted.hasPrefix(#"{"ok":true,"#) && accepted.hasSuffix(#","model":"Test Key 2"}"#), "\(accepted)")
        let impostor = SoftAuthenticator()
        impostor.aaguid = TestMetadataBLOB.aaguidBytes(TestMetadataBLOB.aaguid(2))
        impostor.attestation = TestMetadataBLOB.attestation(
            aaguid: TestMetadataBLOB.aaguid(2), root: (TestPKI.attackerRoot, TestPKI.attackerKey))
        let refused = WebAuthnVerifyTool.judge(
            Self.line(impostor.registration(challenge: Self.challenge)), now: Self.now, models: models)
        #expect(refused.contains("webauthn_model_roots_not_reached") && refused.hasSuffix(#""model":"Test Key 2"}"#))
        // Without metadata the impostor's chain is only unanchored, and no model is named.
        #expect(
            WebAuthnVerifyTool.judge(Self.line(impostor.registration(challenge: Self.challenge)), now: Self.now)
                .contains(#""ok":true"#))
    }

    @Test func refusalsNameTheirCodeAndWhatTheResponseClaims() throws {
        let authenticator = SoftAuthenticator()
        let wrongOrigin = try Self.verdict(
            Self.line(authenticator.registration(challenge: Self.challenge), origin: "https://elsewhere.example"))
        #expect(wrongOrigin["ok"] as? Bool == false)
        #expect(wrongOrigin["code"] as? String == "webauthn_origin_mismatch")
        #expect(wrongOrigin["fmt"] as? String == "none")
        let noUV = try Self.verdict(Self.line(authenticator.registration(challenge: Self.challenge, flags: 0x41)))
        #expect(noUV["code"] as? String == "webauthn_user_verification_missing")
        let anchored = try Self.verdict(
            Self.line(authenticator.registration(challenge: Self.challenge)).replacingOccurrences(
                of: "signatureOnly", with: "anchored"))
        #expect(anchored["code"] as? String == "webauthn_attestation_not_trusted")
    }

    @Test(arguments: [
        "", "not json", "[]", #"{"rpId": "localhost"}"#, #"{"rpId": "localhost", "rpId": "x"}"#,
        line("{}", extra: #", "surprise": 1"#), line("{}", extra: #", "trustAnchors": ["not a pem"]"#),
        line("{}").replacingOccurrences(of: "2026-11-26T10:00:00Z", with: "yesterday"),
    ])
    func unreadableLinesAreMalformedInput(_ line: String) throws {
        let verdict = try Self.verdict(line)
        #expect(verdict["ok"] as? Bool == false)
        #expect(verdict["code"] as? String == "malformed_input")
    }
}

/// The `TAPSTATION_WEBAUTHN_*` settings of `serve`.
@Suite("WebAuthn configuration")
struct WebAuthnConfigurationTests {
    static func configuration(_ environment: [String: String], port: Int = 8443) throws -> TapHTTP.WebAuthnConfiguration
    {
        let settings = try ConfigurationSource.server(
            explicitPath: nil, environment: environment.merging(["TAPSTATION_CONFIG": "/dev/null"]) { a, _ in a })
        return try ServeSettings.webAuthnConfiguration(settings: settings, port: port)
    }

    @Test func defaultsSuitALocalTestServer() throws {
        let local = try Self.configuration([:])
        #expect(local.relyingPartyID == "localhost" && local.origins == ["http://localhost:8443"])
        #expect(local.attestationPolicy.trustMode == .signatureOnly && local.attestationPolicy.conveyance == .direct)
        let organisation = try Self.configuration(["TAPSTATION_WEBAUTHN_RP_ID": "Contoso.Example"])
        #expect(organisation.relyingPartyID == "contoso.example" && organisation.origins == ["https://contoso.example"])
    }

    @Test func everySettingIsRead() throws {
        let directory = temporaryDirectory("anchors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pem = directory.appendingPathComponent("vendor.pem")
        let body = Data(TestPKI.root).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        try "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n".write(
            to: pem, atomically: true, encoding: .utf8)
        let configuration = try Self.configuration([
            "TAPSTATION_WEBAUTHN_RP_ID": "contoso.example", "TAPSTATION_WEBAUTHN_RP_NAME": "Contoso",
            "TAPSTATION_WEBAUTHN_ORIGINS": "https://enroll.contoso.example, https://contoso.example:8443",
            "TAPSTATION_WEBAUTHN_ATTESTATION": "enterprise", "TAPSTATION_WEBAUTHN_TRUST_MODE": "anchored",
            "TAPSTATION_WEBAUTHN_TRUST_ANCHORS": pem.path,
            "TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS": "6d44ba9b-f6ec-4e33-a3b4-62a3c8b1a5f0",
            "TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS": "120",
        ])
        #expect(configuration.relyingPartyName == "Contoso")
        #expect(configuration.origins == ["https://enroll.contoso.example", "https://contoso.example:8443"])
        #expect(
            configuration.attestationPolicy.conveyance == .enterprise
                && configuration.attestationPolicy.trustMode == .anchored)
        #expect(configuration.attestationPolicy.anchors.general.count == 1)
        #expect(configuration.attestationPolicy.allowedAAGUIDs?.count == 1)
        #expect(configuration.challengeLifetime == 120)
    }

    @Test(arguments: [
        ["TAPSTATION_WEBAUTHN_RP_ID": "192.0.2.10"], ["TAPSTATION_WEBAUTHN_RP_ID": "contoso.example/x"],
        ["TAPSTATION_WEBAUTHN_ORIGINS": "https://enroll.contoso.example/"],
        ["TAPSTATION_WEBAUTHN_ORIGINS": "enroll.contoso.example"],
        ["TAPSTATION_WEBAUTHN_ATTESTATION": "always"], ["TAPSTATION_WEBAUTHN_TRUST_MODE": "trusting"],
        ["TAPSTATION_WEBAUTHN_TRUST_ANCHORS": "/nonexistent.pem"],
        ["TAPSTATION_WEBAUTHN_ALLOWED_AAGUIDS": "not-a-uuid"],
        ["TAPSTATION_WEBAUTHN_CHALLENGE_SECONDS": "5"],
    ])
    func badValuesAreConfigurationErrors(_ environment: [String: String]) {
        #expect(throws: ConfigurationError.self) { try Self.configuration(environment) }
    }
}
