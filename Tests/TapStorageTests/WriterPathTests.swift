import Foundation
import GRDB
import NIOConcurrencyHelpers
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// The writer's fast paths: the audit head written once per group, updates of changed columns only,
/// statements run straight through SQLite, and the operator-token cache.
@Suite("Writer fast paths")
struct WriterPathTests {
    struct Refused: Error {}

    @Test func eventsOfUseCasesThatFailInAGroupLeaveNoGapAndTheHeadAtTheLastKeptEvent() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let store = fixture.store
        // Every third use case appends two events and then fails: its savepoint takes both back.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for number in 0..<150 {
                group.addTask {
                    do {
                        try await store.write { db in
                            try store.appendAudit(db, .requestRefused, session: nil, actor: "test-\(number)")
                            if number % 3 == 0 {
                                try store.appendAudit(db, .requestRefused, session: nil, actor: "test-\(number)-again")
                                throw Refused()
                            }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(outcomes == 100)
        let (events, head) = try await store.pool().read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM auditEvent WHERE actor LIKE 'test-%'") ?? -1,
                try Int64.fetchOne(db, sql: "SELECT seq FROM auditHead") ?? -1
            )
        }
        #expect(events == 100)
        let verification = try await store.verifyAudit()
        #expect(verification == .intact(events: head))
        #expect(store.feed.latest == head)
    }

    @Test func aSavedSessionWritesOnlyTheColumnsThatChanged() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        let statements = LockedStatements()
        try await fixture.store.write { db in
            guard let record = try SessionRecord.find(db, issued.session.id.rawValue) else { throw Refused() }
            var loaded = LoadedSession(record: record, pass: nil)
            db.trace { statements.append($0.expandedDescription) }
            loaded.record.reason = "changed"
            try loaded.saveRecord(db)
            try loaded.saveRecord(db)  // nothing changed since: no statement
            db.trace(options: [], nil)
        }
        #expect(statements.all == ["UPDATE session SET reason = 'changed' WHERE id = '\(issued.session.id.rawValue)'"])
        #expect(try await fixture.session(issued.session.id).reason == "changed")
    }

    @Test func aDirectStatementReportsSQLiteErrorsAndStaysUsable() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await fixture.store.write { db in
            try db.execute(sql: "CREATE TABLE scratch (id TEXT PRIMARY KEY NOT NULL, n INTEGER CHECK (n >= 0), b BLOB)")
            try db.executeDirect(
                "INSERT INTO scratch (id, n, b) VALUES (?, ?, ?)", [.text("a"), .integer(1), .blob([1, 2])])
            #expect(throws: DatabaseError.self) {
                try db.executeDirect(
                    "INSERT INTO scratch (id, n, b) VALUES (?, ?, ?)", [.text("a"), .integer(2), .null])
            }
            #expect(throws: DatabaseError.self) {
                try db.executeDirect(
                    "INSERT INTO scratch (id, n, b) VALUES (?, ?, ?)", [.text("b"), .integer(-1), .null])
            }
            #expect(throws: DatabaseError.self) {
                try db.executeDirect("INSERT INTO scratch (id, n, b) VALUES (?, ?, ?)", [.text("c")])
            }
            try db.executeDirect("INSERT INTO scratch (id, n, b) VALUES (?, ?, ?)", [.text("d"), .integer(4), .null])
            let rows = try Row.fetchAll(db, sql: "SELECT id, n, b FROM scratch ORDER BY id")
            #expect(rows.map { $0[0] as String } == ["a", "d"])
            #expect((rows[0][2] as Data) == Data([1, 2]))
            #expect(rows[1][2] as Data? == nil)
        }
    }

    @Test func aRevokedOrRotatedTokenIsRefusedAtOnceDespiteTheCache() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let (created, token) = try await fixture.store.createOperator(
            NewOperator(name: "desk", role: .helpdesk), by: fixture.admin)
        #expect(try await fixture.store.operatorForToken(token) == .valid(created))
        #expect(try await fixture.store.operatorForToken(token) == .valid(created))  // from the cache
        let (rotated, newToken) = try await fixture.store.rotateToken(
            of: created.identity.id, grace: 0, by: fixture.admin)
        #expect(try await fixture.store.operatorForToken(token) == .unknown)
        #expect(try await fixture.store.operatorForToken(newToken) == .valid(rotated))
        _ = try await fixture.store.revokeOperator(created.identity.id, by: fixture.admin)
        #expect(try await fixture.store.operatorForToken(newToken) == .revoked)
    }

    @Test func aChangeMadeByAnotherProcessIsSeenWithinTheCacheLifetime() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let (created, token) = try await fixture.store.createOperator(
            NewOperator(name: "desk", role: .helpdesk), by: fixture.admin)
        #expect(try await fixture.store.operatorForToken(token) == .valid(created))
        // The local CLI revoking on the same file: this store hears nothing of it.
        try fixture.tamper("UPDATE operator SET revokedAt = createdAt WHERE id = '\(created.identity.id.rawValue)'")
        #expect(try await fixture.store.operatorForToken(token) == .valid(created))
        fixture.clock.advance(seconds: OperatorTokenCache.lifetime)
        #expect(try await fixture.store.operatorForToken(token) == .revoked)
    }

    @Test func anExpiringTokenIsNotServedFromTheCachePastItsExpiry() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        // Half a second before a whole-second expiry, so the entry is still young when the token expires.
        fixture.clock.advance(seconds: 0.5)
        let expiry = fixture.clock.now.addingTimeInterval(0.5)
        let (created, token) = try await fixture.store.createOperator(
            NewOperator(name: "desk", role: .helpdesk, expiresAt: expiry), by: fixture.admin)
        #expect(try await fixture.store.operatorForToken(token) == .valid(created))
        fixture.clock.advance(seconds: 0.5)
        #expect(try await fixture.store.operatorForToken(token) == .expired)
    }

    @Test func theUserAndDeviceIndexesDoNotHoldTheState() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let columns = try await fixture.store.pool().read { db in
            try ["session_user", "session_device"].map { index in
                try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?) ORDER BY seqno", arguments: [index])
            }
        }
        #expect(columns == [["userPrincipalName", "id"], ["deviceId", "id"]])
    }

    /// The writer never checkpoints (a checkpoint inside a commit held every queued write); the store's
    /// own connection copies the WAL into the database file within moments.
    @Test func theWALReachesTheDatabaseFileWithoutTheWriterCheckpointing() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let store = fixture.store
        let autocheckpoint = try await store.pool().writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
        }
        #expect(autocheckpoint == 0)
        func fileSize() throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: store.pool().path)[.size] as? Int) ?? 0
        }
        let before = try fileSize()
        // About 2 MB of audit events: past what the database file held, so copying them must grow it.
        try await store.write { db in
            for number in 0..<2000 {
                try store.appendAudit(
                    db, .requestRefused, session: nil,
                    actor: "checkpoint-\(number)-" + String(repeating: "x", count: 900))
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while try fileSize() < before + 1_000_000, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try fileSize() >= before + 1_000_000)
        #expect(
            try await store.verifyAudit()
                == .intact(
                    events: try await store.pool().read { db in
                        try Int64.fetchOne(db, sql: "SELECT seq FROM auditHead") ?? -1
                    }))
    }

    /// Under steady writes the WAL never empties by itself (commits land while the checkpointer copies), so past
    /// its bound the checkpointer has the writer finish the copy and the WAL starts over; below it, never.
    @Test func pastItsBoundTheWALIsFinishedOnTheWriterAndStartsOver() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let store = fixture.store
        let (checkpointer, finishes) = try countingCheckpointer(fixture, restartFrames: 400) { [pool = store.pool()] in
            try EnrollmentStore.finishCheckpoint(pool)
        }
        defer { try? checkpointer.stop() }
        func appendEvents(_ count: Int) async throws {
            try await store.write { db in
                for number in 0..<count {
                    try store.appendAudit(
                        db, .requestRefused, session: nil, actor: "wal-\(number)-" + String(repeating: "x", count: 900))
                }
            }
        }
        try await appendEvents(100)  // some 40 frames
        try await Task.sleep(for: .milliseconds(400))
        #expect(finishes.withLockedValue { $0 } == 0)
        try await appendEvents(2000)  // some 600 frames
        let deadline = Date().addingTimeInterval(10)
        while finishes.withLockedValue({ $0 }) == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(finishes.withLockedValue { $0 } >= 1)
        try await appendEvents(1)
        let frames = try await store.pool().writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount }
        #expect(frames < 400)
        #expect(
            try await store.verifyAudit()
                == .intact(
                    events: try await store.pool().read { db in
                        try Int64.fetchOne(db, sql: "SELECT seq FROM auditHead") ?? -1
                    }))
    }

    /// A writer that cannot finish (a long reader holds WAL frames) is asked again only after a second: each try
    /// makes every queued write wait.
    @Test func aFinishThatFailsIsTriedAgainOnlyAfterABackOff() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let store = fixture.store
        let (checkpointer, tries) = try countingCheckpointer(fixture, restartFrames: 1) {
            throw DatabaseError(resultCode: .SQLITE_BUSY)
        }
        defer { try? checkpointer.stop() }
        // Writes all along, so that no tick is skipped and every one sees a WAL past the bound.
        let until = Date().addingTimeInterval(1.5)
        var number = 0
        while Date() < until {
            number += 1
            _ = try await store.write { [number] db in
                try store.appendAudit(db, .requestRefused, session: nil, actor: "busy-\(number)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Ticks every 100 ms: without the back-off some fifteen tries.
        #expect((1...3).contains(tries.withLockedValue { $0 }))
    }

    /// Direct reads decode as GRDB does: times in any form GRDB reads, empty blobs, and a NULL where a
    /// value must be refused as a corrupt row rather than read as a default.
    @Test func directRowsReadWhatGRDBReadsAndRefuseMissingValues() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let read = try await fixture.store.pool().write { db -> (Date, Date, Data, String?, Bool) in
            var result: (Date, Date, Data, String?, Bool)?
            try db.queryDirect(
                "SELECT '2026-11-26 10:00:00.250', '2026-11-26T10:00:00Z', x'', NULL, 1 UNION ALL SELECT 1, 2, 3, 4, 5 LIMIT 1"
            ) { row in
                result = (try row.date(0), try row.date(1), try row.blob(2), try row.optionalText(3), try row.bool(4))
            }
            return try #require(result)
        }
        #expect(read.0 == Date(timeIntervalSince1970: 1_795_687_200.25))
        #expect(read.1 == Date(timeIntervalSince1970: 1_795_687_200))
        #expect(read.2.isEmpty)
        #expect(read.3 == nil)
        #expect(read.4)
        for kind in ["text", "integer", "blob", "time"] {
            await #expect(throws: StorageError.self) {
                try await fixture.store.pool().write { db in
                    try db.queryDirect("SELECT NULL") { row in
                        switch kind {
                        case "text": _ = try row.text(0)
                        case "integer": _ = try row.integer(0)
                        case "blob": _ = try row.blob(0)
                        default: _ = try row.date(0)
                        }
                    }
                }
            }
        }
        await #expect(throws: StorageError.self) {
            try await fixture.store.pool().write { db in
                try db.queryDirect("SELECT 'not a time'") { row in _ = try row.date(0) }
            }
        }
    }
}

/// Statements a trace saw, from whichever thread SQLite called back on.
final class LockedStatements: Sendable {
    private let statements = NIOLockedValueBox<[String]>([])
    func append(_ statement: String) { statements.withLockedValue { $0.append(statement) } }
    var all: [String] { statements.withLockedValue { $0 } }
}

/// A second checkpointer on the fixture's file, with its own bound, that counts the finishes it asks the writer
/// for and runs `finish` for each.
private func countingCheckpointer(
    _ fixture: StoreFixture, restartFrames: Int, finish: @escaping @Sendable () throws -> (walFrames: Int, copied: Int)
) throws -> (WALCheckpointer, NIOLockedValueBox<Int>) {
    let count = NIOLockedValueBox(0)
    let checkpointer = try WALCheckpointer(path: fixture.databasePath, restartFrames: restartFrames) {
        count.withLockedValue { $0 += 1 }
        return try finish()
    }
    return (checkpointer, count)
}
