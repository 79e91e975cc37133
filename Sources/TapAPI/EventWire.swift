import Foundation
import TapCore

/// One server-sent event's `data`: the same JSON that webhooks will carry. Never a pass or token.
///
/// On the wire each event is `id: <id>`, `event: <type>`, `data: <this JSON>` and a blank line; the `id`
/// is the audit sequence number, which a client sends back as `Last-Event-ID` to resume.
public struct StreamEventWire: Codable, Sendable, Equatable {
    public var id: String
    public var type: AuditEventType
    public var time: Date
    public var sessionId: SessionID
    /// The session's state when the event was sent.
    public var state: SessionState
    /// For `key.*` events: which key, its model, and the status it is flagged with.
    public var key: KeyEventFacts?

    /// Makes an event.
    public init(
        id: String, type: AuditEventType, time: Date, sessionId: SessionID, state: SessionState,
        key: KeyEventFacts? = nil
    ) {
        self.key = key
        self.id = id
        self.type = type
        self.time = time
        self.sessionId = sessionId
        self.state = state
    }
}
