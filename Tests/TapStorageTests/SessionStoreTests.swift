import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

@Suite("Enrollment store")
struct SessionStoreTests {
    @Test func databaseIsWALWithFullSync() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        #expect(try fixture.store.synchronousLevel() == 2)
        #expect(try await fixture.store.readiness().facts["journalMode"] == "wal")
    }

    @Test func passWithTwoUsesAdmitsExactlyTwo() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(maxUses: 2)
        #expect(try await fixture.redeem(issued).isAdmitted)
        #expect(try await fixture.redeem(issued).isAdmitted)
        #expect(try await !fixture.redeem(issued).isAdmitted)
        let session = try await fixture.session(issued.session.id)
        #expect(session.storedState == .inProgress)
        #expect(session.pass?.uses == 2)
        #expect(session.device?.enrollmentState == .enrolling)
    }

    @Test func concurrentRedeemsNeverOverAdmit() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(maxUses: 3)
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { try await fixture.redeem(issued).isAdmitted } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 3)
    }

    @Test func checkInCompletesRevokesAndEndsTokens() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        let token = try #require(try await fixture.redeem(issued).token)
        #expect(try await fixture.store.sessionForToken(token) != nil)
        await #expect(throws: EnrollmentError.self) {
            try await fixture.store.checkInDevice(
                session: issued.session.id, serialNumber: SerialNumber("OTHER")!, mdmDeviceID: nil)
        }
        let done = try await fixture.store.checkInDevice(
            session: issued.session.id, serialNumber: SerialNumber("c02xk1zzjg5h")!, mdmDeviceID: "mdm-1")
        #expect(done.storedState == .completed)
        #expect(done.device?.enrollmentState == .enrolled)
        #expect(done.pass?.usability(at: fixture.clock.now) == .revoked)
        #expect(try await fixture.store.sessionForToken(token) == nil)
        #expect(try await !fixture.redeem(issued).isAdmitted)
        #expect(
            try await fixture.auditTypes(issued.session.id) == [
                "session.created", "pass.issued", "pass.used", "device.enrolled", "session.completed", "pass.revoked",
            ])
    }

    @Test func wrongPassesLockTheUsersOpenPassesAndReissueRecovers() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        let wrong = PassCode.parse("22222222222222")!
        for _ in 0..<9 { #expect(try await !fixture.redeem(wrong).isAdmitted) }
        #expect(try await fixture.session(issued.session.id).storedState == .active)
        #expect(try await !fixture.redeem(wrong).isAdmitted)  // the tenth: the standard policy's limit reached
        let locked = try await fixture.session(issued.session.id)
        #expect(locked.storedState == .lockedOut)
        #expect(locked.pass?.usability(at: fixture.clock.now) == .lockedOut)
        #expect(try await !fixture.redeem(issued).isAdmitted, "the right pass no longer works once locked")

        let reissued = try await fixture.store.reissuePass(issued.session.id, request: PassRequest(), by: fixture.admin)
        #expect(reissued.session.storedState == .active)
        #expect(reissued.pass != issued.pass)
        #expect(try await fixture.redeem(reissued).isAdmitted)
    }

    @Test func expiredPassIsRefusedAtUseEvenBeforeTheSweeper() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        fixture.clock.advance(minutes: 60)
        #expect(try await !fixture.redeem(issued).isAdmitted)
        let session = try await fixture.session(issued.session.id)
        #expect(session.storedState == .active)
        #expect(session.effectiveState(at: fixture.clock.now) == .expired)
        let report = try await fixture.store.sweep()
        #expect(report.sessionsAdvanced == 1)
        #expect(report.refusalsReported == 1)
        #expect(try await fixture.session(issued.session.id).storedState == .expired)
        #expect(try await fixture.auditTypes(issued.session.id).last == "pass.expired")
    }

    @Test func aSweepOverSeveralBatchesLeavesTheAuditChainWholeAndTheFeedAtItsHead() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        for index in 0..<7 { _ = try await fixture.deviceSession(serial: "SWEPT-\(index)") }
        fixture.clock.advance(minutes: 60)
        // Batches of 3: the head row is written once per batch, after events chained from the last row.
        let report = try await fixture.store.sweep(batchSize: 3)
        #expect(report.sessionsAdvanced == 7)
        let head = try await fixture.store.pool().read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM auditHead") ?? -1
        }
        #expect(try await fixture.store.verifyAudit() == .intact(events: head))
        #expect(fixture.store.feed.latest == head)
    }

    @Test func futureStartIsPendingUntilItsTime() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(start: fixture.clock.now.addingTimeInterval(600))
        #expect(issued.session.storedState == .pending)
        #expect(try await !fixture.redeem(issued).isAdmitted)
        fixture.clock.advance(minutes: 10)
        #expect(try await fixture.redeem(issued).isAdmitted)
    }

    @Test func theSweepStartsAPendingSessionAndLeavesItsPassAsItWas() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(start: fixture.clock.now.addingTimeInterval(600))
        let passBefore = try await fixture.store.pool().read { db in try Row.fetchOne(db, sql: "SELECT * FROM pass") }
        fixture.clock.advance(minutes: 10)
        #expect(try await fixture.store.sweep().sessionsAdvanced == 1)
        #expect(try await fixture.session(issued.session.id).storedState == .active)
        // The pass read beside its session is the stored one: nothing of it was written back.
        let passAfter = try await fixture.store.pool().read { db in try Row.fetchOne(db, sql: "SELECT * FROM pass") }
        #expect(passAfter == passBefore)
        #expect(try await fixture.redeem(issued).isAdmitted)
    }

    @Test func deadlineAbandonsAnEnrollmentThatNeverFinished() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        let token = try #require(try await fixture.redeem(issued).token)
        fixture.clock.advance(minutes: 24 * 60)
        #expect(try await fixture.store.sessionForToken(token) == nil)
        _ = try await fixture.store.sweep()
        let session = try await fixture.session(issued.session.id)
        #expect(session.storedState == .abandoned)
        #expect(session.device?.enrollmentState == .failed)
        #expect(try await fixture.auditTypes(issued.session.id).suffix(2) == ["session.abandoned", "pass.revoked"])
    }

    @Test func cancelRevokesThePassAndIllegalActionsAreRefused() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        let cancelled = try await fixture.store.cancelSession(
            issued.session.id, reason: "wrong user", by: fixture.admin)
        #expect(cancelled.storedState == .cancelled)
        #expect(try await !fixture.redeem(issued).isAdmitted)
        await #expect(throws: EnrollmentError.invalidStateTransition(from: .cancelled, action: "reissue")) {
            _ = try await fixture.store.reissuePass(issued.session.id, request: PassRequest(), by: fixture.admin)
        }
        await #expect(throws: EnrollmentError.invalidStateTransition(from: .cancelled, action: "complete")) {
            _ = try await fixture.store.completeSession(issued.session.id, by: fixture.admin)
        }
    }

    @Test func sameDeviceTwiceIsOneRecordAndTwoSessions() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let first = try await fixture.deviceSession()
        await #expect(throws: EnrollmentError.self) { _ = try await fixture.deviceSession() }
        _ = try await fixture.store.completeSession(first.session.id, by: fixture.admin)
        let second = try await fixture.deviceSession(serial: "c02xk1zzjg5h")
        #expect(second.session.device?.id == first.session.device?.id)
        #expect(second.session.id != first.session.id)
    }

    @Test func siteScopeHidesOtherSitesAndRefusesForeignSites() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let kiosk1 = try await fixture.operatorIdentity(.kiosk, site: "site-1")
        let kiosk2 = try await fixture.operatorIdentity(.kiosk, site: "site-2")
        let issued = try await fixture.deviceSession(by: kiosk1)
        #expect(issued.session.site.value == "site-1")
        #expect(try await fixture.store.session(issued.session.id, visibleTo: kiosk2) == nil)
        await #expect(throws: EnrollmentError.notFound("session")) {
            _ = try await fixture.store.cancelSession(issued.session.id, reason: nil, by: kiosk2)
        }
        let foreign = NewSession(
            scenario: .fido2Registration, userPrincipalName: StoreFixture.ada, site: SiteName("site-2"))
        await #expect(throws: EnrollmentError.self) { _ = try await fixture.store.createSession(foreign, by: kiosk1) }
    }

    @Test func kioskCannotIssueForPrivilegedUsers() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        _ = try await fixture.store.patchPolicy(
            .object(["privilegedSubjects": .array(["admin@contoso.example"])]), by: fixture.admin)
        let kiosk = try await fixture.operatorIdentity(.kiosk)
        let request = NewSession(
            scenario: .fido2Registration, userPrincipalName: UserPrincipalName("ADMIN@contoso.example")!)
        await #expect(throws: EnrollmentError.self) { _ = try await fixture.store.createSession(request, by: kiosk) }
        // An admin may ask; privileged users always need a second operator's approval (trusted issuance).
        guard case .awaitingApproval = try await fixture.store.createSession(request, by: fixture.admin) else {
            Issue.record("admin could not ask for a privileged user's pass")
            return
        }
    }

    /// The store keeps the last policy it decoded; a change made through another connection to the same file
    /// (the CLI, in another process) must still be the one the next write obeys.
    @Test func aPolicyChangedByAnotherProcessIsObeyedAtTheNextWrite() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        // A stored policy that this store has decoded and cached.
        _ = try await fixture.store.patchPolicy(
            .object(["privilegedSubjects": .array(["root@contoso.example"])]), by: fixture.admin)
        let request = NewSession(
            scenario: .fido2Registration, userPrincipalName: UserPrincipalName("admin@contoso.example")!)
        guard case .created = try await fixture.store.createSession(request, by: fixture.admin) else {
            Issue.record("the first create needed approval before any policy change")
            return
        }
        let other = try EnrollmentStore(
            path: fixture.databasePath, world: testWorld(clock: fixture.clock), keyring: fixture.keyring)
        _ = try await other.patchPolicy(
            .object(["privilegedSubjects": .array(["admin@contoso.example"])]), by: fixture.admin)
        guard case .awaitingApproval = try await fixture.store.createSession(request, by: fixture.admin) else {
            Issue.record("the store kept the policy it had decoded before the other connection changed it")
            return
        }
    }

    @Test func aTokenCannotReissueOutsideItsAllowedSubjects() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let kiosk = try await fixture.operatorIdentity(.kiosk, site: "bench-1", allowed: ["*@fabrikam.example"])
        let foreign = try await fixture.deviceSession(by: try await fixture.operatorIdentity(.kiosk, site: "bench-1"))
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.reissuePass(foreign.session.id, request: PassRequest(), by: kiosk)
        }
    }

    @Test func idempotentCreateReplaysWithoutThePassAndRefusesAnotherBody() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let request = NewSession(scenario: .fido2Registration, userPrincipalName: StoreFixture.ada)
        let claim = IdempotencyClaim(key: "k-1", requestDigest: [1, 2, 3])
        guard
            case .created(let first) = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: claim)
        else {
            Issue.record("first create was not new")
            return
        }
        guard
            case .replayed(let again) = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: claim)
        else {
            Issue.record("retry created a second session")
            return
        }
        #expect(again.id == first.session.id)
        await #expect(throws: EnrollmentError.idempotencyMismatch) {
            _ = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: IdempotencyClaim(key: "k-1", requestDigest: [9]))
        }
        let page = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        #expect(page.items.count == 1)
    }

    /// After a long stop a day's keys fall due at once; the sweep deletes them in bounded transactions, all of
    /// them, and keeps every key younger than a day.
    @Test func theSweepForgetsKeysADayOldInBatchesAndKeepsYoungerOnes() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let request = NewSession(scenario: .fido2Registration, userPrincipalName: StoreFixture.ada)
        guard
            case .created(let kept) = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: IdempotencyClaim(key: "young", requestDigest: [1]))
        else {
            Issue.record("create was not new")
            return
        }
        let old = EnrollmentStore.purgeBatchSize * 2 + 7
        try fixture.tamper(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(old))
            INSERT INTO idempotencyKey (operatorId, key, requestDigest, sessionId, createdAt)
            SELECT operatorId, 'old-' || i, requestDigest, sessionId, '2000-01-01 00:00:00.000' FROM idempotencyKey, n
            """)
        let report = try await fixture.store.sweep()
        #expect(report.idempotencyKeysPurged == old)
        guard
            case .replayed(let again) = try await fixture.store.createSession(
                request, by: fixture.admin, idempotency: IdempotencyClaim(key: "young", requestDigest: [1]))
        else {
            Issue.record("the key younger than a day was forgotten")
            return
        }
        #expect(again.id == kept.session.id)
        #expect(try await fixture.store.sweep().idempotencyKeysPurged == 0)
    }

    @Test func listFiltersByEffectiveStateAndPagesWithCursors() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        var ids: [SessionID] = []
        for index in 0..<5 {
            ids.append(try await fixture.deviceSession(serial: "SERIAL-\(index)").session.id)
            fixture.clock.advance(seconds: 1)
        }
        fixture.clock.advance(seconds: 3596)  // now = first creation + 3601 s: the first two are past their hour
        let expired = try await fixture.store.sessions(
            matching: SessionFilter(state: .expired), visibleTo: fixture.admin, after: nil, limit: 50)
        #expect(Set(expired.items.map(\.id)) == Set(ids.prefix(2)))
        var seen: [SessionID] = []
        var cursor: SessionID?
        repeat {
            let page = try await fixture.store.sessions(
                matching: SessionFilter(), visibleTo: fixture.admin, after: cursor, limit: 2)
            seen += page.items.map(\.id)
            cursor = page.nextCursor.flatMap(SessionID.init)
        } while cursor != nil
        #expect(seen == ids.reversed())
        let bySerial = try await fixture.store.sessions(
            matching: SessionFilter(serialNumber: SerialNumber("serial-3")), visibleTo: fixture.admin, after: nil,
            limit: 50)
        #expect(bySerial.items.map(\.id) == [ids[3]])
    }

    @Test func everyStateFilterPagesExactlyTheSessionsInThatStateNow() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let clock = fixture.clock
        // Sessions whose stored state and effective state differ in every way the filter has to cover:
        // active, active past its pass (expired), pending not yet started, pending started (active),
        // in progress, in progress past its deadline (abandoned), and cancelled.
        var ids: [SessionID] = []
        for index in 0..<4 { ids.append(try await fixture.deviceSession(serial: "EARLY-\(index)").session.id) }
        for index in 0..<2 {
            ids.append(
                try await fixture.deviceSession(serial: "LATER-\(index)", start: clock.now.addingTimeInterval(1800))
                    .session.id)
        }
        let redeemed = try await fixture.deviceSession(serial: "REDEEMED-0")
        #expect(try await fixture.redeem(redeemed).isAdmitted)
        ids.append(redeemed.session.id)
        clock.advance(seconds: 2000)  // the pending ones have started
        for index in 0..<3 { ids.append(try await fixture.deviceSession(serial: "FRESH-\(index)").session.id) }
        let cancelled = try await fixture.deviceSession(serial: "CANCELLED-0")
        _ = try await fixture.store.cancelSession(cancelled.session.id, reason: "test", by: fixture.admin)
        ids.append(cancelled.session.id)
        clock.advance(seconds: 1700)  // the first four are past their hour
        var all: [Session] = []
        for id in ids { all.append(try await fixture.session(id)) }
        let now = clock.now
        let states = Set(all.map { $0.effectiveState(at: now) })
        #expect(states.count >= 4)
        for state in SessionState.allCases {
            var seen: [SessionID] = []
            var cursor: SessionID?
            repeat {
                let page = try await fixture.store.sessions(
                    matching: SessionFilter(state: state), visibleTo: fixture.admin, after: cursor, limit: 2)
                seen += page.items.map(\.id)
                cursor = page.nextCursor.flatMap(SessionID.init)
            } while cursor != nil
            let expected = all.filter { $0.effectiveState(at: now) == state }.map(\.id).sorted {
                $0.rawValue > $1.rawValue
            }
            #expect(seen == expected, "\(state)")
        }
    }

    @Test func storageNeverHoldsAPassOrTokenValue() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let (_, operatorToken) = try await fixture.store.createOperator(
            NewOperator(name: "k", role: .kiosk, site: SiteName("s")), by: fixture.admin)
        let issued = try await fixture.deviceSession()
        let sessionToken = try #require(try await fixture.redeem(issued).token)
        for secret in [issued.pass.normalized, issued.pass.grouped, operatorToken.value, sessionToken.value] {
            #expect(!fileContains(fixture.databasePath, secret), "found a secret in the database file")
        }
    }
}
