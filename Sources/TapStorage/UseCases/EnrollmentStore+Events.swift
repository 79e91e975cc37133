import Foundation
import TapCore

/// One event of the session vocabulary as streams and webhooks carry it: never a pass, token or actor.
public struct SessionFeedEvent: Sendable, Equatable {
    public var sequence: Int64
    public var time: Date
    public var type: AuditEventType
    public var sessionID: SessionID
    /// The session's state when the event was read (for a live stream, the state the event left it in).
    public var sessionState: SessionState
    /// For `key.*` events: which key.
    public var key: KeyEventFacts?
}

extension EnrollmentStore {
    private static let sessionEventTypes = AuditEventType.allCases.filter(\.isSessionEvent)
        .map { "'\($0.rawValue)'" }.joined(separator: ",")

    /// The columns of ``keyFacts(_:at:)``, read from a `key.*` event's data (NULL for other events), in `dialect`'s
    /// JSON functions (the data column is JSON text on both engines).
    static func keyFactColumns(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            """
            json_extract(a.data, '$.keyId'), json_extract(a.data, '$.model'),
            CASE WHEN json_extract(a.data, '$.flagged') THEN json_extract(a.data, '$.status') END
            """
        case .postgres:
            """
            a.data::jsonb ->> 'keyId', a.data::jsonb ->> 'model',
            CASE WHEN (a.data::jsonb ->> 'flagged')::boolean THEN a.data::jsonb ->> 'status' END
            """
        }
    }

    /// Which key an event is about, from the three ``keyFactColumns(_:)`` starting at `index`.
    static func keyFacts(_ row: any StatementRow, at index: Int) throws -> KeyEventFacts? {
        guard let id = try row.optionalText(index) else { return nil }
        return KeyEventFacts(id: id, model: try row.optionalText(index + 1), flag: try row.optionalText(index + 2))
    }

    /// Session events after `sequence`, oldest first, of one session or of one site's sessions (or of all
    /// sites when both are nil). Reads go by the audit sequence, so the cost is the events returned.
    public func sessionEvents(
        after sequence: Int64, session: SessionID?, site: SiteName?, limit: Int
    ) async throws -> [SessionFeedEvent] {
        var conditions = SQLConditions()
        conditions.add("a.seq > ?", .integer(sequence))
        conditions.add("a.type IN (\(Self.sessionEventTypes))")
        conditions.match("a.sessionId", session?.rawValue)
        conditions.match("s.site", site?.value)
        let clause = conditions.clause + " ORDER BY a.seq LIMIT ?"
        let values = conditions.values + [.integer(Int64(limit))]
        return try await engine.read { db in
            try db.queryAll(
                """
                SELECT a.seq, a.time, a.type, a.sessionId, s.state, \(Self.keyFactColumns(db.dialect))
                FROM auditEvent a JOIN session s ON s.id = a.sessionId
                \(clause)
                """, values
            ) { row in
                SessionFeedEvent(
                    sequence: Int64(try row.integer(0)), time: try row.date(1),
                    type: try parse(AuditEventType(rawValue: try row.text(2)), "auditEvent.type"),
                    sessionID: try parse(SessionID(try row.text(3)), "auditEvent.sessionId"),
                    sessionState: try parse(SessionState(rawValue: try row.text(4)), "session.state"),
                    key: try Self.keyFacts(row, at: 5))
            }
        }
    }
}
