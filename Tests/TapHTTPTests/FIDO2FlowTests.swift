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

/// The key registration ceremony over HTTP, with a software authenticator whose answers the real verifier judges.
@Suite("FIDO2 key registration over HTTP")
struct FIDO2FlowTests {
    /// Creates a fido2Registration session for `user` and redeems its pass: the session id, pass and session token.
    static func start(
        _ client: some TestClientProtocol, _ fixture: HTTPFixture, user: String = "ada@contoso.example"
    )
        async throws -> (session: SessionID, pass: String, token: String)
    {
        let created = try await client.execute(
            uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
            body: ByteBuffer(
                string:
                    #"{"scenario": "fido2Registration", "userPrincipalName": "\#(user)", "pass": {"preset": "fido2-key"}}"#
            ))
        #expect(created.status == .created)
        let session = try created.decode(SessionView.self)
        let pass = try #require(session.pass?.temporaryAccessPass)
        let token = try await redeem(client, user: user, pass: pass)
        return (session.id, pass, try #require(token))
    }

    static func redeem(_ client: some TestClientProtocol, user: String, pass: String) async throws -> String? {
        let response = try await client.redeem(pass, user: user)
        return response.status == .ok ? try response.decode(RedeemResponse.self).sessionToken : nil
    }

    /// POSTs `body` with `token` and answers the response.
    static func post(
        _ client: some TestClientProtocol, _ uri: String, _ token: String, _ body: String = "{}"
    ) async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: .post, headers: HTTPFixture.headers(token), body: ByteBuffer(string: body))
    }

    /// Sets whether a test sign-in is required, then starts a session and registers a new software key with it:
    /// the session id and the registration answer.
    static func registerKey(
        _ client: some TestClientProtocol, _ fixture: HTTPFixture, testSignInRequired: Bool
    )
        async throws -> (session: SessionID, registered: TestResponse)
    {
        _ = try await client.execute(
            uri: "/v1/policy", method: .patch, headers: HTTPFixture.headers(fixture.adminToken),
            body: ByteBuffer(string: #"{"defaults": {"keyTestSignInRequired": \#(testSignInRequired)}}"#))
        let (session, _, token) = try await start(client, fixture)
        let options = try await post(client, "/v1/enrollment/fido2/options", token)
        let registered = try await post(
            client, "/v1/enrollment/fido2", token, SoftAuthenticator().registration(challenge: try challenge(options)))
        return (session, registered)
    }

    /// The `publicKey` member of an options answer.
    static func publicKey(_ response: TestResponse) throws -> [String: Any] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        return try #require(object["publicKey"] as? [String: Any])
    }

    static func challenge(_ response: TestResponse) throws -> String {
        try #require(try publicKey(response)["challenge"] as? String)
    }

    @Test func registeringAKeyStoresItCompletesTheSessionAndKillsThePass() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        try await fixture.application().test(.router) { client in
            let (session, pass, token) = try await Self.start(client, fixture)
            let options = try await Self.post(client, "/v1/enrollment/fido2/options", token)
            #expect(options.status == .ok)
            let publicKey = try Self.publicKey(options)
            #expect((publicKey["rp"] as? [String: Any])?["id"] as? String == "localhost")
            #expect(
                (publicKey["authenticatorSelection"] as? [String: Any])?["userVerification"] as? String == "required")
            #expect((publicKey["user"] as? [String: Any])?["name"] as? String == "ada@contoso.example")

            let registered = try await Self.post(
                client, "/v1/enrollment/fido2", token,
                authenticator.registration(challenge: try Self.challenge(options)))
            #expect(registered.status == .created, "\(registered.text)")
            let answer = try registered.decode(KeyRegistrationResponse.self)
            #expect(answer.testSignInRequired == false)
            #expect(answer.session.state == .completed)
            #expect(answer.key.status == .active)
            #expect(answer.key.attestation.format == "none")
            #expect(answer.key.attestation.trust == "unattested")
            #expect(answer.key.credentialId == SoftAuthenticator.base64URL(authenticator.credentialID))
            #expect(answer.key.userVerified && answer.key.algorithm == -7)

            // The pass is dead, and so is the session token.
            #expect(try await Self.redeem(client, user: "ada@contoso.example", pass: pass) == nil)
            #expect(
                try await Self.post(client, "/v1/enrollment/fido2/options", token).problemCode
                    == "invalid_session_token")

            let keys = try await client.execute(
                uri: "/v1/keys", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try keys.decode(KeyList.self).items.map(\.id) == [answer.key.id])
            let audit = try await client.execute(
                uri: "/v1/audit?sessionId=\(session)", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(
                try audit.decode(AuditList.self).items.map(\.type.rawValue) == [
                    "session.created", "pass.issued", "pass.used", "key.registered", "session.completed",
                    "pass.revoked",
                ])
        }
    }

    @Test func aTestSignInProvesTheKeyAndTheOrganisationsAppsCanVerifySignIns() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        let relyingParty = try await fixture.token(.relyingParty, site: "default")
        try await fixture.application().test(.router) { client in
            let patch = try await client.execute(
                uri: "/v1/policy", method: .patch, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(
                    string: #"{"overrides": {"*": {"fido2Registration": {"keyTestSignInRequired": true}}}}"#))
            #expect(patch.status == .ok, "\(patch.text)")
            let (_, pass, token) = try await Self.start(client, fixture)
            let options = try await Self.post(client, "/v1/enrollment/fido2/options", token)
            let registered = try await Self.post(
                client, "/v1/enrollment/fido2", token,
                authenticator.registration(challenge: try Self.challenge(options)))
            let pending = try registered.decode(KeyRegistrationResponse.self)
            #expect(
                pending.testSignInRequired && pending.key.status == .pendingProof
                    && pending.session.state == .inProgress)
            // Not usable by the organisation's apps before it proved itself.
            let early = try await Self.post(
                client, "/v1/assertions/options", relyingParty, #"{"userPrincipalName": "ada@contoso.example"}"#)
            #expect(try (Self.publicKey(early)["allowCredentials"] as? [Any])?.isEmpty == true)

            let proofOptions = try await Self.post(client, "/v1/enrollment/fido2/assertion/options", token)
            #expect(proofOptions.status == .ok)
            let allowed = try #require(try Self.publicKey(proofOptions)["allowCredentials"] as? [[String: Any]])
            #expect(allowed.map { $0["id"] as? String } == [pending.key.credentialId])
            let proof = try await Self.post(
                client, "/v1/enrollment/fido2/assertion", token,
                authenticator.assertion(challenge: try Self.challenge(proofOptions)))
            #expect(proof.status == .ok, "\(proof.text)")
            let proven = try proof.decode(KeyRegistrationResponse.self)
            #expect(proven.key.proven && proven.key.status == .active && proven.session.state == .completed)
            #expect(proven.key.signCount == 1)
            #expect(try await Self.redeem(client, user: "ada@contoso.example", pass: pass) == nil)

            // A sign-in at one of the organisation's apps.
            let signIn = try await Self.post(
                client, "/v1/assertions/options", relyingParty, #"{"userPrincipalName": "ada@contoso.example"}"#)
            let assertion = authenticator.assertion(challenge: try Self.challenge(signIn))
            let verified = try await Self.post(client, "/v1/assertions/verify", relyingParty, assertion)
            #expect(verified.status == .ok, "\(verified.text)")
            let result = try verified.decode(AssertionVerification.self)
            #expect(
                result.userPrincipalName.value == "ada@contoso.example" && result.signCount == 2 && result.userVerified)
            // The same answer again: its challenge is spent.
            #expect(
                try await Self.post(client, "/v1/assertions/verify", relyingParty, assertion).problemCode
                    == "webauthn_challenge_replayed")
            // A fresh challenge answered with a counter that did not rise: a clone.
            let again = try await Self.post(client, "/v1/assertions/options", relyingParty, "{}")
            let stale = authenticator.assertion(challenge: try Self.challenge(again), advanceCounter: false)
            #expect(
                try await Self.post(client, "/v1/assertions/verify", relyingParty, stale).problemCode
                    == "webauthn_sign_count_regressed")
            // Another site's relying party does not see the key.
            let elsewhere = try await fixture.token(.relyingParty, site: "site-2")
            let otherOptions = try await Self.post(client, "/v1/assertions/options", elsewhere, "{}")
            let foreign = authenticator.assertion(challenge: try Self.challenge(otherOptions))
            #expect(
                try await Self.post(client, "/v1/assertions/verify", elsewhere, foreign).problemCode
                    == "webauthn_credential_not_allowed")
        }
    }

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

    @Test func aKeyWhoseSessionEndsUnprovenIsDeletedAndKeysCanBeDeleted() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let (session, registered) = try await Self.registerKey(client, fixture, testSignInRequired: true)
            #expect(try registered.decode(KeyRegistrationResponse.self).key.status == .pendingProof)
            let cancel = try await client.execute(
                uri: "/v1/sessions/\(session)/cancel", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: "{}"))
            #expect(cancel.status == .ok)
            let keys = try await client.execute(
                uri: "/v1/keys", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try keys.decode(KeyList.self).items.isEmpty)

            // Without a test sign-in the key stays, until an operator deletes it.
            let (_, kept) = try await Self.registerKey(client, fixture, testSignInRequired: false)
            let key = try kept.decode(KeyRegistrationResponse.self).key
            let auditor = try await fixture.token(.auditor)
            let refused = try await client.execute(
                uri: "/v1/keys/\(key.id)", method: .delete, headers: HTTPFixture.headers(auditor))
            #expect(refused.status == .forbidden)
            let deleted = try await client.execute(
                uri: "/v1/keys/\(key.id)?reason=lost", method: .delete, headers: HTTPFixture.headers(fixture.adminToken)
            )
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(
                uri: "/v1/keys/\(key.id)", method: .delete, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(gone.status == .notFound)
        }
    }

    @Test func theSweeperDeletesTheKeyOfAnAbandonedSession() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let (session, _) = try await Self.registerKey(client, fixture, testSignInRequired: true)
            fixture.clock.advance(minutes: 24 * 60 + 1)
            let report = try await fixture.store.sweep()
            #expect(report.sessionsAdvanced == 1)
            let read = try await client.execute(
                uri: "/v1/sessions/\(session)", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try read.decode(SessionView.self).state == .abandoned)
            let keys = try await client.execute(
                uri: "/v1/keys", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try keys.decode(KeyList.self).items.isEmpty)
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
                    #"{"id":"AA","rawId":"AA==","type":"public-key","response":{"clientDataJSON":"AA","attestationObject":"AA"}}"#,
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
            // Base64 with padding, or with characters outside the URL-safe alphabet, is refused before anything else.
            for attestationObject in ["oAA=", "o+A", "o/A", "o A"] {
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

    @Test func theEnrollPageIsSelfContainedUnderAStrictPolicy() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let page = try await client.execute(uri: "/enroll", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.hasPrefix("default-src 'none'; script-src 'nonce-"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            let nonce = try #require(policy.split(separator: "'").first { $0.hasPrefix("nonce-") }).dropFirst(6)
            #expect(page.text.contains(#"<script nonce="\#(nonce)">"#))
            #expect(page.text.contains(#"<style nonce="\#(nonce)">"#))
            #expect(!page.text.contains("src=") && !page.text.contains("href="), "no outside assets")
            let again = try await client.execute(uri: "/enroll", method: .get)
            #expect(again.headers[HTTPField.Name("Content-Security-Policy")!] != policy, "a fresh nonce per response")
        }
    }
}
