import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// Registered keys re-judged when new FIDO metadata changes their model's status: flagged, reported, sent to
/// webhooks, and suspended for sign-ins when the policy says so; cleared when FIDO takes the status back.
@Suite("Registered keys re-judged by new metadata")
struct KeyRejudgingTests {
    @Test func aRevokedModelFlagsItsKeysFiresTheWebhookAndSuspendsThemWhenThePolicySays() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        // Model 5 is certified in the first BLOB.
        try await PasskeyProfileTests.importBLOB(PasskeyProfileTests.blob(no: 1, revoked: "FIDO_CERTIFIED_L2"), fixture)
        let live = LiveMetadata(configuredAnchors: fixture.configuration.webAuthn.attestationPolicy.anchors)
        try await live.refresh(from: fixture.store, logger: .init(label: "test"))
        let hook = try await fixture.store.createWebhook(
            url: "https://soc.contoso.example/hooks", eventTypes: [.keyStatusChanged], description: nil,
            secret: try WebhookSecrets.seal(WebhookTests.secret, keyring: fixture.keyring), site: nil,
            by: try await fixture.adminIdentity()
        ).id
        let relyingParty = try await fixture.token(.relyingParty, site: "default")
        try await fixture.application(metadata: live).test(.router) { client in
            let weak = PasskeyProfileTests.key(model: 5)
            let strong = PasskeyProfileTests.key(model: 2)
            let first = try await PasskeyProfileTests.register(weak, profile: "{}", client, fixture)
            #expect(first.status == .created, "\(first.text)")
            let second = try await PasskeyProfileTests.register(
                strong, profile: "{}", client, fixture, user: "grace@contoso.example")
            #expect(second.status == .created, "\(second.text)")
            let weakID = try first.decode(KeyRegistrationResponse.self).key.id

            // FIDO revokes model 5.
            let changes = try await PasskeyProfileTests.importBLOB(PasskeyProfileTests.blob(no: 2), fixture)
            #expect(changes.map(\.keyID) == [weakID] && changes.first?.flaggedStatus == "REVOKED")
            #expect(try await PasskeyProfileTests.importBLOB(PasskeyProfileTests.blob(no: 3), fixture).isEmpty)

            let flagged = try await client.call(.get, "/v1/keys?flagged=true", fixture.adminToken)
            let items = try flagged.decode(KeyList.self).items
            #expect(items.map(\.id) == [weakID])
            #expect(
                items.first?.flag?.status == "REVOKED" && items.first?.userPrincipalName.value == "ada@contoso.example")

            // The console shows the model and the flag, and can list flagged keys only.
            let helpdesk = try await ConsoleWorkTests.signIn(client, fixture, upn: "lin@contoso.example")
            let page = try await ConsoleWorkTests.get(client, "/console/keys?flagged=1", helpdesk.cookie)
            #expect(page.contains("Test Key 5") && page.contains("FIDO reports this model as REVOKED"))
            #expect(!page.contains("Test Key 2"))
            let user = try await ConsoleWorkTests.get(client, "/console/users/ada@contoso.example", helpdesk.cookie)
            #expect(user.contains("Test Key 5") && user.contains("REVOKED"))

            #expect(try await fixture.store.fillWebhookOutbox(chunk: 500) >= 1)
            let deliveries = try await fixture.store.webhookDeliveries(hook, state: nil, after: nil, limit: 10).items
            #expect(deliveries.map(\.eventType) == [.keyStatusChanged])
            let payload = try WireJSON.decoder().decode(
                WebhookEventWire.self, from: Data(try #require(deliveries.first?.payload).utf8))
            #expect(payload.userPrincipalName.value == "ada@contoso.example")
            #expect(payload.key == KeyEventFacts(id: weakID.rawValue, model: "Test Key 5", flag: "REVOKED"))

            // Not suspended by default: the key still signs in, flagged.
            #expect(try await Self.signIn(weak, client, relyingParty).status == .ok)
            let suspend = try await client.call(
                .patch, "/v1/policy", fixture.adminToken, #"{"defaults": {"passkeys": {"flaggedKeysSuspended": true}}}"#
            )
            #expect(suspend.status == .ok)
            #expect(try await Self.signIn(weak, client, relyingParty).problemCode == "webauthn_key_suspended")
            #expect(try await Self.signIn(strong, client, relyingParty, user: "grace@contoso.example").status == .ok)

            // The service loads the new metadata without a restart: a new key of model 5 is refused.
            try await live.refresh(from: fixture.store, logger: .init(label: "test"))
            let another = try await PasskeyProfileTests.register(
                PasskeyProfileTests.key(model: 5), profile: "{}", client, fixture, user: "alan@contoso.example")
            #expect(another.problemCode == "webauthn_authenticator_status_refused")

            // FIDO takes the status back: the flag is cleared, and the key signs in again.
            let cleared = try await PasskeyProfileTests.importBLOB(
                PasskeyProfileTests.blob(no: 4, revoked: "FIDO_CERTIFIED_L2"), fixture)
            #expect(cleared.map(\.keyID) == [weakID] && cleared.first?.flaggedStatus == nil)
            #expect(try await Self.signIn(weak, client, relyingParty).status == .ok)
            let audit = try await client.call(.get, "/v1/audit?type=key.statusChanged", fixture.adminToken)
            #expect(try audit.decode(AuditList.self).items.count == 2, "\(audit.text)")
        }
    }

    /// A sign-in at one of the organisation's apps with `authenticator`.
    static func signIn(
        _ authenticator: SoftAuthenticator, _ client: some TestClientProtocol, _ token: String,
        user: String = "ada@contoso.example"
    ) async throws -> TestResponse {
        let options = try await FIDO2FlowTests.post(
            client, "/v1/assertions/options", token, #"{"userPrincipalName": "\#(user)"}"#)
        return try await FIDO2FlowTests.post(
            client, "/v1/assertions/verify", token,
            authenticator.assertion(challenge: try FIDO2FlowTests.challenge(options)))
    }
}
