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
