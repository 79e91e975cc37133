import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Appends one event to the chain inside the caller's transaction (see ``AuditChain/append``).
    func appendAudit(
        _ db: any StatementRunner, _ type: AuditEventType, session: String?, actor: String,
        data: [String: JSONValue] = [:]
    ) throws {
        try audit.append(db, type, session: session, actor: actor, data: data)
    }

    /// The same, answering the event's sequence number (``AuditChain/appendNumbered``).
    func appendNumberedAudit(
        _ db: any StatementRunner, _ type: AuditEventType, session: String?, actor: String,
        data: [String: JSONValue] = [:]
    ) throws -> Int64 {
        try audit.appendNumbered(db, type, session: session, actor: actor, data: data)
    }

    /// Walks the whole chain and reports the first break; then checks that it reaches `anchor` (kept outside
    /// the database) and was not emptied or restarted under existing operators.
    public func verifyAudit(anchor: AuditAnchor? = nil) async throws -> AuditVerification {
        try await engine.read { db in try AuditChain.verify(db, anchor: anchor, keyring: keyring) }
    }

    /// Events in chain order, filtered; `after` is the last sequence the caller has seen. With `site`, only
    /// events of that site's sessions.
    public func auditEvents(
        sessionID: SessionID? = nil, site: SiteName? = nil, since: Date? = nil, until: Date? = nil,
        type: AuditEventType? = nil,
        after: Int64? = nil, limit: Int
    ) async throws -> [AuditEvent] {
        var conditions = SQLConditions()
        conditions.match("sessionId", sessionID?.rawValue)
        conditions.match("type", type?.rawValue)
        // Each session's event carries its site, with an index (site, seq) to walk in chain order.
        conditions.match("site", site?.value)
        if let since { conditions.add("time >= ?", .date(since)) }
        if let until { conditions.add("time < ?", .date(until)) }
        if let after { conditions.add("seq > ?", .integer(after)) }
        let clause = conditions.clause + " ORDER BY seq LIMIT ?"
        let values = conditions.values + [.integer(Int64(limit))]
        return try await engine.read { db in
            try AuditEventRecord.loadAll(db, clause, values).map { try $0.domain() }
        }
    }
}

/// The result of walking the audit chain.
public enum AuditVerification: Sendable, Equatable {
    /// Every event verified and the head matches the last one.
    case intact(events: Int64)
    /// The first place the chain does not hold.
    case broken(sequence: Int64, reason: String)
}

extension EnrollmentStore {
    /// Writes one `request.refused` event per (caller, code, route) with how often it happened, so that
    /// refused requests are on the record without letting a caller force one write per request.
    public func recordRefusals(_ refusals: [RefusalCount]) async throws {
        guard !refusals.isEmpty else { return }
        try await engine.writeBulk { db in try appendRefusals(refusals, db) }
    }

    private func appendRefusals(_ refusals: [RefusalCount], _ db: any StatementRunner) throws {
        for refusal in refusals {
            try appendAudit(
                db, .requestRefused, session: nil, actor: refusal.actor,
                data: [
                    "code": .string(refusal.code), "route": .string(refusal.route),
                    "count": .number(Double(refusal.count)),
                ])
        }
    }
}
