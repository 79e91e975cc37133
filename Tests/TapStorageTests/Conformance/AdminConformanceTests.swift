import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// What the console's admin pages rely on: the policy's version refuses a save based on an older read, and the
/// audit search finds events by type, operator, user and site, newest first, in pages, never beyond the viewer's
/// site.
@Suite("Store conformance: policy versions and audit search")
struct AdminConformanceTests {
    @Test(arguments: StoreFactory.all)
    func aSaveBasedOnAnOlderVersionIsRefusedAndChangesNothing(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        #expect(try await fixture.store.versionedPolicy().version == 0)
        let first = try await fixture.store.patchPolicy(
            .object(["defaults": .object(["defaultMaxUses": .number(2)])]), by: fixture.admin, expectedVersion: 0)
        #expect(first.version == 1 && first.policy.defaults.defaultMaxUses == 2 && first.updatedBy == fixture.admin.id)
        await #expect(throws: EnrollmentError.policyChanged(currentVersion: 1)) {
            try await fixture.store.patchPolicy(
                .object(["defaults": .object(["defaultMaxUses": .number(3)])]), by: fixture.admin, expectedVersion: 0)
        }
        let now = try await fixture.store.versionedPolicy()
        #expect(now.version == 1 && now.policy.defaults.defaultMaxUses == 2)
        // Without a version, a patch applies to whatever is in force (the CLI, scripts that do not read first).
        #expect(try await fixture.store.patchPolicy(.object([:]), by: fixture.admin).version == 2)
        let changes = try await fixture.store.searchAudit(AuditQuery(type: .policyChanged), visibleTo: fixture.admin)
        #expect(changes.items.count == 2)
        #expect(changes.items.first?.data.contains(#""version":2"#) == true, "newest first, with its version")
    }

    @Test(arguments: StoreFactory.all)
    func anInvalidPatchIsRefusedWhateverTheVersion(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        await #expect(throws: EnrollmentError.self) {
            try await fixture.store.patchPolicy(
                .object(["defaults": .object(["maximumLifetimeInMinutes": .number(5)])]), by: fixture.admin,
                expectedVersion: 0)
        }
        #expect(try await fixture.store.versionedPolicy().version == 0)
    }

    @Test(arguments: StoreFactory.all)
    func theAuditSearchFiltersPagesNewestFirstAndKeepsASiteViewerToTheirSite(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let bench = try await fixture.machine(.bench)
        let grace = UserPrincipalName("grace@contoso.example")!
        let atBench = try await fixture.deviceSession(user: grace, serial: "SERIAL-B1", by: bench)
        let elsewhere = try await fixture.deviceSession(serial: "SERIAL-G1")
        let third = try await fixture.deviceSession(user: grace, serial: "SERIAL-G2")

        let ofGrace = try await fixture.store.searchAudit(
            AuditQuery(userPrincipalName: grace), visibleTo: fixture.admin)
        #expect(Set(ofGrace.items.compactMap(\.sessionID)) == [atBench.session.id, third.session.id])
        #expect(ofGrace.items.map(\.sequence) == ofGrace.items.map(\.sequence).sorted(by: >), "newest first")

        let byBench = try await fixture.store.searchAudit(
            AuditQuery(actor: bench.id.rawValue), visibleTo: fixture.admin)
        #expect(!byBench.items.isEmpty && byBench.items.allSatisfy { $0.actor == bench.id.rawValue })

        let created = try await fixture.store.searchAudit(
            AuditQuery(type: .sessionCreated, limit: 2), visibleTo: fixture.admin)
        #expect(created.items.map(\.sessionID) == [third.session.id, elsewhere.session.id])
        let cursor = try #require(created.nextCursor.flatMap { Int64($0) })
        let rest = try await fixture.store.searchAudit(
            AuditQuery(type: .sessionCreated, before: cursor, limit: 2), visibleTo: fixture.admin)
        #expect(rest.items.map(\.sessionID) == [atBench.session.id] && rest.nextCursor == nil)
        let oldest = try await fixture.store.searchAudit(
            AuditQuery(type: .sessionCreated, oldestFirst: true, limit: 2), visibleTo: fixture.admin)
        #expect(oldest.items.map(\.sessionID) == [atBench.session.id, elsewhere.session.id])
        let after = try await fixture.store.searchAudit(
            AuditQuery(type: .sessionCreated, after: oldest.items.last?.sequence, oldestFirst: true),
            visibleTo: fixture.admin)
        #expect(after.items.map(\.sessionID) == [third.session.id])

        // A viewer of site bench-1 asking for another site, or for everything, still gets bench-1's events.
        let siteAuditor = try await fixture.machine(.auditor)
        for query in [AuditQuery(), AuditQuery(site: SiteName("default")), AuditQuery(userPrincipalName: grace)] {
            let seen = try await fixture.store.searchAudit(query, visibleTo: siteAuditor)
            #expect(!seen.items.isEmpty && seen.items.allSatisfy { $0.sessionID == atBench.session.id })
        }
        let none = try await fixture.store.searchAudit(
            AuditQuery(sessionID: elsewhere.session.id), visibleTo: siteAuditor)
        #expect(none.items.isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func theAPIsAuditListKeepsASiteToItsOwnSessionsEventsInChainOrder(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let bench = try await fixture.machine(.bench)
        let atBench = try await fixture.deviceSession(serial: "SERIAL-B1", by: bench)
        let elsewhere = try await fixture.deviceSession(serial: "SERIAL-G1")
        let second = try await fixture.deviceSession(serial: "SERIAL-B2", by: bench)
        let events = try await fixture.store.auditEvents(
            sessionID: nil, site: SiteName("bench-1"), since: nil, until: nil, type: nil, after: nil, limit: 100)
        #expect(Set(events.compactMap(\.sessionID)) == [atBench.session.id, second.session.id])
        #expect(events.map(\.sequence) == events.map(\.sequence).sorted(), "chain order")
        let after = try await fixture.store.auditEvents(
            sessionID: nil, site: SiteName("bench-1"), since: nil, until: nil, type: nil, after: events.first?.sequence,
            limit: 100)
        #expect(after.count == events.count - 1)
        #expect(!events.contains { $0.sessionID == elsewhere.session.id })
    }
}
