import Foundation
import NIOConcurrencyHelpers
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

@Suite("Audit chain")
struct AuditChainTests {
    /// A store with a completed enrollment: a dozen chained events.
    private func populated() async throws -> StoreFixture {
        let fixture = try await StoreFixture()
        let issued = try await fixture.deviceSession()
        _ = try await fixture.redeem(issued)
        _ = try await fixture.store.checkInDevice(
            session: issued.session.id, serialNumber: SerialNumber("C02XK1ZZJG5H")!, mdmDeviceID: nil)
        return fixture
    }

    @Test func anUntouchedChainVerifies() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        #expect(try await fixture.store.verifyAudit() == .intact(events: 7))
    }

    @Test func theApplicationCannotUpdateOrDeleteEvents() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        #expect(throws: (any Error).self) { try fixture.tamper("UPDATE auditEvent SET actor = 'x' WHERE seq = 3") }
        #expect(throws: (any Error).self) { try fixture.tamper("DELETE FROM auditEvent WHERE seq = 3") }
    }

    @Test func anEditedEventIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_update")
        try fixture.tamper("UPDATE auditEvent SET actor = 'someone-else' WHERE seq = 4")
        guard case .broken(let sequence, _) = try await fixture.store.verifyAudit() else {
            Issue.record("edit not detected")
            return
        }
        #expect(sequence == 4)
    }

    @Test func aDeletedEventIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq = 3")
        #expect(try await fixture.store.verifyAudit() == .broken(sequence: 3, reason: "event 3 is missing (next is 4)"))
    }

    @Test func aDeletedFirstEventIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq = 1")
        guard case .broken(1, _) = try await fixture.store.verifyAudit() else {
            Issue.record("deleting the first event was not detected")
            return
        }
    }

    @Test func aCutOffTailIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq >= 6")
        guard case .broken(_, let reason) = try await fixture.store.verifyAudit() else {
            Issue.record("truncation not detected")
            return
        }
        #expect(reason.contains("cut off"))
    }

    @Test func aRewoundHeadIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        // Cut the tail and point the head at the new last event, without the key to MAC the head.
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq >= 6")
        try fixture.tamper("UPDATE auditHead SET seq = 5, mac = (SELECT mac FROM auditEvent WHERE seq = 5)")
        guard case .broken(_, let reason) = try await fixture.store.verifyAudit() else {
            Issue.record("a rewound head was accepted")
            return
        }
        #expect(reason.contains("head was altered"))
    }

    @Test func eventsNeverHoldThePassOrTokens() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        let token = try #require(try await fixture.redeem(issued).token)
        let events = try await fixture.store.auditEvents(limit: 100)
        for event in events {
            #expect(!event.data.contains(issued.pass.normalized))
            #expect(!event.data.contains(issued.pass.grouped))
            #expect(!event.data.contains(token.value))
        }
    }

    /// Deleting every event and the head row left a chain that verified as "intact: 0 events".
    @Test func aWipedChainIsDetectedWithAndWithoutItsAnchor() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        let anchor = try #require(try await fixture.store.currentAuditAnchor())
        #expect(anchor.sequence == 7)
        #expect(try await fixture.store.verifyAudit(anchor: anchor) == .intact(events: 7))
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent")
        try fixture.tamper("DELETE FROM auditHead")
        guard case .broken(_, let reason) = try await fixture.store.verifyAudit() else {
            Issue.record("a wiped chain verified without its anchor")
            return
        }
        #expect(reason.contains("operators exist"))
        guard case .broken(7, let anchored) = try await fixture.store.verifyAudit(anchor: anchor) else {
            Issue.record("a wiped chain verified against its anchor")
            return
        }
        #expect(anchored.contains("anchor records event 7"))
        #expect(try await fixture.store.auditChainProblem(anchor: anchor) != nil, "start-up must refuse it too")
    }

    /// A wiped chain that the server then started again from event 1 verifies on its own; the operators older
    /// than its first event, and the anchor, give it away.
    @Test func aRestartedChainIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        let anchor = try #require(try await fixture.store.currentAuditAnchor())
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent")
        try fixture.tamper("DELETE FROM auditHead")
        fixture.clock.advance(minutes: 5)
        _ = try await fixture.deviceSession(serial: "AFTER-WIPE-1")
        guard case .broken(_, let reason) = try await fixture.store.verifyAudit() else {
            Issue.record("a restarted chain verified")
            return
        }
        #expect(reason.contains("started again"))
        guard case .broken(_, let anchored) = try await fixture.store.verifyAudit(anchor: anchor) else {
            Issue.record("a restarted chain verified against its anchor")
            return
        }
        #expect(anchored.contains("not the one its anchor records") || anchored.contains("anchor records event 7"))
    }

    /// The first operator's creation time is whole seconds and its event's is milliseconds, read a moment
    /// later: an operator created at the very end of a second, on a busy machine, is not a restarted chain.
    /// (CI once failed `audit verify` in the walk-through this way.)
    @Test func anOperatorCreatedAtTheEndOfASecondStartsTheChain() async throws {
        let directory = temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ticks = NIOLockedValueBox(0)
        // 10:00:00.995 at the first look, and 5 ms more at every look at the clock, as a stalled writer would see it.
        let world = World(
            now: {
                Date(
                    timeIntervalSince1970: 1_795_687_200.990 + 0.005
                        * Double(
                            ticks.withLockedValue {
                                $0 += 1; return $0
                            }))
            },
            randomBytes: { SeededRandom().bytes($0) })
        let store = try EnrollmentStore(
            path: directory.appendingPathComponent("tapstation.sqlite").path, world: world, keyring: testKeyring())
        _ = try await store.createOperator(NewOperator(name: "admin", role: .admin), by: nil)
        #expect(try await store.verifyAudit() == .intact(events: 1))
        #expect(try await store.auditChainProblem(anchor: nil) == nil)
    }

    /// A store opened with another server secret than the one its chain was written with is refused at start-up,
    /// with no anchor to compare: what an instance given the wrong copy of `server.key` would do.
    @Test func anotherServerSecretIsRefusedAtStartUp() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        #expect(try await fixture.store.auditChainProblem(anchor: nil) == nil)
        let stranger = try EnrollmentStore(
            path: fixture.databasePath, world: testWorld(clock: fixture.clock), keyring: testKeyring(versions: [2]))
        let problem = try #require(try await stranger.auditChainProblem(anchor: nil))
        #expect(problem.contains("does not verify under this server.key"))
    }

    /// The anchor is only written by whoever holds the server secret, and it survives its file form.
    @Test func anAnchorRoundTripsAndAnEditedOneIsRefused() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        let anchor = try #require(try await fixture.store.currentAuditAnchor())
        #expect(AuditAnchor(fileText: anchor.fileText) == anchor)
        var lowered = anchor
        lowered.sequence = 2
        #expect(!lowered.isAuthentic(under: fixture.keyring))
        guard case .broken(_, let reason) = try await fixture.store.verifyAudit(anchor: lowered) else {
            Issue.record("an edited anchor was accepted")
            return
        }
        #expect(reason.contains("anchor file was altered"))
        #expect(AuditAnchor(fileText: "sequence=x\n") == nil)
    }

    /// Retention cuts a prefix off the chain with a checkpoint; an anchor behind the checkpoint still holds.
    @Test func anAnchorBehindARetentionCheckpointHolds() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        let anchor = try #require(try await fixture.store.currentAuditAnchor())
        fixture.clock.advance(minutes: 60 * 24 * 10)
        _ = try await fixture.store.purgeClosedSessions(olderThanDays: 2)
        _ = try await fixture.deviceSession(serial: "AFTER-PURGE-1")
        guard case .intact = try await fixture.store.verifyAudit(anchor: anchor) else {
            Issue.record("retention broke an honest anchor")
            return
        }
    }
}

@Suite("Online backup")
struct OnlineBackupTests {
    @Test func backupUnderWriteLoadIsConsistent() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let backupPath = fixture.directory.appendingPathComponent("backup.sqlite").path
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask { _ = try await fixture.deviceSession(serial: "LOAD-\(index)") }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        try fixture.store.backup(to: backupPath, secretFileText: nil)
        try await writers.value
        #expect(try EnrollmentStore.inspectBackup(at: backupPath).isIntact)
        let copy = try EnrollmentStore(
            path: backupPath, world: testWorld(clock: fixture.clock), keyring: fixture.keyring, mode: .existing)
        guard case .intact(let events) = try await copy.verifyAudit() else {
            Issue.record("the backup's chain does not verify")
            return
        }
        #expect(events >= 1)
        // Every session in the copy has its pass and its audit events: no transaction was cut in half.
        let page = try await copy.sessions(matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 200)
        for session in page.items {
            #expect(session.pass != nil)
            #expect(
                try await copy.auditEvents(sessionID: session.id, limit: 10).map(\.type) == [
                    .sessionCreated, .passIssued,
                ])
        }
    }
}
