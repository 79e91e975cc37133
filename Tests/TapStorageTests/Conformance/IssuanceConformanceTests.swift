import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// What a store promises about minting passes: caps hold under concurrency, an idempotent create answers once,
/// and a pass value leaves the store only in the answer that minted it.
@Suite("Store conformance: issuance")
struct IssuanceConformanceTests {
    @Test(arguments: StoreFactory.all)
    func anIssuanceCapAdmitsExactlyTheCapUnderConcurrency(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        _ = try await fixture.store.patchPolicy(
            .object(["defaults": .object(["passesPerOperatorPerHour": 5])]), by: fixture.admin)
        let bench = try await fixture.machine(.bench)
        let created = try await countConcurrent(20) { index in
            do {
                _ = try await fixture.store.createSession(
                    NewSession(
                        scenario: .fido2Registration, userPrincipalName: UserPrincipalName("u\(index)@contoso.example")!
                    ),
                    by: bench, idempotency: nil)
                return true
            } catch EnrollmentError.issuanceCapReached(let cap, let limit) {
                #expect(cap == "passesPerOperatorPerHour" && limit == 5)
                return false
            }
        }
        #expect(created == 5)
        #expect(try await fixture.store.issuanceCounts()[bench.id]?.lastHour == 5)
        fixture.clock.advance(minutes: 61)
        _ = try await fixture.store.createSession(
            NewSession(scenario: .fido2Registration, userPrincipalName: UserPrincipalName("later@contoso.example")!),
            by: bench, idempotency: nil)
    }

    @Test(arguments: StoreFactory.all)
    func aKioskCannotMintForAPrivilegedSubject(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        _ = try await fixture.store.patchPolicy(
            .object(["privilegedSubjects": .array(["*@admins.contoso.example"])]), by: fixture.admin)
        let kiosk = try await fixture.machine(.kiosk)
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.deviceSession(user: UserPrincipalName("root@admins.contoso.example")!, by: kiosk)
        }
        let page = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        #expect(page.items.isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func anIdempotentCreateAnswersTheSameAndRefusesAnotherBody(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let request = NewSession(scenario: .fido2Registration, userPrincipalName: ConformanceFixture.ada)
        let claim = IdempotencyClaim(key: "k-1", requestDigest: [1, 2, 3])
        guard
            case .created(let first) = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: claim)
        else {
            Issue.record("the first create was not new")
            return
        }
        guard
            case .replayed(let again) = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: claim)
        else {
            Issue.record("a retry created a second session")
            return
        }
        #expect(again.id == first.session.id)
        #expect(again.userPrincipalName == first.session.userPrincipalName)
        await #expect(throws: EnrollmentError.idempotencyMismatch) {
            _ = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: IdempotencyClaim(key: "k-1", requestDigest: [9]))
        }
        let page = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        #expect(page.items.map(\.id) == [first.session.id])
    }

    @Test(arguments: StoreFactory.all)
    func concurrentRetriesOfOneIdempotentCreateMakeOneSession(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let request = NewSession(scenario: .fido2Registration, userPrincipalName: ConformanceFixture.ada)
        let claim = IdempotencyClaim(key: "burst", requestDigest: [4, 2])
        let ids = try await withThrowingTaskGroup(of: (SessionID, Bool).self) { group in
            for _ in 0..<12 {
                group.addTask {
                    switch try await fixture.store.createSession(request, by: fixture.admin, idempotency: claim) {
                    case .created(let issued): (issued.session.id, true)
                    case .replayed(let session), .awaitingApproval(let session): (session.id, false)
                    case .createdExternally(let issued): (issued.session.id, true)
                    }
                }
            }
            return try await group.reduce(into: [(SessionID, Bool)]()) { $0.append($1) }
        }
        #expect(Set(ids.map(\.0)).count == 1)
        #expect(ids.filter(\.1).count == 1)
    }

    @Test(arguments: StoreFactory.all)
    func noPassValueComesBackAfterTheAnswerThatMintedIt(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let bench = try await fixture.machine(.bench)
        let claim = IdempotencyClaim(key: "once", requestDigest: [7])
        let request = NewSession(
            scenario: .deviceEnrollment, userPrincipalName: ConformanceFixture.ada,
            device: DeviceDescription(serialNumber: SerialNumber("C02XK1ZZJG5H")!, platform: .ipados),
            pass: PassRequest(maxUses: 2))
        guard case .created(let issued) = try await fixture.store.createSession(request, by: bench, idempotency: claim)
        else { throw ConformanceFailure("expected a new session") }
        let secrets = [issued.pass.normalized, issued.pass.grouped, issued.pass.normalized.lowercased()]

        var answers: [Any] = []
        answers.append(try await fixture.store.createSession(request, by: bench, idempotency: claim))
        answers.append(try await fixture.redeem(issued))
        answers.append(try await fixture.session(issued.session.id))
        answers.append(
            try await fixture.store.sessions(matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        )
        answers.append(try await fixture.store.boardEntries(site: SiteName("bench-1")!, limit: 10))
        answers.append(
            try await fixture.store.auditEvents(
                sessionID: nil, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 1000))
        answers.append(try await fixture.store.auditExport(after: 0, limit: 1000))
        answers.append(try await fixture.store.sessionEvents(after: 0, session: nil, site: nil, limit: 1000))
        answers.append(
            try await fixture.store.devices(
                serialNumber: nil, site: nil, visibleTo: fixture.admin, after: nil, limit: 10))
        answers.append(try await fixture.store.cancelSession(issued.session.id, reason: "done", by: fixture.admin))
        for answer in answers {
            var text = ""
            dump(answer, to: &text)
            for secret in secrets { #expect(!text.contains(secret), "a pass value in \(type(of: answer))") }
        }
    }

    /// A user's locks in force, as each operator may see them: a site's own and every-site ones; none once lapsed.
    @Test(arguments: StoreFactory.all)
    func aUsersIssuanceLocksAreSeenByScopeUntilTheyLapse(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        let ada = ConformanceFixture.ada
        let (siteDesk, _) = try await store.createOperator(
            NewOperator(name: "desk 1", role: .helpdesk, site: SiteName("bench-1")), by: fixture.admin)
        let (otherDesk, _) = try await store.createOperator(
            NewOperator(name: "desk 2", role: .helpdesk, site: SiteName("bench-2")), by: fixture.admin)
        let now = fixture.clock.now
        try await store.lockIssuance(
            for: ada, until: now.addingTimeInterval(600), reason: "lost phone", by: siteDesk.identity)
        try await store.lockIssuance(
            for: ada, until: now.addingTimeInterval(3600), reason: "incident 7", by: fixture.admin)
        let everything = try await store.issuanceLocks(for: ada, visibleTo: fixture.admin)
        #expect(Set(everything.map(\.reason)) == ["lost phone", "incident 7"])
        #expect(everything.first { $0.reason == "lost phone" }?.site == SiteName("bench-1"))
        let seenAtOtherSite = try await store.issuanceLocks(for: ada, visibleTo: otherDesk.identity)
        #expect(seenAtOtherSite.map(\.reason) == ["incident 7"] && seenAtOtherSite.first?.site == nil)
        #expect(
            try await store.issuanceLocks(for: UserPrincipalName("bob@contoso.example")!, visibleTo: fixture.admin)
                .isEmpty)
        fixture.clock.advance(minutes: 11)
        #expect(try await store.issuanceLocks(for: ada, visibleTo: siteDesk.identity).map(\.reason) == ["incident 7"])
    }
}
