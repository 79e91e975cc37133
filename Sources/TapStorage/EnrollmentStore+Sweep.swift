import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Moves sessions forward that time has changed (expired passes, passed deadlines, approval requests
    /// nobody decided in time), reports refused redeems as aggregated `pass.refused` events, and forgets
    /// idempotency keys older than a day.
    ///
    /// Correctness never depends on this running: every use case derives the state from the stored times.
    /// Works in batches of `batchSize` so no transaction holds the writer for long.
    ///
    /// A sweep looks only at passes that expired since the sweep before (see ``SweepCursor``), which the
    /// database remembers across restarts: walking every active session held the writer for some 50 ms per
    /// 50,000 open sessions, every sweep with nothing to do, and then once after each restart. Only a
    /// database that never had a sweep, or a clock now behind the remembered point, is walked.
    /// In-progress sessions past their deadline are looked for on a reader (`settleOverdueEnrollments`).
    public func sweep(batchSize: Int = 100) async throws -> SweepReport {
        var report = SweepReport()
        if sweepCursor.expiriesSettledThrough == nil, let stored = try await storedSweepCursor(), stored <= world.now() {
            sweepCursor.settled(through: stored)
        }
        if let settledThrough = sweepCursor.expiriesSettledThrough {
            report.sessionsAdvanced += try await settleInBatches(batchSize) { db, now, limit in
                let due = now.directValue
                return try Self.dueSessions(db, Self.startsAndApprovalsDueSQL, [due, due, limit.directValue])
            }.advanced
            // Each batch goes on after the last pass of the one before, by (expiry, id).
            let position = Locked((expiresAt: UTCTime.text(settledThrough), passID: ""))
            let (advanced, lastNow) = try await settleInBatches(batchSize) { db, now, limit in
                let after = position.withLock { $0 }
                let batch = try Self.dueSessions(
                    db, Self.expiriesDueSQL, [now.directValue, .text(after.expiresAt), .text(after.passID), limit.directValue])
                if let last = batch.last?.pass { position.withLock { $0 = (UTCTime.text(last.expiresAt), last.id) } }
                return batch
            }
            report.sessionsAdvanced += advanced
            sweepCursor.settled(through: lastNow)
        } else {
            let (advanced, lastNow) = try await settleInBatches(batchSize) { db, now, limit in
                let due = now.directValue
                return try Self.dueSessions(db, Self.startsApprovalsAndExpiriesDueSQL, [due, due, due, limit.directValue])
            }
            report.sessionsAdvanced += advanced
            sweepCursor.settled(through: lastNow)
        }
        if let settled = sweepCursor.expiriesSettledThrough { try await storeSweepCursor(settled) }
        report.sessionsAdvanced += try await settleOverdueEnrollments(batchSize)
        report.refusalsReported = try await pool.write { db -> Int in
            let pending = try RedeemFailureRecord.fetchAll(db, sql: "SELECT * FROM redeemFailure WHERE unreported > 0")
            for var failures in pending {
                try appendAudit(
                    db, .passRefused, session: nil, actor: "redeem",
                    data: [
                        "userPrincipalName": .string(failures.userPrincipalName),
                        "refusals": .number(Double(failures.unreported)), "since": auditTime(failures.firstAt),
                    ])
                failures.unreported = 0
                try failures.update(db)
            }
            return pending.count
        }
        let cutoff = world.now().addingTimeInterval(-86_400)
        report.idempotencyKeysPurged = try await purgeInBatches("idempotencyKey", "createdAt", before: cutoff)
        report.idempotencyKeysPurged += try await purgeInBatches("batchIdempotencyKey", "createdAt", before: cutoff)
        // WebAuthn challenges a day past their expiry: used or not, they can no longer be answered.
        _ = try await purgeInBatches("webauthnChallenge", "expiresAt", before: UTCTime.text(cutoff))
        return report
    }

    /// The point up to which an earlier sweep (perhaps of an earlier process) settled pass expiries.
    func storedSweepCursor() async throws -> Date? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT expiriesSettledThrough FROM sweepCursor WHERE id = 1")?.storedDate("expiriessettledthrough")
        }
    }

    /// Remembers `settled` for the next process. Written after the batches it vouches for have committed, so a
    /// crash in between leaves an earlier point, which only makes the next sweep read more.
    private func storeSweepCursor(_ settled: Date) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO sweepCursor (id, expiriesSettledThrough) VALUES (1, ?)
                ON CONFLICT (id) DO UPDATE SET expiriesSettledThrough = excluded.expiriesSettledThrough
                """).execute(arguments: [UTCTime.text(settled)])
        }
    }

    /// Rows one purge transaction deletes. A sweep usually finds only the keys that turned a day old since the
    /// one before, but after a long stop a whole day's are due at once, and one DELETE of them all would hold
    /// every queued write for as long as it took.
    static let purgeBatchSize = 500

    /// Deletes the rows of `table` whose `column` is before `cutoff`, `purgeBatchSize` per transaction, from the
    /// column's index. Returns how many went.
    private func purgeInBatches(
        _ table: String, _ column: String, before cutoff: some DatabaseValueConvertible & Sendable
    ) async throws -> Int {
        let sql = "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE \(column) < ? LIMIT ?)"
        var purged = 0
        while true {
            let deleted = try await pool.write { db -> Int in
                try db.cachedStatement(sql: sql).execute(arguments: [cutoff, Self.purgeBatchSize])
                return db.changesCount
            }
            purged += deleted
            if deleted < Self.purgeBatchSize { return purged }
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
        let overdue = try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM session WHERE state = 'inProgress' AND completionDeadline <= ? LIMIT ?",
                arguments: [now, Self.overdueEnrollmentsPerSweep])
        }
        var advanced = 0
        for start in stride(from: 0, to: overdue.count, by: batchSize) {
            let ids = Array(overdue[start..<min(start + batchSize, overdue.count)])
            advanced += try await pool.write { db -> Int in
                let now = world.currentSecond()
                var moved = 0
                try Self.deferringAuditHead(db, chain: auditChain, keyring: keyring) {
                    for id in ids {
                        guard let record = try SessionRecord.find(db, id), record.state == SessionState.inProgress.rawValue else { continue }
                        var loaded = LoadedSession(record: record, pass: try livePass(of: id, db: db))
                        try settle(&loaded, now: now, db: db)
                        if loaded.record.state != record.state { moved += 1 }
                    }
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
        _ batchSize: Int, _ select: @escaping @Sendable (Database, Date, Int) throws -> [LoadedSession]
    ) async throws -> (advanced: Int, lastNow: Date) {
        var advanced = 0
        while true {
            let (count, now) = try await pool.write { db -> (Int, Date) in
                let now = world.currentSecond()
                var batch = try select(db, now, batchSize)
                // Like a group commit: one head-row write for the batch's events, not one per event.
                try Self.deferringAuditHead(db, chain: auditChain, keyring: keyring) {
                    for index in batch.indices { try settle(&batch[index], now: now, db: db) }
                }
                return (batch.count, now)
            }
            advanced += count
            if count < batchSize { return (advanced, now) }
        }
    }

    /// Reads sessions, each followed by its live pass's columns (NULLs when it has none), in the order of the
    /// records' `columnNames`. GRDB's row decoding hashed every column name of every row, and a second query
    /// per session fetched the pass; together they were a quarter of the sweep's CPU.
    private static func dueSessions(_ db: Database, _ sql: String, _ values: [DirectValue]) throws -> [LoadedSession] {
        var batch: [LoadedSession] = []
        try db.queryDirect(sql, values) { row in
            let record = try SessionRecord(direct: row, startingAt: 0)
            let passStart = SessionRecord.columnNames.count
            let pass = row.isNull(passStart) ? nil : try PassRecord(direct: row, startingAt: passStart)
            batch.append(LoadedSession(record: record, pass: pass))
        }
        return batch
    }

    private static let sessionAndPassColumns = SessionRecord.selection(of: "session") + ", " + PassRecord.selection(of: "pass")

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

    /// Approvals and starts due, up to a limit: every sweep after a process's first.
    static let startsAndApprovalsDueSQL = approvalsAndStartsBranches + "\nLIMIT ?"

    /// Active sessions whose live pass expired after the given (expiry, pass id) position and by now, in that
    /// order, from the index of live passes by expiry. Passes of sessions in other states are stepped over.
    /// Without statistics SQLite's planner preferred the state index (a walk of every active session), hence
    /// the named index and the join order.
    static let expiriesDueSQL = """
        SELECT \(sessionAndPassColumns) FROM pass INDEXED BY pass_live_expiry CROSS JOIN session ON session.id = pass.sessionId
        WHERE pass.revokedAt IS NULL AND pass.expiresAt <= ? AND (pass.expiresAt, pass.id) > (?, ?) AND session.state = 'active'
        ORDER BY pass.expiresAt, pass.id
        LIMIT ?
        """

    /// Approvals and starts due and expired passes, found by walking every active session: the first sweep of
    /// a process, which cannot know what expired while it was not running.
    static let startsApprovalsAndExpiriesDueSQL = approvalsAndStartsBranches + """

        UNION ALL
        SELECT \(sessionAndPassColumns) FROM session JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
        WHERE session.state = 'active' AND pass.expiresAt <= ?
        LIMIT ?
        """
}

/// How far sweeps have settled pass expiries: every active session whose pass expired by then has been moved
/// on. Kept in memory, and in the `sweepCursor` table for the next process; a database without it, or whose
/// point is ahead of the clock (the clock was set back), is walked once instead.
///
/// A pass expires after it is minted (every lifetime is positive), so one that expires after this point
/// cannot have been missed. Correctness does not depend on it either way: use cases derive the state from
/// the stored times, and the sweep only makes the stored state and the audit log catch up.
final class SweepCursor: Sendable {
    private let state = Locked<Date?>(nil)

    var expiriesSettledThrough: Date? { state.withLock { $0 } }

    /// Notes a sweep that settled everything due by `time` (only ever forward).
    func settled(through time: Date) {
        state.withLock { $0 = max($0 ?? time, time) }
    }
}
