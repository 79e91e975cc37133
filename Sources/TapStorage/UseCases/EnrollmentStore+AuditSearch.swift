import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Audit events matching every filter of `query`, newest first (or oldest first), past its cursor.
    ///
    /// Each filter has an index to walk newest first: by type `(type, seq)`, by operator `(actor, seq)`, by session
    /// `(sessionId, seq)`, by site `(site, seq)` (a session's events carry its site); a user is the union of their
    /// sessions' events.
    public func searchAudit(_ query: AuditQuery, visibleTo viewer: OperatorIdentity) async throws -> Page<AuditEvent> {
        let site = viewer.site ?? query.site
        return try await pool().read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let type = query.type {
                conditions.append("type = ?")
                arguments += [type.rawValue]
            }
            if let session = query.sessionID {
                conditions.append("sessionId = ?")
                arguments += [session.rawValue]
            }
            if let actor = query.actor {
                conditions.append("actor = ?")
                arguments += [actor]
            }
            if let user = query.userPrincipalName {
                conditions.append("sessionId IN (SELECT id FROM session WHERE userPrincipalName = ?)")
                arguments += [user.value]
            }
            if let site {
                conditions.append("site = ?")
                arguments += [site.value]
            }
            if let since = query.since {
                conditions.append("time >= ?")
                arguments += [since]
            }
            if let until = query.until {
                conditions.append("time < ?")
                arguments += [until]
            }
            if let before = query.before {
                conditions.append("seq < ?")
                arguments += [before]
            }
            if let after = query.after {
                conditions.append("seq > ?")
                arguments += [after]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let records = try AuditEventRecord.fetchAll(
                db,
                sql: "SELECT * FROM auditEvent \(filter) ORDER BY seq \(query.oldestFirst ? "ASC" : "DESC") LIMIT ?",
                arguments: arguments + [query.limit + 1])
            let events = try records.prefix(query.limit).map { try $0.domain() }
            let next = records.count > query.limit ? events.last.map { String($0.sequence) } : nil
            return Page(items: events, nextCursor: next)
        }
    }
}
