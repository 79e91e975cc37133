import Foundation
import GRDB
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

    /// The columns of ``keyFacts(_:at:)``, read from a `key.*` event's data (NULL for other events).
    static let keyFactColumns = """
        json_extract(a.data, '$.keyId'), json_extract(a.data, '$.model'),
        CASE WHEN json_extract(a.data, '$.flagged') THEN json_extract(a.data, '$.status') END
        """

    /// Which key an event is about, from the three ``keyFactColumns`` starting at `index`.
    static func keyFacts(_ row: Row, at index: Int) -> KeyEventFacts? {
        (row[index] as String?).map { KeyEventFacts(id: $0, model: row[index + 1], flag: row[index + 2]) }
    }

    /// Session events after `sequence`, oldest first, of one session or of one site's sessions (or of all
    /// sites when both are nil). Reads go by the audit sequence, so the cost is the events returned.
    public func sessionEvents(
        after sequence: Int64, session: SessionID?, site: SiteName?, limit: Int
    ) async throws -> [SessionFeedEvent] {
        var sql = """
            SELECT a.seq, a.time, a.type, a.sessionId, s.state, \(Self.keyFactColumns)
            FROM auditEvent a JOIN session s ON s.id = a.sessionId
            WHERE a.seq > ? AND a.type IN (\(Self.sessionEventTypes))
            """
        var arguments: [(any DatabaseValueConvertible)?] = [sequence]
        if let session { sql += " AND a.sessionId = ?"; arguments.append(session.rawValue) }
        if let site { sql += " AND s.site = ?"; arguments.append(site.value) }
        sql += " ORDER BY a.seq LIMIT ?"
        arguments.append(limit)
        let (query, statementArguments) = (sql, StatementArguments(arguments))
        return try await pool().read { db in
            try Row.fetchAll(db, sql: query, arguments: statementArguments).map { row in
                SessionFeedEvent(
                    sequence: row[0], time: row[1],
                    type: try parse(AuditEventType(rawValue: row[2]), "auditEvent.type"),
                    sessionID: try parse(SessionID(row[3] as String), "auditEvent.sessionId"),
                    sessionState: try parse(SessionState(rawValue: row[4]), "session.state"),
                    key: Self.keyFacts(row, at: 5))
            }
        }
    }
}
