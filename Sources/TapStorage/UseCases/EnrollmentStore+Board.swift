import Foundation
import GRDB
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
        try await pool().read { db in
            var records = try SessionRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM session WHERE site = ? AND state IN ('awaitingApproval','pending','active','inProgress','expired','lockedOut')
                    ORDER BY id LIMIT ?
                    """,
                arguments: [site.value, limit])
            if records.count < limit {
                // Few rows: the partial index holds only the pending revocations.
                records += try SessionRecord.fetchAll(
                    db,
                    sql: """
                        SELECT session.* FROM entraPass JOIN session ON session.id = entraPass.sessionId
                        WHERE entraPass.revocation = 'pending' AND session.site = ?
                          AND session.state IN ('completed','cancelled','rejected','abandoned')
                        ORDER BY session.id LIMIT ?
                        """,
                    arguments: [site.value, limit - records.count])
                // In the cart's order (ids grow with time), not the open ones first.
                records.sort { $0.id < $1.id }
            }
            let sessions = try Self.sessions(records, db: db)
            let last = try db.cachedStatement(
                sql:
                    "SELECT type, time FROM auditEvent WHERE sessionId = ? AND type NOT IN ('request.refused') ORDER BY seq DESC LIMIT 1"
            )
            return try sessions.map { session in
                let row = try Row.fetchOne(last, arguments: [session.id.rawValue])
                return BoardEntry(
                    session: session, lastStep: row.flatMap { AuditEventType(rawValue: $0[0]) }, lastStepAt: row?[1])
            }
        }
    }
}
