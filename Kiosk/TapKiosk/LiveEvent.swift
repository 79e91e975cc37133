import Foundation
import TapAPI
import TapCore

/// A step of a session as the service's event stream reports it (API.md, "Events").
///
/// Decoded leniently from the `data:` JSON so that an event type the kiosk does not know yet is still shown,
/// and a malformed event is skipped instead of ending the stream.
public struct LiveEvent: Equatable, Sendable {
    /// The sequence number as text (what `Last-Event-ID` carries).
    public var id: String
    /// `pass.used`, `device.enrolled`, ...
    public var type: String
    /// When it happened, by the server's clock.
    public var time: Date?
    public var sessionID: SessionID?
    /// The session's state after the event.
    public var state: SessionState?
    /// For `key.*` events: the key's model, when FIDO's metadata names it.
    public var keyModel: String?

    /// Makes an event.
    public init(
        id: String, type: String, time: Date? = nil, sessionID: SessionID? = nil, state: SessionState? = nil,
        keyModel: String? = nil
    ) {
        self.keyModel = keyModel
        self.id = id
        self.type = type
        self.time = time
        self.sessionID = sessionID
        self.state = state
    }

    private struct Payload: Decodable {
        var id: String?
        var type: String?
        var time: String?
        var sessionId: String?
        var state: String?
        var key: KeyEventFacts?
    }

    /// The event in a server-sent event, or `nil` when its data is not one.
    public init?(_ event: ServerSentEvent) {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(event.data.utf8)) else { return nil }
        guard let id = payload.id ?? event.id, let type = payload.type ?? (event.type == "message" ? nil : event.type)
        else {
            return nil
        }
        self.init(
            id: id, type: type, time: payload.time.flatMap(WireJSON.parseTime),
            sessionID: payload.sessionId.flatMap(SessionID.init),
            state: payload.state.flatMap(SessionState.init(rawValue:)), keyModel: payload.key?.model)
    }

    /// What the live log says about it; `nil` for events not worth a line on a kiosk.
    public var logText: String? {
        switch type {
        case "session.created": "session created"
        case "session.approved": "approved by a second person"
        case "session.rejected": "approval refused"
        case "pass.issued": "pass issued"
        case "pass.used": "pass used: a sign-in with it succeeded"
        case "pass.refused": "a wrong pass was tried"
        case "pass.expired": "pass expired"
        case "pass.locked": "pass locked: too many wrong passes"
        case "pass.revoked": "pass revoked"
        case "pass.revocationConfirmed": "pass deleted in Entra"
        case "device.enrolled": "device enrolled"
        case "key.registered":
            keyModel.map { "security key registered: \(TerminalText.sanitized($0.prefix(60)))" }
                ?? "security key registered"
        case "key.verified": "test sign-in with the key succeeded"
        case "session.completed": "session completed"
        case "session.cancelled": "session cancelled"
        case "session.abandoned": "session abandoned: the deadline passed"
        default: type.count <= 40 ? type : nil
        }
    }
}
