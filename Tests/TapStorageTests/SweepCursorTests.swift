import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// After its first sweep a process reads only passes that expired since the sweep before, from an index by
/// expiry, and finds overdue enrollments on a reader; what it settles is the same as walking every session.
@Suite("Sweep by due time")
struct SweepCursorTests {
    @Test func aLaterSweepSettlesEveryPassThatExpiredSinceAcrossBatchesOfTiedExpiries() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        // Seven passes minted in the same second expire in the same millisecond: batches of 3 go on by pass id.
        var expiring: [SessionID] = []
        for index in 0..<7 {
            let issued = try await fixture.deviceSession(
                user: UserPrincipalName("e\(index)@contoso.example")!, serial: "TIED-\(index)")
            expiring.append(issued.session.id)
        }
        // A redeemed session's pass expires too; the sweep steps over it (it is in progress, not active).
        let redeemed = try await fixture.deviceSession(
            user: UserPrincipalName("r@contoso.example")!, serial: "REDEEMED")
        #expect(try await fixture.redeem(redeemed).isAdmitted)
        #expect(try await fixture.store.sweep().sessionsAdvanced == 0)  // the first sweep: nothing due yet
        #expect(fixture.store.sweepCursor.expiriesSettledThrough != nil)

        fixture.clock.advance(minutes: 60)
        #expect(try await fixture.store.sweep(batchSize: 3).sessionsAdvanced == 7)
        for id in expiring { #expect(try await fixture.session(id).storedState == .expired) }
        #expect(try await fixture.session(redeemed.session.id).storedState == .inProgress)
        #expect(try await fixture.store.verifyAudit() == .intact(events: fixture.store.feed.latest))
        #expect(try await fixture.store.sweep().sessionsAdvanced == 0)
    }

    @Test func aPassThatStartsAfterOneSweepAndExpiresAfterAnotherIsSettledAtEachStep() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(start: fixture.clock.now.addingTimeInterval(600))
        #expect(try await fixture.store.sweep().sessionsAdvanced == 0)
        fixture.clock.advance(minutes: 10)
        #expect(try await fixture.store.sweep().sessionsAdvanced == 1)
        #expect(try await fixture.session(issued.session.id).storedState == .active)
        fixture.clock.advance(minutes: 60)
        #expect(try await fixture.store.sweep().sessionsAdvanced == 1)
        #expect(try await fixture.session(issued.session.id).storedState == .expired)
        #expect(try await fixture.auditTypes(issued.session.id).last == "pass.expired")
    }

    @Test func anEnrollmentPastItsDeadlineIsAbandonedByALaterSweep() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        #expect(try await fixture.redeem(issued).isAdmitted)
        #expect(try await fixture.store.sweep().sessionsAdvanced == 0)
        fixture.clock.advance(minutes: 24 * 60)
        #expect(try await fixture.store.sweep().sessionsAdvanced == 1)
        #expect(try await fixture.session(issued.session.id).storedState == .abandoned)
    }

    /// A new process cannot know what expired while none ran: its first sweep walks the active sessions, a batch
    /// at a time on a reader, and settles each whose pass expired, however long ago; a running process's later
    /// sweeps read only what expired after its cursor.
    @Test func aNewProcessWalksTheActiveSessionsOnceAndSettlesWhatExpiredBeforeIt() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let expiresWhileStopped = try await fixture.deviceSession(serial: "WHILE-STOPPED")
        #expect(try await fixture.store.sweep().sessionsAdvanced == 0)
        // A session whose pass ran out before the cursor yet is stored active: only a walk can find it.
        let behind = try await fixture.deviceSession(
            user: UserPrincipalName("behind@contoso.example")!, serial: "BEHIND")
        try fixture.tamper(
            "UPDATE pass SET startsAt = '2000-01-01 00:00:00.000', expiresAt = '2000-01-01 01:00:00.000' WHERE sessionId = '\(behind.session.id)'"
        )
        #expect(try await fixture.store.sweep().sessionsAdvanced == 0)

        fixture.clock.advance(minutes: 61)
        let restarted = try EnrollmentStore(
            path: fixture.databasePath, world: testWorld(clock: fixture.clock), keyring: fixture.keyring)
        guard
            case .created(let live) = try await restarted.createSession(
                NewSession(
                    scenario: .deviceEnrollment, userPrincipalName: UserPrincipalName("live@contoso.example")!,
                    device: DeviceDescription(serialNumber: SerialNumber("LIVE")!, platform: .ipados)),
                by: fixture.admin)
        else {
            Issue.record("the new process could not create a session")
            return
        }
        #expect(try await restarted.sweep(batchSize: 1).sessionsAdvanced == 2)
        #expect(try await restarted.session(expiresWhileStopped.session.id, visibleTo: nil)?.storedState == .expired)
        #expect(try await restarted.session(behind.session.id, visibleTo: nil)?.storedState == .expired)
        #expect(try await restarted.session(live.session.id, visibleTo: nil)?.storedState == .active)
        #expect(restarted.sweepCursor.expiriesSettledThrough == fixture.clock.now)
        #expect(try await restarted.verifyAudit() == .intact(events: restarted.feed.latest))
        #expect(try await restarted.sweep(batchSize: 1).sessionsAdvanced == 0)
    }

    /// Without statistics SQLite's planner walked the state index instead (every active session, each
    /// sweep); the plans must stay on indexes that hold only what can be due, and the first sweep's walk and
    /// its batches on indexes in their own order.
    @Test func laterSweepsReadFromIndexesThatHoldOnlyWhatCanBeDue() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let time = "2026-01-01 00:00:00.000"
        let plans = try await fixture.store.pool().read { db in
            try [
                (EnrollmentStore.startsAndApprovalsDueSQL, [time, time, "100"]),
                (EnrollmentStore.expiriesDueSQL(.sqlite), [time, time, "", "100"]),
                (EnrollmentStore.activeSessionsExpiredSQL(.sqlite), ["", time, "100"]),
                (EnrollmentStore.expiredAmongSQL(2), [time, "a", "b"]),
            ].map { sql, arguments in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(arguments)).map {
                    $0["detail"] as String
                }
            }
        }
        #expect(plans[0].contains { $0.contains("session_approval") })
        #expect(plans[1].first?.contains("USING INDEX pass_live_expiry") == true)
        // A new process's walk reads the active sessions in the state index's order, no sort; its batches by id.
        #expect(plans[2].first?.contains("USING COVERING INDEX session_state") == true)
        #expect(plans[3].contains { $0.contains("pass USING INDEX pass_live (sessionId=?)") })
        #expect(plans.joined().allSatisfy { !$0.hasPrefix("SCAN") && !$0.contains("TEMP B-TREE") })
    }
}
