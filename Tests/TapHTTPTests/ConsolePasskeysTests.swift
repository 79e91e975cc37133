import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// A person's passkeys over HTTP: invited through the API, a second passkey added after a fresh proof and the
/// first removed (never the last), and an admin's reset that ends the person's sessions and lets only a new
/// passkey in.
@Suite("Console passkeys and invitations over HTTP")
struct ConsolePasskeysTests {
    static func signInWithPasskey(
        _ client: some TestClientProtocol, _ key: SoftAuthenticator, person: OperatorID
    ) async throws -> TestResponse {
        let options = try await ConsoleSignInTests.post(client, "/console/sign-in/options", "{}")
        let challenge = try #require(try FIDO2FlowTests.publicKey(options)["challenge"] as? String)
        let assertion = key.assertion(challenge: challenge, userHandle: Array(person.rawValue.utf8))
        return try await ConsoleSignInTests.post(client, "/console/sign-in", assertion)
    }

    @Test func anAdminInvitesThroughTheAPIAndResetsALostPasskey() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let machine = try await client.call(
                .post, "/v1/operators/invitations", fixture.adminToken,
                #"{"name": "Kiosk", "role": "kiosk", "userPrincipalName": "k@contoso.example"}"#)
            #expect(machine.status == .badRequest)
            let invited = try await client.call(
                .post, "/v1/operators/invitations", fixture.adminToken,
                #"{"name": "Grace Hopper", "role": "helpdesk", "userPrincipalName": "grace@contoso.example"}"#)
            #expect(invited.status == .created)
            let invitation = try invited.decode(InvitationView.self)
            #expect(invitation.operator.role == .helpdesk && invitation.invitationCode.count == 14)
            let key = SoftAuthenticator()
            let registered = try await ConsoleWorkTests.registerPasskey(
                client, code: invitation.invitationCode, key: key)
            #expect(registered.status == .ok)
            let cookie = try ConsoleSignInTests.cookie(registered)

            let reset = try await client.call(
                .post, "/v1/operators/\(invitation.operator.id)/passkeys/reset", fixture.adminToken)
            #expect(reset.status == .ok)
            let renewed = try reset.decode(InvitationView.self)
            #expect(renewed.invitationCode != invitation.invitationCode)
            // Her browser is signed out, the lost passkey signs nobody in, and the new code registers a new one.
            let home = try await client.execute(
                uri: "/console", method: .get, headers: [.cookie: ConsoleWorkTests.cookieHeader(cookie)])
            #expect(home.status == .seeOther)
            let lost = try await Self.signInWithPasskey(client, key, person: invitation.operator.id)
            #expect(lost.status != .ok)
            let replacement = SoftAuthenticator()
            let again = try await ConsoleWorkTests.registerPasskey(
                client, code: renewed.invitationCode, key: replacement)
            #expect(again.status == .ok)
            let passkeys = try await fixture.store.operatorPasskeys(of: invitation.operator.id)
            #expect(passkeys.count == 1)
        }
    }

    @Test func aPersonAddsASecondPasskeyAfterAFreshProofAndRemovesTheFirst() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let page = try await ConsoleWorkTests.get(client, "/console/passkeys", grace.cookie)
            #expect(page.contains("Your only passkey") && !page.contains("/remove"))

            // Just signed in, her proof is fresh: the registration page opens with a code made for her.
            let adding = try await ConsoleWorkTests.form(client, "/console/passkeys/add", grace, [:])
            #expect(adding.status == .ok)
            let form = String(buffer: adding.body)
            let start = try #require(form.firstRange(of: #" value=""#))
            let code = String(form[start.upperBound...].prefix { $0 != "\"" })
            #expect(code.count == 14)
            #expect(adding.headers[.cacheControl] == "no-store")
            let second = SoftAuthenticator()
            #expect(try await ConsoleWorkTests.registerPasskey(client, code: code, key: second).status == .ok)
            let passkeys = try await fixture.store.operatorPasskeys(of: grace.id)
            #expect(passkeys.count == 2)

            let removed = try await ConsoleWorkTests.form(
                client, "/console/passkeys/\(passkeys[0].id)/remove", grace, [:])
            #expect(removed.status == .seeOther)
            #expect(try await fixture.store.operatorPasskeys(of: grace.id).map(\.id) == [passkeys[1].id])
            #expect(try await Self.signInWithPasskey(client, grace.key, person: grace.id).status != .ok)
            #expect(try await Self.signInWithPasskey(client, second, person: grace.id).status == .ok)
            let last = try await ConsoleWorkTests.form(
                client, "/console/passkeys/\(passkeys[1].id)/remove", grace, [:])
            #expect(last.status == .conflict && String(buffer: last.body).contains("your only passkey"))

            // Minutes later her proof is stale: adding asks for a passkey touch first.
            fixture.clock.advance(minutes: 10)
            let stale = try await ConsoleWorkTests.form(client, "/console/passkeys/add", grace, [:])
            #expect(stale.status == .forbidden && String(buffer: stale.body).contains("Confirm it is you"))
        }
    }
}
