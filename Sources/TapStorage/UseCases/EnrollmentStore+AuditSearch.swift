import Foundation
import TapCore

extension EnrollmentStore {
    /// Audit events matching every filter of `query`, newest first (or oldest first), past its cursor.
    ///
    /// Each filter has an index to walk newest first: by type `(type, seq)`, by operator `(actor, seq)`, by session
    /// `(sessionId, seq)`, by site `(site, seq)` (a session's events carry its site); a user is the union of their
    /// sessions' events.
    public func searchAudit(_ query: AuditQuery, visibleTo viewer: OperatorIdentity) async throws -> Page<AuditEvent> {
        let site = viewer.site ?? query.site
        var conditions = SQLConditions()
        conditions.match("type", query.type?.rawValue)
        conditions.match("sessionId", query.sessionID?.rawValue)
        conditions.match("actor", query.actor)
        if let user = query.userPrincipalName {
            conditions.add("sessionId IN (SELECT id FROM session WHERE userPrincipalName = ?)", .text(user.value))
        }
        conditions.match("site", site?.value)
        if let since = query.since { conditions.add("time >= ?", .date(since)) }
        if let until = query.until { conditions.add("time < ?", .date(until)) }
        if let before = query.before { conditions.add("seq < ?", .integer(before)) }
        if let after = query.after { conditions.add("seq > ?", .integer(after)) }
        let clause = conditions.clause + " ORDER BY seq \(query.oldestFirst ? "ASC" : "DESC") LIMIT ?"
        let values = conditions.values + [.integer(Int64(query.limit + 1))]
        return try await engine.read { db in
            let records = try AuditEventRecord.loadAll(db, clause, values, varying: true)
            let events = try records.prefix(query.limit).map { try $0.domain() }
            let next = records.count > query.limit ? events.last.map { String($0.sequence) } : nil
            return Page(items: events, nextCursor: next)
        }
    }
}
