import Foundation
import GRDB
import NIOConcurrencyHelpers
import TapCore

extension EnrollmentStore {
    /// Moves sessions forward that time has changed (expired passes, passed deadlines, approval requests
    /// nobody decided in time), reports refused redeems as aggregated `pass.refused` events, and forgets
    /// idempotency keys older than a day.
    ///
    /// Correctness never depends on this running: every use case derives the state from the stored times.
    /// Works in batches of `batchSize` so no transaction holds the writer for long.
    ///
    /// A sweep looks only at passes that expired since the sweep before (see ``SweepCursor``): walking every
    /// active session each time held the writer for some 50 ms per 50,000 open sessions, every sweep, with
    /// nothing to do. The first sweep of a process, which cannot know what expired while none ran, walks them
    /// once, on a reader (`settleExpiriesFoundByWalking`). In-progress sessions past their deadline are looked
    /// for on a reader too (`settleOverdueEnrollments`).
    public func sweep(batchSize: Int = 100) async throws -> SweepReport {
        var report = SweepReport()
        report.sessionsAdvanced += try await settleInBatches(batchSize) { db, now, limit in
            try Self.dueSessions(db, Self.startsAndApprovalsDueSQL, bind(now, now, limit))
        }.advanced
        if let settledThrough = sweepCursor.expiriesSettledThrough {
            // Each batch goes on after the last pass of the one before, by (expiry, id).
            let position = NIOLockedValueBox((expiresAt: settledThrough, passID: ""))
            let (advanced, lastNow) = try await settleInBatches(batchSize) { db, now, limit in
                let after = position.withLockedValue { $0 }
                let batch = try Self.dueSessions(
                    db, Self.expiriesDueSQL(db.dialect), bind(now, after.expiresAt, after.passID, limit))
                if let last = batch.last?.pass {
                    position.withLockedValue { $0 = (last.expiresAt, last.id) }
                }
                return batch
            }
            report.sessionsAdvanced += advanced
            sweepCursor.settled(through: lastNow)
        } else {
            let walkedAt = world.currentSecond()
            report.sessionsAdvanced += try await settleExpiriesFoundByWalking(batchSize, dueBy: walkedAt)
            sweepCursor.settled(through: walkedAt)
        }
        report.sessionsAdvanced += try await settleOverdueEnrollments(batchSize)
        report.refusalsReported = try await engine.writeBulk { db -> Int in
            let pending = try RedeemFailureRecord.loadAll(db, "WHERE unreported > 0")
            for var failures in pending {
                try appendAudit(
                    db, .passRefused, session: nil, actor: "redeem",
                    data: [
                        "userPrincipalName": .string(failures.userPrincipalName),
                        "refusals": .number(Double(failures.unreported)), "since": auditTime(failures.firstAt),
                    ])
                failures.unreported = 0
                try failures.updateRow(db)
            }
            return pending.count
        }
        let cutoff = world.now().addingTimeInterval(-86_400)
        report.idempotencyKeysPurged = try await purgeInBatches("idempotencyKey", "createdAt", before: cutoff)
        report.idempotencyKeysPurged += try await purgeInBatches("batchIdempotencyKey", "createdAt", before: cutoff)
        // WebAuthn challenges a day past their expiry: used or not, they can no longer be answered.
        _ = try await purgeInBatches("webauthnChallenge", "expiresAt", before: cutoff)
        return report
    }

    /// Rows one purge transaction deletes. A sweep usually finds only the keys that turned a day old since the
    /// one before, but after a long stop a whole day's are due at once, and one DELETE of them all would hold
    /// every queued write for as long as it took.
    static let purgeBatchSize = 500

    /// Deletes the rows of `table` whose `column` is before `cutoff`, `purgeBatchSize` per transaction, from the
    /// column's index. Returns how many went.
    private func purgeInBatches(_ table: String, _ column: String, before cutoff: Date) async throws -> Int {
        var purged = 0
        while true {
            let deleted = try await engine.writeBulk { db -> Int in
                // Each engine's own name for a row: SQLite's rowid, PostgreSQL's ctid.
                let row = db.dialect == .sqlite ? "rowid" : "ctid"
                let sql =
                    "DELETE FROM \(table) WHERE \(row) IN (SELECT \(row) FROM \(table) WHERE \(column) < ? LIMIT ?)"
                return try db.changes(sql, bind(cutoff, Self.purgeBatchSize))
            }
            purged += deleted
            if deleted < Self.purgeBatchSize { return purged }
        }
    }

    /// Settles every active session whose live pass expired by `dueBy`, found by walking the active sessions in
    /// id order on a reader, `batchSize` at a time; the writer reads each batch again and settles only those
    /// still active and expired. On the writer, the walk held every queued write for its length (about 55 ms
    /// per 50,000 active sessions) at each process's first sweep. Returns how many sessions moved.
    private func settleExpiriesFoundByWalking(_ batchSize: Int, dueBy walkedAt: Date) async throws -> Int {
        let expiredAmong = Self.expiredAmongSQL(batchSize)
        var after = ""
        var advanced = 0
        while true {
            let found = try await engine.read { [after] db in
                try db.queryAll(Self.activeSessionsExpiredSQL(db.dialect), bind(after, walkedAt, batchSize)) {
                    try $0.text(0)
                }
            }
            guard let last = found.last else { return advanced }
            after = last
            // A fixed number of ids, the last repeated, so that every batch runs the same cached statement.
            let ids = found + repeatElement(last, count: batchSize - found.count)
            advanced += try await engine.writeBulk { db -> Int in
                let now = world.currentSecond()
                var batch = try Self.dueSessions(db, expiredAmong, [now.directValue] + ids.map(\.directValue))
                for index in batch.indices { try settle(&batch[index], now: now, db: db) }
                return batch.count
            }
            if found.count < batchSize { return advanced }
        }
    }

    /// Most overdue enrollments one sweep reads; the rest wait for the next sweep.
    static let overdueEnrollmentsPerSweep = 10_000

    /// Abandons in-progress sessions past their completion deadline. They are found on a reader, walking every
    /// in-progress session (about 40 ms per 50,000), so that the walk holds no write: an index by deadline
    /// would have cost every redeem an index write (redeem 5 to 7% slower, four interleaved runs), and a
    /// walk on the writer held every request for its length. The writer reads each one again before it
    /// settles it, so a session completed in between is left alone.
    private func settleOverdueEnrollments(_ batchSize: Int) async throws -> Int {
        let now = world.currentSecond()
        let overdue = try await engine.read { db in
            try db.queryAll(
                "SELECT id FROM session WHERE state = 'inProgress' AND completionDeadline <= ? LIMIT ?",
                bind(now, Self.overdueEnrollmentsPerSweep)
            ) { try $0.text(0) }
        }
        var advanced = 0
        for start in stride(from: 0, to: overdue.count, by: batchSize) {
            let ids = Array(overdue[start..<min(start + batchSize, overdue.count)])
            advanced += try await engine.writeBulk { db -> Int in
                let now = world.currentSecond()
                var moved = 0
                for id in ids {
                    guard let record = try SessionRecord.load(db, id), record.state == SessionState.inProgress.rawValue
                    else { continue }
                    var loaded = LoadedSession(record: record, pass: try livePass(of: id, db: db))
                    try settle(&loaded, now: now, db: db)
                    if loaded.record.state != record.state { moved += 1 }
                }
                return moved
            }
        }
        return advanced
    }

    /// Runs `select` (given the batch's now and its size) and settles what it returns, one transaction per
    /// batch, until a batch comes back short. Returns how many sessions moved and the last batch's now: every
    /// session due by then has been settled.
    private func settleInBatches(
        _ batchSize: Int, _ select: @escaping @Sendable (any StatementRunner, Date, Int) throws -> [LoadedSession]
    ) async throws -> (advanced: Int, lastNow: Date) {
        var advanced = 0
        while true {
            // Like a group commit: one head-row write for the batch's events, not one per event (writeBulk).
            let (count, now) = try await engine.writeBulk { db -> (Int, Date) in
                let now = world.currentSecond()
                var batch = try select(db, now, batchSize)
                for index in batch.indices { try settle(&batch[index], now: now, db: db) }
                return (batch.count, now)
            }
            advanced += count
            if count < batchSize { return (advanced, now) }
        }
    }

    /// Reads sessions, each followed by its live pass's columns (NULLs when it has none), in the order of the
    /// records' `columnNames`. GRDB's row decoding hashed every column name of every row, and a second query
    /// per session fetched the pass; together they were a quarter of the sweep's CPU.
    private static func dueSessions(
        _ db: any StatementRunner, _ sql: String, _ values: [DirectValue]
    ) throws -> [LoadedSession] {
        var batch: [LoadedSession] = []
        try db.query(sql, values) { row in
            let record = try SessionRecord(direct: row, startingAt: 0)
            let passStart = SessionRecord.columnNames.count
            let pass = row.isNull(passStart) ? nil : try PassRecord(direct: row, startingAt: passStart)
            batch.append(LoadedSession(record: record, pass: pass))
        }
        return batch
    }

    private static let sessionAndPassColumns =
        SessionRecord.selection(of: "session") + ", " + PassRecord.selection(of: "pass")

    /// Sessions that waited too long for approval, or whose pass was to start. One branch per stored state,
    /// each read from an index that holds only that state's sessions or starts with the state: as one OR,
    /// SQLite gathered every session of those states for each batch before picking any.
    private static let approvalsAndStartsBranches = """
        SELECT \(sessionAndPassColumns) FROM session LEFT JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
        WHERE session.state = 'awaitingApproval' AND session.approvalDeadline <= ?
        UNION ALL
        SELECT \(sessionAndPassColumns) FROM session JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
        WHERE session.state = 'pending' AND pass.startsAt <= ?
        """

    /// Approvals and starts due, up to a limit.
    static let startsAndApprovalsDueSQL = approvalsAndStartsBranches + "\nLIMIT ?"

    /// Active sessions whose live pass expired after the given (expiry, pass id) position and by now, in that
    /// order, from the index of live passes by expiry. Passes of sessions in other states are stepped over.
    /// Without statistics SQLite's planner preferred the state index (a walk of every active session), hence
    /// the named index and the join order there; PostgreSQL's planner has its statistics.
    static func expiriesDueSQL(_ dialect: SQLDialect) -> String {
        let passes = dialect == .sqlite ? "pass INDEXED BY pass_live_expiry CROSS JOIN session" : "pass JOIN session"
        return """
            SELECT \(sessionAndPassColumns) FROM \(passes) ON session.id = pass.sessionId
            WHERE pass.revokedAt IS NULL AND pass.expiresAt <= ? AND (pass.expiresAt, pass.id) > (?, ?) AND session.state = 'active'
            ORDER BY pass.expiresAt, pass.id
            LIMIT ?
            """
    }

    /// Ids of active sessions after the given id whose live pass expired by the given time, in id order: the
    /// walk of a process's first sweep, on a reader, in the state index's own order.
    static func activeSessionsExpiredSQL(_ dialect: SQLDialect) -> String {
        let sessions = dialect == .sqlite ? "session INDEXED BY session_state CROSS JOIN pass" : "session JOIN pass"
        return """
            SELECT session.id FROM \(sessions) ON pass.sessionId = session.id AND pass.revokedAt IS NULL
            WHERE session.state = 'active' AND session.id > ? AND pass.expiresAt <= ?
            ORDER BY session.id
            LIMIT ?
            """
    }

    /// Those of `count` sessions, by id, still active with their live pass expired by the first argument.
    static func expiredAmongSQL(_ count: Int) -> String {
        """
        SELECT \(sessionAndPassColumns) FROM session JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
        WHERE pass.expiresAt <= ? AND session.state = 'active'
          AND session.id IN (\(repeatElement("?", count: count).joined(separator: ",")))
        """
    }
}

/// How far this process's sweeps have settled pass expiries: every active session whose pass expired by
/// then has been moved on. Kept in memory; a new process starts without it and walks every active session
/// once, on a reader.
///
/// A pass expires after it is minted (every lifetime is positive), so one that expires after this point
/// cannot have been missed. Correctness does not depend on it either way: use cases derive the state from
/// the stored times, and the sweep only makes the stored state and the audit log catch up.
final class SweepCursor: Sendable {
    private let state = NIOLockedValueBox<Date?>(nil)

    var expiriesSettledThrough: Date? { state.withLockedValue { $0 } }

    /// Notes a sweep that settled everything due by `time` (only ever forward).
    func settled(through time: Date) {
        state.withLockedValue { $0 = max($0 ?? time, time) }
    }
}
