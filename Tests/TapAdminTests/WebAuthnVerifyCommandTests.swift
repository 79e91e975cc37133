import Foundation
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
        try #require(try JSONSerialization.jsonObject(with: Data(WebAuthnVerifyTool.judge(line, now: now).utf8)) as? [String: Any])
    }

    @Test func aGenuineRegistrationIsAcceptedWithItsFacts() throws {
        let authenticator = SoftAuthenticator()
        let output = WebAuthnVerifyTool.judge(Self.line(authenticator.registration(challenge: Self.challenge)), now: Self.now)
        #expect(output == #"{"ok":true,"code":null,"detail":null,"fmt":"none","aaguid":"00000000-0000-0000-0000-000000000000","attestationType":"none"}"#)
    }

    @Test func refusalsNameTheirCodeAndWhatTheResponseClaims() throws {
        let authenticator = SoftAuthenticator()
        let wrongOrigin = try Self.verdict(Self.line(authenticator.registration(challenge: Self.challenge), origin: "https://elsewhere.example"))
        #expect(wrongOrigin["ok"] as? Bool == false)
        #expect(wrongOrigin["code"] as? String == "webauthn_origin_mismatch")
        #expect(wrongOrigin["fmt"] as? String == "none")
        let noUV = try Self.verdict(Self.line(authenticator.registration(challenge: Self.challenge, flags: 0x41)))
        #expect(noUV["code"] as? String == "webauthn_user_verification_missing")
        let anchored = try Self.verdict(Self.line(authenticator.registration(challenge: Self.challenge)).replacingOccurrences(of: "signatureOnly", with: "anchored"))
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
