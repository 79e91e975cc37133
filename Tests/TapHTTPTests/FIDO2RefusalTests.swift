import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapTestSupport
import Testing

@testable import TapHTTP

// What the registration ceremony refuses: foreign, spent or expired challenges, a credential id registered
// before or too long, and bodies or attestation objects that do not parse.
extension FIDO2FlowTests {
    @Test func challengesAreSingleUseExpiringAndBoundToTheirSession() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        try await fixture.application().test(.router) { client in
            let (_, _, token) = try await Self.start(client, fixture)
            let (_, _, otherToken) = try await Self.start(client, fixture, user: "grace@contoso.example")

            // Unknown challenge.
            let unknown = try await Self.post(
                client, "/v1/enrollment/fido2", token, authenticator.registration(challenge: "AAAAAAAAAAAAAAAAAAAAAA"))
            #expect(unknown.problemCode == "webauthn_challenge_mismatch")

            // Another session's challenge.
            let options = try await Self.post(client, "/v1/enrollment/fido2/options", otherToken)
            let stolen = try await Self.post(
                client, "/v1/enrollment/fido2", token,
                authenticator.registration(challenge: try Self.challenge(options)))
            #expect(stolen.problemCode == "webauthn_challenge_holder_mismatch")

            // A refused answer spends its challenge: the good answer after it is a replay.
            let mine = try await Self.post(client, "/v1/enrollment/fido2/options", token)
            let challenge = try Self.challenge(mine)
            authenticator.origin = "http://localhost:8081"
            let wrongOrigin = try await Self.post(
                client, "/v1/enrollment/fido2", token, authenticator.registration(challenge: challenge))
            #expect(wrongOrigin.problemCode == "webauthn_origin_mismatch")
            authenticator.origin = "http://localhost:8080"
            let replay = try await Self.post(
                client, "/v1/enrollment/fido2", token, authenticator.registration(challenge: challenge))
            #expect(replay.problemCode == "webauthn_challenge_replayed")

            // An expired challenge.
            let late = try await Self.post(client, "/v1/enrollment/fido2/options", token)
            fixture.clock.advance(seconds: 301)
            let expired = try await Self.post(
                client, "/v1/enrollment/fido2", token, authenticator.registration(challenge: try Self.challenge(late)))
            #expect(expired.problemCode == "webauthn_challenge_expired")

            // A registration challenge answered by a sign-in.
            let crossed = try await Self.post(client, "/v1/enrollment/fido2/options", token)
            let wrongCeremony = try await Self.post(
                client, "/v1/enrollment/fido2/assertion", token,
                authenticator.assertion(challenge: try Self.challenge(crossed)))
            #expect(wrongCeremony.problemCode == "webauthn_challenge_purpose_mismatch")

            // None of that stored anything.
            let keys = try await client.execute(
                uri: "/v1/keys", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try keys.decode(KeyList.self).items.isEmpty)
        }
    }

    @Test func aRegisteredCredentialIDAndAnOverlongOneAreRefused() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        try await fixture.application().test(.router) { client in
            let (_, _, first) = try await Self.start(client, fixture)
            let options = try await Self.post(client, "/v1/enrollment/fido2/options", first)
            let registered = try await Self.post(
                client, "/v1/enrollment/fido2", first,
                authenticator.registration(challenge: try Self.challenge(options)))
            #expect(registered.status == .created)

            let (_, _, second) = try await Self.start(client, fixture, user: "grace@contoso.example")
            let again = try await Self.post(client, "/v1/enrollment/fido2/options", second)
            let duplicate = try await Self.post(
                client, "/v1/enrollment/fido2", second, authenticator.registration(challenge: try Self.challenge(again))
            )
            #expect(duplicate.status == .conflict)
            #expect(duplicate.problemCode == "webauthn_credential_already_registered")

            let long = SoftAuthenticator(credentialID: [UInt8](repeating: 7, count: 1024))
            let third = try await Self.post(client, "/v1/enrollment/fido2/options", second)
            let tooLong = try await Self.post(
                client, "/v1/enrollment/fido2", second, long.registration(challenge: try Self.challenge(third)))
            #expect(tooLong.status == .badRequest)
            #expect(tooLong.problemCode == "webauthn_credential_id_too_long")

            // The user's existing key is excluded when the same user registers again.
            let (_, _, ada) = try await Self.start(client, fixture)
            let excluded = try await Self.post(client, "/v1/enrollment/fido2/options", ada)
            let list = try #require(try Self.publicKey(excluded)["excludeCredentials"] as? [[String: Any]])
            #expect(list.map { $0["id"] as? String } == [SoftAuthenticator.base64URL(authenticator.credentialID)])

            let keys = try await client.execute(
                uri: "/v1/keys", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try keys.decode(KeyList.self).items.count == 1)
        }
    }

    /// Issue 27: a client that pads its base64url (TPM platforms do) registers its key as one that does not.
    @Test func aRegistrationWithPaddedBase64URLIsAccepted() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        try await fixture.application().test(.router) { client in
            let (_, _, token) = try await Self.start(client, fixture)
            let options = try await Self.post(client, "/v1/enrollment/fido2/options", token)
            var object = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(authenticator.registration(challenge: try Self.challenge(options)).utf8))
                    as? [String: Any])
            func padded(_ text: String) -> String { text + String(repeating: "=", count: (4 - text.count % 4) % 4) }
            var response = try #require(object["response"] as? [String: Any])
            for name in ["clientDataJSON", "attestationObject"] {
                response[name] = padded(try #require(response[name] as? String))
            }
            object["response"] = response
            object["rawId"] = padded(try #require(object["rawId"] as? String))
            object["id"] = padded(try #require(object["id"] as? String))
            let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            #expect(body.contains("="))
            let answer = try await Self.post(client, "/v1/enrollment/fido2", token, body)
            #expect(answer.status == .created || answer.status == .ok, "\(answer.text)")
        }
    }

    @Test func badBodiesAreRefusedWithTheirOwnCodes() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let (_, _, token) = try await Self.start(client, fixture)
            let cases: [(String, String)] = [
                ("not json", "webauthn_malformed_response"),
                (
                    #"{"id":"AA","rawId":"AA=","type":"public-key","response":{"clientDataJSON":"AA","attestationObject":"AA"}}"#,
                    "webauthn_invalid_base64url"
                ),
                (
                    #"{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"AA","attestationObject":"AA"}}"#,
                    "webauthn_client_data_malformed"
                ),
            ]
            for (body, code) in cases {
                let response = try await Self.post(client, "/v1/enrollment/fido2", token, body)
                #expect(response.status == .badRequest)
                #expect(response.problemCode == code, "\(body)")
            }
            // The options routes take an empty body or an object, nothing else (found by schemathesis).
            for body in ["[null, null]", "1", "\"x\""] {
                let response = try await Self.post(client, "/v1/enrollment/fido2/options", token, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.problemCode == "invalid_request", "\(body)")
            }
            #expect(try await Self.post(client, "/v1/enrollment/fido2/options", token, "").status == .ok)
        }
    }

    @Test func malformedAttestationObjectsAreRefusedWithTheirOwnCodesAndStoreNothing() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        let cases: [(name: String, bytes: [UInt8], code: String)] = [
            ("truncated", [0xA3, 0x63, 0x66, 0x6D], "webauthn_cbor_truncated"),
            ("nesting bomb", [UInt8](repeating: 0x81, count: 64) + [0x00], "webauthn_cbor_nesting_too_deep"),
            (
                "oversized length", [0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
                "webauthn_cbor_length_too_large"
            ),
            ("trailing bytes", [0xA0, 0x00], "webauthn_cbor_trailing_bytes"),
            ("an integer, not a map", [0x18, 0x2A], "webauthn_attestation_object_malformed"),
            (
                "fmt of the wrong type",
                [0xA3, 0x63] + Array("fmt".utf8) + [0x01, 0x67] + Array("attStmt".utf8) + [0xA0, 0x68]
                    + Array("authData".utf8) + [0x41, 0x00], "webauthn_attestation_object_malformed"
            ),
        ]
        try await fixture.application().test(.router) { client in
            let (_, _, token) = try await Self.start(client, fixture)
            for bad in cases {
                let options = try await Self.post(client, "/v1/enrollment/fido2/options", token)
                let genuine = authenticator.registration(challenge: try Self.challenge(options))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(genuine.utf8)) as? [String: Any])
                let response = try #require(object["response"] as? [String: Any])
                let forged = genuine.replacingOccurrences(
                    of: try #require(response["attestationObject"] as? String),
                    with: SoftAuthenticator.base64URL(bad.bytes))
                let answer = try await Self.post(client, "/v1/enrollment/fido2", token, forged)
                #expect(answer.status == .badRequest, "\(bad.name)")
                #expect(answer.problemCode == bad.code, "\(bad.name): \(answer.text)")
            }
            // Base64 padded wrongly, or with characters outside the URL-safe alphabet, is refused before anything else.
            for attestationObject in ["oAA==", "oA=A", "o+A", "o/A", "o A"] {
                let options = try await Self.post(client, "/v1/enrollment/fido2/options", token)
                let genuine = authenticator.registration(challenge: try Self.challenge(options))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(genuine.utf8)) as? [String: Any])
                let response = try #require(object["response"] as? [String: Any])
                let forged = genuine.replacingOccurrences(
                    of: try #require(response["attestationObject"] as? String), with: attestationObject)
                #expect(
                    try await Self.post(client, "/v1/enrollment/fido2", token, forged).problemCode
                        == "webauthn_invalid_base64url")
            }
            let keys = try await client.execute(
                uri: "/v1/keys", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try keys.decode(KeyList.self).items.isEmpty)
        }
    }
}
