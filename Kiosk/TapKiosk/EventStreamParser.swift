/// One server-sent event as the `text/event-stream` format delivers it.
public struct ServerSentEvent: Equatable, Sendable {
    /// The last event id seen on the stream (what `Last-Event-ID` resumes from).
    public var id: String?
    /// The `event:` field; `message` when the server gave none.
    public var type: String
    /// The `data:` lines joined with newlines.
    public var data: String

    /// Makes an event.
    public init(id: String?, type: String, data: String) {
        self.id = id
        self.type = type
        self.data = data
    }
}

/// An incremental parser of the server-sent events format (WHATWG HTML, "Server-sent events"): bytes go in
/// as the network delivers them, split anywhere; whole events come out.
///
/// Lines end with CRLF, LF or CR; a CR at the end of one chunk may meet its LF in the next. A line longer
/// than ``maximumLineBytes`` is dropped, so a broken or hostile server cannot make the kiosk grow without end.
public struct EventStreamParser: Sendable {
    /// Longest line kept.
    public static let maximumLineBytes = 64 * 1024

    private var line: [UInt8] = []
    private var lineTooLong = false
    private var lastWasCR = false
    private var eventType = ""
    private var data: [String] = []
    private var hasData = false
    /// The id the stream resumes from; it survives events that do not set one.
    public private(set) var lastEventID: String?
    /// Comment lines seen (`: keep-alive`), so a watchdog can tell a quiet stream from a dead one.
    public private(set) var commentCount = 0

    /// Makes a parser; `lastEventID` carries over from a previous connection.
    public init(lastEventID: String? = nil) { self.lastEventID = lastEventID }

    /// Feeds bytes; returns the events completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                lastWasCR = true
                if let event = endLine() { events.append(event) }
            case 0x0A:
                if let event = endLine() { events.append(event) }
            default:
                if line.count < Self.maximumLineBytes { line.append(byte) } else { lineTooLong = true }
            }
        }
        return events
    }

    private mutating func endLine() -> ServerSentEvent? {
        defer {
            line.removeAll(keepingCapacity: true)
            lineTooLong = false
        }
        if lineTooLong { return nil }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") {
            commentCount += 1
            return nil
        }
        let field: String
        var value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var rest = line[(colon + 1)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = String(decoding: rest, as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event": eventType = value
        case "data":
            data.append(value)
            hasData = true
        case "id" where !value.contains("\0"): lastEventID = value
        default: value = ""  // `retry` and unknown fields: the kiosk keeps its own reconnect timing
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            eventType = ""
            data = []
            hasData = false
        }
        guard hasData else { return nil }
        return ServerSentEvent(
            id: lastEventID, type: eventType.isEmpty ? "message" : eventType, data: data.joined(separator: "\n"))
    }
}
