import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Moves sessions forward that time has changed (expired passes, passed deadlines, approval requests
    /// nobody decided in time), reports refused
    /// redeems as aggregated `pass.refused` events, and forgets idempotency keys older than a day.
    ///
    /// Correctness never depends on this running: every use case derives the state from the stored times.
    /// Works in batches of `batchSize` so no transaction holds the writer for long.
    public func sweep(batchSize: Int = 100) async throws -> SweepReport {
        var report = SweepReport()
        while true {
            let advanced = try await pool.write { db -> Int in
                let now = world.currentSecond()
                // One branch per stored state, each read from an index with the state first, oldest first,
                // stopping at the batch size. As one OR, SQLite gathered every session of those states for
                // each batch of 100 before picking any: the sweep grew with the square of its backlog.
                // Each session comes with its live pass, if any, read by position (see `sweepBatchSQL`).
                var batch: [LoadedSession] = []
                let due = now.directValue
                try db.queryDirect(Self.sweepBatchSQL, [due, due, due, due, batchSize.directValue]) { row in
                    let record = try SessionRecord(direct: row, startingAt: 0)
                    let passStart = SessionRecord.columnNames.count
                    let pass = row.isNull(passStart) ? nil : try PassRecord(direct: row, startingAt: passStart)
                    batch.append(LoadedSession(record: record, pass: pass))
                }
                // Like a group commit: one head-row write for the batch's events, not one per event.
                try Self.deferringAuditHead(db, chain: auditChain, keyring: keyring) {
                    for var loaded in batch {
                        try settle(&loaded, now: now, db: db)
                    }
                }
                return batch.count
            }
            report.sessionsAdvanced += advanced
            if advanced < batchSize { break }
        }
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
        report.idempotencyKeysPurged = try await pool.write { db -> Int in
            let cutoff = world.now().addingTimeInterval(-86_400)
            try db.cachedStatement(sql: "DELETE FROM idempotencyKey WHERE createdAt < ?").execute(arguments: [cutoff])
            var purged = db.changesCount
            try db.cachedStatement(sql: "DELETE FROM batchIdempotencyKey WHERE createdAt < ?").execute(arguments: [cutoff])
            purged += db.changesCount
            // WebAuthn challenges a day past their expiry: used or not, they can no longer be answered.
            try db.cachedStatement(sql: "DELETE FROM webauthnChallenge WHERE expiresAt < ?").execute(arguments: [UTCTime.text(cutoff)])
            return purged
        }
        return report
    }

    /// Sessions due to move, each followed by its live pass's columns (NULLs when it has none), in the order
    /// of the records' `columnNames`. GRDB's row decoding hashed every column name of every row, and a second
    /// query per session fetched the pass; together they were a quarter of the sweep's CPU.
    private static let sweepBatchSQL: String = {
        let columns = (SessionRecord.columnNames.map { "session." + $0 } + PassRecord.columnNames.map { "pass." + $0 })
            .joined(separator: ", ")
        return """
            SELECT \(columns) FROM session LEFT JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
            WHERE session.state = 'awaitingApproval' AND session.approvalDeadline <= ?
            UNION ALL
            SELECT \(columns) FROM session JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
            WHERE session.state = 'pending' AND pass.startsAt <= ?
            UNION ALL
            SELECT \(columns) FROM session JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
            WHERE session.state = 'active' AND pass.expiresAt <= ?
            UNION ALL
            SELECT \(columns) FROM session LEFT JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
            WHERE session.state = 'inProgress' AND session.completionDeadline <= ?
            LIMIT ?
            """
    }()
}
