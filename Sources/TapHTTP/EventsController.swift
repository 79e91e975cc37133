import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import TapAPI
import TapCore
import TapStorage

/// Server-sent events: one session's events, or one site's.
struct EventsController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.get, "/v1/sessions/{id}/events", .operators(.sessionReaders), handler: sessionEvents)
        routes.add(.get, "/v1/events", .operators(.siteEventReaders), handler: siteEvents)
    }

    /// Without `Last-Event-ID` the stream starts with the session's whole history; it ends once the session
    /// is closed and every event up to that point was sent.
    @Sendable func sessionEvents(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let id: SessionID = try context.pathID(naming: "session")
        guard let session = try await services.store.session(id, visibleTo: try caller.operatorIdentity) else {
            throw APIError.notFound("session")
        }
        let stream = EventStream(
            store: services.store, session: id, site: nil, after: try Self.lastEventID(request) ?? 0,
            closedState: session.storedState.isTerminal ? session.storedState : nil, configuration: services.configuration)
        return stream.response()
    }

    /// A site's events from now on (or after `Last-Event-ID`). A site-scoped token sees its own site only;
    /// a global one may name a site or, naming none, follow every site.
    @Sendable func siteEvents(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let viewer = try caller.operatorIdentity
        let named = try QueryReader(request).value("site", SiteName.init)
        if let own = viewer.site, let named, named != own {
            throw APIError.forbidden("this token belongs to site \(own.value)")
        }
        let stream = EventStream(
            store: services.store, session: nil, site: viewer.site ?? named,
            after: try Self.lastEventID(request) ?? services.store.feed.latest, closedState: nil,
            configuration: services.configuration)
        return stream.response()
    }

    private static let lastEventIDField = HTTPField.Name("Last-Event-ID")!

    static func lastEventID(_ request: Request) throws -> Int64? {
        guard let text = request.headers[lastEventIDField] else { return nil }
        guard text.utf8.count <= 19, text.allSatisfy(\.isASCIIDigit), let value = Int64(text) else {
            throw APIError.invalidRequest("Last-Event-ID must be the id of an event this server sent", field: "Last-Event-ID")
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// One open stream: reads events after the last one sent whenever the audit feed says the chain grew,
/// writes them as `text/event-stream`, and sends a comment line every `heartbeat` so a dead client is
/// noticed and proxies keep the connection. Graceful shutdown ends it, so the server can stop, and so
/// does its lifetime running out.
struct EventStream: Sendable {
    let store: EnrollmentStore
    let session: SessionID?
    let site: SiteName?
    let after: Int64
    /// For a session stream, the session's state if it is already closed.
    let closedState: SessionState?
    let configuration: ServerConfiguration

    /// Events read per query; a backlog larger than this is sent in several reads.
    static let batchSize = 200

    private enum Wake: Sendable { case advanced, heartbeat }

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        // Tells nginx-style proxies not to buffer the stream.
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await run(&writer) })
    }

    private func run(_ writer: inout any ResponseBodyWriter) async throws {
        let (wakes, continuation) = AsyncStream<Wake>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Listen before the first read, so that nothing committed in between is missed.
        let listener = store.feed.listen { _ in continuation.yield(.advanced) }
        defer { store.feed.stopListening(listener) }
        let (interval, end) = (configuration.eventHeartbeat, ContinuousClock.now + configuration.eventStreamLifetime)
        let ticker = Task {
            while !Task.isCancelled {
                let left = end - ContinuousClock.now
                guard left > .zero else { break }
                try await Task.sleep(for: min(interval, left))
                if ContinuousClock.now < end { continuation.yield(.heartbeat) }
            }
            continuation.finish()  // what was already announced is still read before the stream ends
        }
        defer { ticker.cancel() }

        try await withGracefulShutdownHandler {
            // The retry hint and an opening comment let a client know at once that it is connected.
            try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
            let encoder = WireJSON.encoder()
            var last = after
            var closed = closedState
            var pending = wakes.makeAsyncIterator()
            while true {
                var read: [SessionFeedEvent]
                repeat {
                    read = try await store.sessionEvents(after: last, session: session, site: site, limit: Self.batchSize)
                    guard !read.isEmpty else { break }
                    var buffer = ByteBuffer()
                    for event in read { buffer.writeString(try Self.frame(event, encoder: encoder)) }
                    try await writer.write(buffer)
                    last = read[read.count - 1].sequence
                    if session != nil, let state = read.last?.sessionState, state.isTerminal { closed = state }
                } while read.count == Self.batchSize
                if session != nil, closed != nil { break }
                guard let wake = await pending.next() else { break }  // finished: lifetime over, or shutting down
                if wake == .heartbeat { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
            }
            try await writer.finish(nil)
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    static func frame(_ event: SessionFeedEvent, encoder: JSONEncoder) throws -> String {
        let wire = StreamEventWire(
            id: String(event.sequence), type: event.type, time: event.time, sessionId: event.sessionID, state: event.sessionState)
        let json = String(decoding: try encoder.encode(wire), as: UTF8.self)
        return "id: \(event.sequence)\nevent: \(event.type.rawValue)\ndata: \(json)\n\n"
    }
}
