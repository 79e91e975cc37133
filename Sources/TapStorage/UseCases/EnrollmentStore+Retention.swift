import Foundation
import GRDB
import TapCore

/// Where the role that runs the store may not delete audit events, and was asked to cut the chain.
public struct AuditCutNotPermitted: Error, CustomStringConvertible {
    public var description: String {
        "this database role may not delete audit events: run `tapstation audit cut` as the database's owner"
    }
}

/// What a retention purge removed.
public struct PurgeReport: Sendable, Equatable {
    /// Closed sessions deleted, with their passes, session tokens and idempotency keys.
    public var sessions = 0
    /// Audit events cut off the front of the chain (behind a checkpoint).
    public var auditEvents = 0
    /// The chain was not cut because the role that serves may not delete audit events (PostgreSQL's
    /// least-privilege role): the owner cuts it with `tapstation audit cut`.
    public var auditCutLeftToOwner = false

    /// An empty report.
    public init() {}
}

extension EnrollmentStore {
    /// Deletes sessions closed before `cutoff` with everything that names their user (passes, session
    /// tokens, idempotency keys, webhook deliveries), then cuts the audit chain's prefix that no longer
    /// belongs to a kept session or to the retention window, behind a checkpoint that `verifyAudit` starts
    /// from. Events of a purged session that lie after an event still kept stay until a later purge can cut
    /// them too. Devices stay: they are the organisation's inventory, not a person's data. Registered
    /// security keys stay too: they are the user's live credential, which an admin deletes on its own.
    public func purgeClosedSessions(closedBefore cutoff: Date, batchSize: Int = 500) async throws -> PurgeReport {
        var report = PurgeReport()
        while true {
            let deleted = try await engine.writeBulk { db -> Int in
                let ids = try db.queryAll(
                    """
                    SELECT id FROM session WHERE state IN ('completed','cancelled','rejected','abandoned')
                    AND COALESCE(closedAt, updatedAt) < ?
                    AND id NOT IN (
                        SELECT sessionId FROM entraPass WHERE revocation = 'pending' OR provisioning = 'provisioning')
                    LIMIT ?
                    """,
                    bind(cutoff, batchSize)
                ) { try $0.text(0) }
                guard !ids.isEmpty else { return 0 }
                let placeholders = databaseQuestionMarks(count: ids.count)
                let values = ids.map(\.directValue)
                // An Entra pass whose deletion Graph has not confirmed keeps its session (above): it is still tracked.
                for table in [
                    "sessionToken", "entraPass", "pass", "idempotencyKey", "webhookDelivery", "webauthnChallenge",
                ] {
                    try db.run("DELETE FROM \(table) WHERE sessionId IN (\(placeholders))", values)
                }
                try db.run("DELETE FROM session WHERE id IN (\(placeholders))", values)
                return ids.count
            }
            report.sessions += deleted
            if deleted < batchSize { break }
        }
        if let cut = try await cutAuditChainPrefix(closedBefore: cutoff) {
            report.auditEvents = cut
        } else {
            report.auditCutLeftToOwner = true
        }
        try await recordPurge(report, closedBefore: cutoff)
        return report
    }

    /// The same, for sessions closed more than `days` days ago by the store's clock.
    public func purgeClosedSessions(olderThanDays days: Int) async throws -> PurgeReport {
        try await purgeClosedSessions(closedBefore: world.now().addingTimeInterval(-Double(days) * 86_400))
    }

    public func cutAuditChain(olderThanDays days: Int) async throws -> PurgeReport {
        let cutoff = world.now().addingTimeInterval(-Double(days) * 86_400)
        guard let cut = try await cutAuditChainPrefix(closedBefore: cutoff) else { throw AuditCutNotPermitted() }
        var report = PurgeReport()
        report.auditEvents = cut
        try await recordPurge(report, closedBefore: cutoff)
        return report
    }

    /// Cuts the chain's prefix that no longer belongs to a kept session or to the window after `cutoff`, behind a
    /// checkpoint; answers how many events went, or `nil` where this role may not delete audit events.
    private func cutAuditChainPrefix(closedBefore cutoff: Date) async throws -> Int? {
        try await engine.writeBulk { db -> Int? in
            // PostgreSQL's least-privilege role serves without DELETE on audit events (docs/postgres.md).
            if db.dialect == .postgres,
                try db.queryFirst("SELECT has_table_privilege('auditEvent', 'DELETE')", [], { try $0.bool(0) }) != true
            {
                return nil
            }
            let head = try db.queryFirst("SELECT seq FROM auditHead WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            let checkpoint =
                try db.queryFirst("SELECT seq FROM auditCheckpoint WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            // The first event that must stay: one of a session that still exists, or one inside the window.
            let firstKept = try db.queryFirst(
                """
                SELECT MIN(seq) FROM auditEvent
                WHERE seq > ? AND (time >= ? OR (sessionId IS NOT NULL AND sessionId IN (SELECT id FROM session)))
                """,
                bind(checkpoint, cutoff)
            ) { row in row.isNull(0) ? nil : Int64(try row.integer(0)) }
            let keepFrom = firstKept.flatMap { $0 } ?? (head + 1)
            let cut = keepFrom - 1
            guard cut > checkpoint else { return 0 }
            guard let mac = try db.queryFirst("SELECT mac FROM auditEvent WHERE seq = ?", bind(cut), { try $0.blob(0) })
            else {
                throw StorageError.corruptRow("auditEvent \(cut)")
            }
            let version = keyring.currentVersion
            guard
                let checkpointMAC = keyring.mac(.audit, AuditChain.checkpointMessage(cut, Array(mac)), version: version)
            else {
                throw StorageError.unknownKeyVersion(version)
            }
            try db.run(
                """
                INSERT INTO auditCheckpoint (id, seq, mac, checkpointMac, keyVersion, createdAt) VALUES (1, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, checkpointMac = excluded.checkpointMac,
                    keyVersion = excluded.keyVersion, createdAt = excluded.createdAt
                """,
                bind(cut, mac, Data(checkpointMAC), version, world.now()))
            return try db.changes("DELETE FROM auditEvent WHERE seq <= ?", bind(cut))
        }
    }

    /// Writes down a purge that removed anything.
    private func recordPurge(_ report: PurgeReport, closedBefore cutoff: Date) async throws {
        guard report.sessions > 0 || report.auditEvents > 0 else { return }
        _ = try await engine.writeBulk { db in
            try appendAudit(
                db, .sessionsPurged, session: nil, actor: "system",
                data: [
                    "sessions": .number(Double(report.sessions)),
                    "auditEvents": .number(Double(report.auditEvents)),
                    "closedBefore": auditTime(cutoff),
                ])
        }
    }

    /// Every audit event after `sequence`, in chain order, a page at a time, for export to a SIEM.
    public func auditExport(after sequence: Int64, limit: Int) async throws -> [AuditExportRecord] {
        try await engine.read { db in
            try AuditEventRecord.loadAll(
                db, "WHERE seq > ? ORDER BY seq LIMIT ?", [.integer(sequence), .integer(Int64(limit))]
            ).map { record in
                AuditExportRecord(
                    sequence: record.seq, time: record.time, type: record.type, sessionID: record.sessionId,
                    actor: record.actor,
                    data: record.data, mac: Array(record.mac), keyVersion: record.keyVersion)
            }
        }
    }
}

/// One audit event as exported: every stored field, the data as the JSON text the MAC covers.
public struct AuditExportRecord: Sendable {
    public var sequence: Int64
    public var time: Date
    public var type: String
    public var sessionID: String?
    public var actor: String
    public var data: String
    public var mac: [UInt8]
    public var keyVersion: Int

    /// Makes a record.
    public init(
        sequence: Int64, time: Date, type: String, sessionID: String?, actor: String, data: String, mac: [UInt8],
        keyVersion: Int
    ) {
        self.sequence = sequence
        self.time = time
        self.type = type
        self.sessionID = sessionID
        self.actor = actor
        self.data = data
        self.mac = mac
        self.keyVersion = keyVersion
    }
}
