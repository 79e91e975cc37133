import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// What the console's people and webhook pages rely on: a person's role changes (ending their console
/// sessions) within the rules that keep an admin in charge; each operator's last use is kept, newest wins; a
/// webhook can be sent a test event, and a delivery given up on can be sent again.
@Suite("Store conformance: people and webhook tools")
struct PeopleAndWebhookToolsConformanceTests {
    /// A person who signed in to the console with a passkey.
    static func signedInPerson(
        _ fixture: ConformanceFixture, role: Role, site: SiteName? = nil, upn: String = "grace@contoso.example"
    ) async throws -> ConsoleSignIn {
        let invitation = try await fixture.store.invitePerson(
            NewOperator(name: upn, role: role, site: site, userPrincipalName: UserPrincipalName(upn)),
            codeLifetime: 3600, by: fixture.admin)
        guard
            let signedIn = try await ConsoleConformanceTests.register(
                fixture, invitation, credentialID: Array(upn.utf8.prefix(8)))
        else { throw ConformanceFailure("the invitation did not register") }
        return signedIn
    }

    @Test(arguments: StoreFactory.all)
    func aRoleChangeEndsThePersonsConsoleSessionsAndIsAudited(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let grace = try await Self.signedInPerson(fixture, role: .helpdesk)
        let id = grace.session.operator.identity.id
        let changed = try await fixture.store.changeOperatorRole(
            id, to: .auditor, site: SiteName("bench-1"), by: fixture.admin)
        #expect(changed.identity.role == .auditor && changed.identity.site == SiteName("bench-1"))
        #expect(try await fixture.store.consoleSession(cookie: grace.cookie, idleTimeout: nil) == nil)
        let events = try await fixture.store.searchAudit(
            AuditQuery(type: .operatorRoleChanged), visibleTo: fixture.admin)
        let data = try #require(events.items.first?.data)
        #expect(data.contains(#""previousRole":"helpdesk""#) && data.contains(#""role":"auditor""#))
        #expect(events.items.first?.actor == fixture.admin.id.rawValue)
    }

    @Test(arguments: StoreFactory.all)
    func machinesOneselfMachineRolesAndOtherSitesAreRefused(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let kiosk = try await fixture.machine(.kiosk)
        let grace = try await Self.signedInPerson(fixture, role: .helpdesk).session.operator.identity
        let siteAdmin = try await Self.signedInPerson(
            fixture, role: .admin, site: SiteName("bench-1"), upn: "lin@contoso.example"
        ).session.operator.identity
        let refused: [(OperatorID, Role, SiteName?, OperatorIdentity)] = [
            (kiosk.id, .helpdesk, nil, fixture.admin),  // a machine's role is its token's
            (siteAdmin.id, .helpdesk, nil, siteAdmin),  // oneself
            (grace.id, .kiosk, nil, fixture.admin),  // a machine role for a person
            (grace.id, .auditor, SiteName("bench-1"), siteAdmin),  // a person of no site, for a site admin
            (grace.id, .auditor, nil, siteAdmin),  // a site admin giving a role beyond their site
        ]
        for (target, role, site, actor) in refused {
            await #expect(throws: EnrollmentError.self) {
                _ = try await fixture.store.changeOperatorRole(target, to: role, site: site, by: actor)
            }
        }
        let roleChanges = try await fixture.store.searchAudit(
            AuditQuery(type: .operatorRoleChanged), visibleTo: fixture.admin)
        #expect(roleChanges.items.isEmpty, "refusals change nothing and write nothing")
        #expect(try await fixture.store.operators().first { $0.identity.id == grace.id }?.identity.role == .helpdesk)
    }

    @Test(arguments: StoreFactory.all)
    func theLastAdminAndTheLastGlobalAdminKeepTheirRole(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let global = try await Self.signedInPerson(fixture, role: .admin, upn: "ada.admin@contoso.example")
            .session.operator.identity
        let site = try await Self.signedInPerson(
            fixture, role: .admin, site: SiteName("bench-1"), upn: "lin@contoso.example"
        ).session.operator.identity
        let helper = try await Self.signedInPerson(fixture, role: .helpdesk).session.operator.identity
        _ = try await fixture.store.revokeOperator(fixture.admin.id, by: global)
        // The store does not trust its caller to have checked: even asked by someone else, the only global
        // admin (who alone may change the policy) stays a global admin...
        for (role, newSite) in [(Role.helpdesk, nil), (.admin, SiteName("bench-1"))] as [(Role, SiteName?)] {
            await #expect(throws: EnrollmentError.self) {
                _ = try await fixture.store.changeOperatorRole(global.id, to: role, site: newSite, by: helper)
            }
        }
        // ...and once the site admin is an auditor, the last admin of all stays an admin.
        _ = try await fixture.store.changeOperatorRole(site.id, to: .auditor, site: SiteName("bench-1"), by: global)
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.changeOperatorRole(global.id, to: .auditor, site: nil, by: helper)
        }
        let admins = try await fixture.store.operators().filter { $0.identity.role == .admin && $0.revokedAt == nil }
        #expect(admins.map(\.identity.id) == [global.id])
    }

    @Test(arguments: StoreFactory.all)
    func theNewestUseOfEachOperatorIsKept(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let kiosk = try await fixture.machine(.kiosk)
        let now = fixture.clock.now
        try await fixture.store.recordOperatorUses([
            OperatorUse(operatorID: kiosk.id, at: now, from: "192.0.2.7"),
            OperatorUse(operatorID: fixture.admin.id, at: now, from: "2001:db8::1"),
        ])
        try await fixture.store.recordOperatorUses([
            OperatorUse(operatorID: kiosk.id, at: now.addingTimeInterval(-60), from: "198.51.100.1")
        ])
        try await fixture.store.recordOperatorUses([])
        var uses = try await fixture.store.operatorUses()
        #expect(uses[kiosk.id]?.from == "192.0.2.7", "an older use does not replace a newer one")
        #expect(uses[fixture.admin.id]?.from == "2001:db8::1")
        try await fixture.store.recordOperatorUses([
            OperatorUse(operatorID: kiosk.id, at: now.addingTimeInterval(60), from: "198.51.100.2")
        ])
        uses = try await fixture.store.operatorUses()
        #expect(uses[kiosk.id]?.from == "198.51.100.2")
        #expect(uses[kiosk.id].map { abs($0.at.timeIntervalSince(now) - 60) < 1 } == true)
    }

    static func webhook(_ fixture: ConformanceFixture, site: SiteName? = nil) async throws -> Webhook {
        try await fixture.store.createWebhook(
            url: "https://hooks.example/in", eventTypes: [.sessionCreated], description: "siem",
            secret: SealedSecret(sealed: Array(repeating: 9, count: 60), keyVersion: 1), site: site,
            by: fixture.admin)
    }

    @Test(arguments: StoreFactory.all)
    func aTestEventIsQueuedForOneWebhookOnly(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let target = try await Self.webhook(fixture, site: SiteName("bench-1"))
        let bystander = try await Self.webhook(fixture)
        let delivery = try await fixture.store.queueTestDelivery(to: target.id, site: nil, by: fixture.admin)
        let due = try await fixture.store.dueWebhookDeliveries(limit: 10, webhook: nil)
        #expect(due.map(\.delivery.id) == [delivery])
        let payload = try #require(due.first?.delivery.payload)
        #expect(payload.contains(#""type":"webhook.tested""#) && payload.contains(target.id.rawValue))
        #expect(due.first?.delivery.sessionID == nil)
        #expect(
            try await fixture.store.webhookDeliveries(bystander.id, state: nil, after: nil, limit: 10).items.isEmpty)
        // Another site's admin does not see it, so cannot test it; a deleted webhook is gone.
        await #expect(throws: EnrollmentError.notFound("webhook")) {
            _ = try await fixture.store.queueTestDelivery(to: target.id, site: SiteName("other"), by: fixture.admin)
        }
        try await fixture.store.deleteWebhook(bystander.id, site: nil, by: fixture.admin)
        await #expect(throws: EnrollmentError.notFound("webhook")) {
            _ = try await fixture.store.queueTestDelivery(to: bystander.id, site: nil, by: fixture.admin)
        }
        let tested = try await fixture.store.searchAudit(AuditQuery(type: .webhookTested), visibleTo: fixture.admin)
        #expect(tested.items.count == 1)
    }

    @Test(arguments: StoreFactory.all)
    func onlyADeadLetterIsSentAgain(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let hook = try await Self.webhook(fixture)
        let delivery = try await fixture.store.queueTestDelivery(to: hook.id, site: nil, by: fixture.admin)
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.retryWebhookDelivery(delivery, of: hook.id, site: nil, by: fixture.admin)
        }
        try await fixture.store.recordWebhookAttempt(
            delivery, delivered: false, status: 500, error: "HTTP 500", nextAttemptAt: nil)
        let dead = try await fixture.store.webhookDeliveries(hook.id, state: .deadLetter, after: nil, limit: 10)
        #expect(dead.items.map(\.id) == [delivery])
        let other = try await Self.webhook(fixture)
        await #expect(throws: EnrollmentError.notFound("delivery")) {
            _ = try await fixture.store.retryWebhookDelivery(
                delivery, of: hook.id, site: SiteName("other"), by: fixture.admin)
        }
        await #expect(throws: EnrollmentError.notFound("delivery")) {
            _ = try await fixture.store.retryWebhookDelivery(delivery, of: other.id, site: nil, by: fixture.admin)
        }
        let retried = try await fixture.store.retryWebhookDelivery(delivery, of: hook.id, site: nil, by: fixture.admin)
        #expect(retried.state == .pending && retried.attempts == 0)
        #expect(
            try await fixture.store.dueWebhookDeliveries(limit: 10, webhook: hook.id).map(\.delivery.id) == [delivery])
        #expect(try await fixture.store.webhookDeliveryIsPending(delivery))
        let audit = try await fixture.store.searchAudit(
            AuditQuery(type: .webhookDeliveryRetried), visibleTo: fixture.admin)
        #expect(audit.items.first?.data.contains(delivery.rawValue) == true)
    }

    @Test(arguments: StoreFactory.all)
    func aDisabledWebhookGetsNothingAndItsPendingDeliveriesWaitUntilItIsEnabled(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let hook = try await Self.webhook(fixture)
        let waiting = try await fixture.store.queueTestDelivery(to: hook.id, site: nil, by: fixture.admin)
        let disabled = try await fixture.store.setWebhookEnabled(hook.id, enabled: false, site: nil, by: fixture.admin)
        #expect(disabled.disabledAt != nil)
        #expect(try await fixture.store.dueWebhookDeliveries(limit: 10, webhook: nil).isEmpty, "nothing is sent")
        _ = try await fixture.deviceSession()
        try await fixture.store.fillWebhookOutbox(chunk: 500)
        let kept = try await fixture.store.webhookDeliveries(hook.id, state: nil, after: nil, limit: 10).items
        #expect(kept.map(\.id) == [waiting], "no session event was queued for a disabled webhook")
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.queueTestDelivery(to: hook.id, site: nil, by: fixture.admin)
        }
        // Disabling again changes nothing and writes nothing; another site's admin does not find it.
        _ = try await fixture.store.setWebhookEnabled(hook.id, enabled: false, site: nil, by: fixture.admin)
        await #expect(throws: EnrollmentError.notFound("webhook")) {
            _ = try await fixture.store.setWebhookEnabled(
                hook.id, enabled: true, site: SiteName("other"), by: fixture.admin)
        }
        let enabled = try await fixture.store.setWebhookEnabled(hook.id, enabled: true, site: nil, by: fixture.admin)
        #expect(enabled.disabledAt == nil)
        #expect(try await fixture.store.dueWebhookDeliveries(limit: 10, webhook: nil).map(\.delivery.id) == [waiting])
        let disabledEvents = try await fixture.store.searchAudit(
            AuditQuery(type: .webhookDisabled), visibleTo: fixture.admin)
        let enabledEvents = try await fixture.store.searchAudit(
            AuditQuery(type: .webhookEnabled), visibleTo: fixture.admin)
        #expect(disabledEvents.items.count == 1 && enabledEvents.items.count == 1)
    }
}
