import Foundation
import TapCore

/// One line of the bench board: an open session and the last step it took.
public struct BoardEntry: Sendable {
    public var session: Session
    /// The newest event of the session's vocabulary, and when it happened.
    public var lastStep: AuditEventType?
    public var lastStepAt: Date?
}

extension EnrollmentStore {
    /// The open sessions of one site, oldest first (the order a bench works through a cart), at most `limit`;
    /// then its closed Entra sessions whose pass Entra has not yet confirmed deleted (that pass still signs in).
    public func boardEntries(site: SiteName, limit: Int = 300) async throws -> [BoardEntry] {
        try await engine.read { db in
            var records = try SessionRecord.loadAll(
                db,
                """
                WHERE site = ? AND state IN ('awaitingApproval','pending','active','inProgress','expired','lockedOut')
                ORDER BY id LIMIT ?
                """,
                [.text(site.value), .integer(Int64(limit))])
            if records.count < limit {
                // Few rows: the partial index holds only the pending revocations.
                records += try SessionRecord.loadAll(
                    db,
                    """
                    WHERE id IN (SELECT sessionId FROM entraPass WHERE revocation = 'pending')
                      AND site = ? AND state IN ('completed','cancelled','rejected','abandoned')
                    ORDER BY id LIMIT ?
                    """,
                    [.text(site.value), .integer(Int64(limit - records.count))])
                // In the cart's order (ids grow with time), not the open ones first.
                records.sort { $0.id < $1.id }
            }
            return try Self.sessions(records, db: db).map { session in
                let last = try db.queryFirst(
                    "SELECT type, time FROM auditEvent WHERE sessionId = ? AND type NOT IN ('request.refused') ORDER BY seq DESC LIMIT 1",
                    [.text(session.id.rawValue)]
                ) { row in (AuditEventType(rawValue: try row.text(0)), try row.date(1)) }
                return BoardEntry(session: session, lastStep: last?.0, lastStepAt: last?.1)
            }
        }
    }
}
