import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// The webhooks, keys and service pages over HTTP: a webhook created with its secret shown once, a refused
/// address named beside its field, a test event queued, a dead letter sent again, and the API routes that do
/// the same; a key revoked with a reason; the service's facts. Auditors read without secrets and cannot write.
@Suite("Console webhooks, keys and service pages")
struct ConsoleAdminPagesTests {
    @Test func aWebhookIsCreatedTestedAndADeadLetterSentAgain() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let list = try await ConsoleWorkTests.get(client, "/console/webhooks", admin.cookie)
            #expect(list.contains(#"<input type="checkbox" name="event.session.created" value="1">"#))
            #expect(!list.contains("GRDB"), "each box is HTML, not a query fragment's description")
            let refused = try await ConsoleWorkTests.form(
                client, "/console/webhooks", admin, ["url": "https://127.0.0.1/hook", "description": "siem"])
            let refusedPage = String(buffer: refused.body)
            #expect(refused.status == .unprocessableContent)
            #expect(refusedPage.contains("id=\"hook-url-problem\"") && refusedPage.contains("aria-invalid=\"true\""))
            #expect(refusedPage.contains("value=\"siem\""), "what was typed is kept")
            #expect(try await fixture.store.webhooks(site: nil).isEmpty)

            let created = try await ConsoleWorkTests.form(
                client, "/console/webhooks", admin,
                ["url": "https://192.0.2.10/hooks/s3cr3t-path", "event.session.created": "1", "site": "bench-hel-1"])
            let page = String(buffer: created.body)
            #expect(created.status == .created)
            let secret = try ConsolePeopleTests.shown("webhook-secret", in: page)
            #expect(secret.hasPrefix("whsec_"))
            let hook = try #require(try await fixture.store.webhooks(site: nil).first)
            #expect(hook.eventTypes == [.sessionCreated] && hook.site == SiteName("bench-hel-1"))

            let tested = try await ConsoleWorkTests.form(client, "/console/webhooks/\(hook.id)/test", admin, [:])
            #expect(tested.status == .seeOther && tested.headers[.location] == "/console/webhooks/\(hook.id)?tested=1")
            let due = try await fixture.store.dueWebhookDeliveries(limit: 10, webhook: hook.id)
            let delivery = try #require(due.first?.delivery)
            #expect(delivery.eventType == .webhookTested)

            try await fixture.store.recordWebhookAttempt(
                delivery.id, delivered: false, status: 503, error: "HTTP 503", nextAttemptAt: nil)
            let dead = try await ConsoleWorkTests.get(
                client, "/console/webhooks/\(hook.id)?state=deadLetter", admin.cookie)
            #expect(dead.contains("HTTP 503") && dead.contains("Send again"))
            #expect(dead.contains(#"?state=deadLetter" aria-current="page">deadLetter</a>"#))
            let retried = try await ConsoleWorkTests.form(
                client, "/console/webhooks/\(hook.id)/deliveries/\(delivery.id)/retry", admin, [:])
            #expect(retried.status == .seeOther)
            #expect(try await fixture.store.webhookDeliveryIsPending(delivery.id))
            let again = try await ConsoleWorkTests.form(
                client, "/console/webhooks/\(hook.id)/deliveries/\(delivery.id)/retry", admin, [:])
            #expect(again.status == .conflict, "a pending delivery is not a dead letter")

            // An auditor sees the receiver's host, not the path that may hold its secret, and cannot write.
            let auditor = try await ConsoleWorkTests.signIn(client, fixture, upn: "ida@contoso.example", role: .auditor)
            let seen = try await ConsoleWorkTests.get(client, "/console/webhooks", auditor.cookie)
            #expect(seen.contains("https://192.0.2.10/…") && !seen.contains("s3cr3t-path"))
            let detail = try await ConsoleWorkTests.get(client, "/console/webhooks/\(hook.id)", auditor.cookie)
            #expect(!detail.contains("s3cr3t-path") && !detail.contains("Send a test event"))
            let denied = try await ConsoleWorkTests.form(client, "/console/webhooks/\(hook.id)/delete", auditor, [:])
            #expect(denied.status == .forbidden)

            let disabled = try await ConsoleWorkTests.form(client, "/console/webhooks/\(hook.id)/disable", admin, [:])
            #expect(disabled.status == .seeOther)
            let disabledPage = try await ConsoleWorkTests.get(client, "/console/webhooks/\(hook.id)", admin.cookie)
            #expect(disabledPage.contains("Disabled") && !disabledPage.contains("Send a test event"))
            let testWhileDisabled = try await ConsoleWorkTests.form(
                client, "/console/webhooks/\(hook.id)/test", admin, [:])
            #expect(testWhileDisabled.status == .conflict)
            #expect(
                try await ConsoleWorkTests.form(client, "/console/webhooks/\(hook.id)/enable", admin, [:]).status
                    == .seeOther)
            #expect(try await fixture.store.webhook(hook.id, site: nil)?.disabledAt == nil)

            let deleted = try await ConsoleWorkTests.form(client, "/console/webhooks/\(hook.id)/delete", admin, [:])
            #expect(deleted.status == .seeOther && deleted.headers[.location] == "/console/webhooks")
            #expect(try await fixture.store.webhooks(site: nil).isEmpty)
        }
    }

    @Test func theAPITestsAWebhookAndRetriesADeadLetter() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let hook = try await WebhookTests.hook(fixture, "https://192.0.2.10/hook")
            let headers = HTTPFixture.headers(fixture.adminToken)
            let queued = try await client.execute(uri: "/v1/webhooks/\(hook)/test", method: .post, headers: headers)
            #expect(queued.status == .accepted)
            let body = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: queued.body)) as? [String: String])
            let delivery = try #require(body["deliveryId"].flatMap(WebhookDeliveryID.init))
            let retryURI = "/v1/webhooks/\(hook)/deliveries/\(delivery)/retry"
            #expect(try await client.execute(uri: retryURI, method: .post, headers: headers).status == .conflict)
            try await fixture.store.recordWebhookAttempt(
                delivery, delivered: false, status: nil, error: "connection refused", nextAttemptAt: nil)
            let retried = try await client.execute(uri: retryURI, method: .post, headers: headers)
            #expect(retried.status == .ok && String(buffer: retried.body).contains(#""state":"pending""#))
            let other = try await WebhookTests.hook(fixture, "https://192.0.2.11/hook")
            let elsewhere = try await client.execute(
                uri: "/v1/webhooks/\(other)/deliveries/\(delivery)/retry", method: .post, headers: headers)
            #expect(elsewhere.status == .notFound, "a delivery is retried through its own webhook only")

            func change(_ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/webhooks/\(hook)", method: .patch, headers: headers, body: ByteBuffer(string: body))
            }
            let off = try await change(#"{"enabled": false}"#)
            #expect(off.status == .ok && String(buffer: off.body).contains(#""enabled":false"#))
            #expect(
                try await client.execute(uri: "/v1/webhooks/\(hook)/test", method: .post, headers: headers).status
                    == .conflict)
            #expect(try await change(#"{"enabled": "no"}"#).status == .badRequest)
            #expect(try await change("{}").status == .badRequest)
            let on = try await change(#"{"enabled": true}"#)
            #expect(on.status == .ok && String(buffer: on.body).contains(#""enabled":true"#))
        }
    }

    @Test func aKeyIsRevokedWithAReasonAfterAFreshProof() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let (session, registered) = try await FIDO2FlowTests.registerKey(client, fixture, testSignInRequired: false)
            #expect(registered.status == .ok || registered.status == .created)
            let key = try #require(
                try await fixture.store.securityKeys(
                    user: nil, visibleTo: fixture.adminIdentity(), after: nil, limit: 10
                ).items.first)
            let helpdesk = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let page = try await ConsoleWorkTests.get(client, "/console/keys", helpdesk.cookie)
            #expect(page.contains(key.key.aaguid) && page.contains("/console/sessions/\(session)"))

            let noReason = try await ConsoleWorkTests.form(client, "/console/keys/\(key.id)/revoke", helpdesk, [:])
            #expect(
                noReason.status == .badRequest && String(buffer: noReason.body).contains("Say why the key is revoked"))
            fixture.clock.advance(seconds: 600)
            let stale = try await ConsoleWorkTests.form(
                client, "/console/keys/\(key.id)/revoke", helpdesk, ["reason": "lost on a train"])
            #expect(stale.status == .forbidden)
            #expect(try await fixture.store.securityKey(credentialID: key.key.credentialID) != nil)

            let fresh = try await ConsoleWorkTests.signIn(client, fixture, upn: "lin@contoso.example")
            let revoked = try await ConsoleWorkTests.form(
                client, "/console/keys/\(key.id)/revoke", fresh, ["reason": "lost on a train"])
            #expect(revoked.status == .seeOther && revoked.headers[.location] == "/console/keys?revoked=1")
            #expect(try await fixture.store.securityKey(credentialID: key.key.credentialID) == nil)
            let events = try await fixture.store.searchAudit(
                AuditQuery(type: .keyDeleted), visibleTo: fixture.adminIdentity())
            let event = try #require(events.items.first)
            #expect(event.actor == fresh.id.rawValue && event.data.contains("lost on a train"))
            #expect(event.data.contains(#""channel":"console""#))

            let auditor = try await ConsoleWorkTests.signIn(client, fixture, upn: "ida@contoso.example", role: .auditor)
            let readOnly = try await ConsoleWorkTests.get(client, "/console/keys", auditor.cookie)
            #expect(!readOnly.contains("/revoke\""))
            let badUser = try await client.execute(
                uri: "/console/keys?user=not%20a%20user", method: .get,
                headers: [.cookie: ConsoleWorkTests.cookieHeader(auditor.cookie)])
            #expect(badUser.status == .badRequest)
        }
    }

    @Test func theServicePageShowsHealthAuthorityStorageAndVersionToAdminsAndAuditorsOnly() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let auditor = try await ConsoleWorkTests.signIn(client, fixture, upn: "ida@contoso.example", role: .auditor)
            let page = try await ConsoleWorkTests.get(client, "/console/service", auditor.cookie)
            #expect(
                page.contains("<dt>Readiness</dt><dd>ready</dd>") && page.contains("<dt>Journal mode</dt><dd>wal</dd>"))
            #expect(page.contains("local: TapStation mints the passes") && page.contains("<dt>TapStation</dt>"))
            #expect(page.contains("none recorded"))
            let helpdesk = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let refused = try await client.execute(
                uri: "/console/service", method: .get,
                headers: [.cookie: ConsoleWorkTests.cookieHeader(helpdesk.cookie)])
            #expect(refused.status == .forbidden)
        }
        let postgres = ServiceFacts(backupsElsewhere: "PostgreSQL tools: pg_basebackup")
        try await fixture.application(facts: postgres).test(.router) { client in
            let auditor = try await ConsoleWorkTests.signIn(client, fixture, upn: "ida@contoso.example", role: .auditor)
            let page = try await ConsoleWorkTests.get(client, "/console/service", auditor.cookie)
            #expect(page.contains("<dt>Backups</dt><dd>PostgreSQL tools: pg_basebackup</dd>"))
            #expect(!page.contains("none recorded"))
        }
    }
}
