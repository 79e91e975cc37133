import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization
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
    @Sendable func sessionEvents(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let id: SessionID = try context.pathID(naming: "session")
        let viewer = try caller.operatorIdentity
        guard let session = try await services.store.session(id, visibleTo: viewer) else {
            throw APIError.notFound("session")
        }
        let after = try Self.lastEventID(request) ?? 0
        let (lease, tokenInForce) = try Self.admit(
            viewer, token: Authenticator.bearerToken(request), services: services)
        let stream = EventStream(
            store: services.store, session: id, site: nil, after: after,
            closedState: session.storedState.isTerminal ? session.storedState : nil,
            configuration: services.configuration,
            lease: lease, tokenInForce: tokenInForce)
        return stream.response()
    }

    /// A site's events from now on (or after `Last-Event-ID`). A site-scoped token sees its own site only;
    /// a global one may name a site or, naming none, follow every site.
    @Sendable func siteEvents(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let viewer = try caller.operatorIdentity
        let named = try QueryReader(request).value("site", SiteName.init)
        if let own = viewer.site, let named, named != own {
            throw APIError.forbidden("this token belongs to site \(own.value)")
        }
        let after = try Self.lastEventID(request) ?? services.store.feed.latest
        let (lease, tokenInForce) = try Self.admit(
            viewer, token: Authenticator.bearerToken(request), services: services)
        let stream = EventStream(
            store: services.store, session: nil, site: viewer.site ?? named, after: after, closedState: nil,
            configuration: services.configuration, lease: lease, tokenInForce: tokenInForce)
        return stream.response()
    }

    /// Takes a stream's place for `viewer` (429 `too_many_streams` past a cap), with the check the stream repeats
    /// while it is open: whether `token` still works (not revoked, expired, or past a rotation's grace).
    static func admit(
        _ viewer: OperatorIdentity, token: BearerToken?, services: AppServices
    ) throws -> (EventStreamLease, @Sendable () async -> Bool) {
        let lease = try services.streams.admit(viewer.id)
        let store = services.store
        return (
            lease,
            {
                guard let token else { return false }
                // A failed read is not a verdict: the next check asks again.
                guard let lookup = try? await store.operatorForToken(token) else { return true }
                if case .valid(let found) = lookup { return found.identity.id == viewer.id }
                return false
            }
        )
    }

    private static let lastEventIDField = HTTPField.Name("Last-Event-ID")!

    static func lastEventID(_ request: Request) throws -> Int64? {
        guard let text = request.headers[lastEventIDField] else { return nil }
        guard text.utf8.count <= 19, text.allSatisfy(\.isASCIIDigit), let value = Int64(text) else {
            throw APIError.invalidRequest(
                "Last-Event-ID must be the id of an event this server sent", field: "Last-Event-ID")
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// One open stream: reads events after the last one sent whenever the audit feed says the chain grew,
/// writes them as `text/event-stream`, and sends a comment line after `heartbeat` without one so a dead client
/// is noticed and proxies keep the connection. Graceful shutdown ends it, so the server can stop, and so
/// do its lifetime running out, its operator's revocation (``EventStreamRegistry/endStreams(of:)``) and its
/// token ceasing to work (checked at every wake-up and every ``tokenCheckInterval``).
struct EventStream: Sendable {
    let store: any AuditStore & OperatorStore
    let session: SessionID?
    let site: SiteName?
    let after: Int64
    /// For a session stream, the session's state if it is already closed.
    let closedState: SessionState?
    let configuration: ServerConfiguration
    /// The stream's place in the ``EventStreamRegistry``, given back when it ends.
    let lease: EventStreamLease
    /// Whether the token that opened the stream still works.
    let tokenInForce: @Sendable () async -> Bool

    /// Events read per query; a backlog larger than this is sent in several reads.
    static let batchSize = 200
    /// How often an idle stream checks its token: an expired token, a rotated-out one past its grace, or one
    /// revoked by another process (the CLI) makes no event this stream would wake for.
    static let tokenCheckInterval: Duration = .seconds(1)

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        // Tells nginx-style proxies not to buffer the stream.
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await run(&writer) })
    }

    private func run(_ writer: inout any ResponseBodyWriter) async throws {
        let (wakes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // A wake-up is an event committed, a tick, or a revocation; only the first needs a read of the database.
        let advanced = AdvanceFlag()
        // Listen before the first read, so that nothing committed in between is missed.
        let listener = store.feed.listen { _ in
            advanced.raise()
            continuation.yield()
        }
        defer { store.feed.stopListening(listener) }
        // Before the listener goes: a stream no longer listening has given its place back.
        defer { lease.release() }
        lease.onEnd { continuation.yield() }
        let (heartbeat, end) = (configuration.eventHeartbeat, ContinuousClock.now + configuration.eventStreamLifetime)
        let tick = min(Self.tokenCheckInterval, heartbeat)
        let ticker = Task {
            while !Task.isCancelled {
                let left = end - ContinuousClock.now
                guard left > .zero else { break }
                try await Task.sleep(for: min(tick, left))
                if ContinuousClock.now < end { continuation.yield() }
            }
            continuation.finish()  // what was already announced is still read before the stream ends
        }
        defer { ticker.cancel() }

        try await withGracefulShutdownHandler {
            // The retry hint and an opening comment let a client know at once that it is connected.
            try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
            var lastWrite = ContinuousClock.now
            let encoder = WireJSON.encoder()
            var last = after
            var closed = closedState
            var pending = wakes.makeAsyncIterator()
            var needsRead = true
            while true {
                while needsRead {
                    let read = try await store.sessionEvents(
                        after: last, session: session, site: site, limit: Self.batchSize)
                    guard !read.isEmpty else { break }
                    var buffer = ByteBuffer()
                    for event in read { buffer.writeString(try Self.frame(event, encoder: encoder)) }
                    try await writer.write(buffer)
                    lastWrite = ContinuousClock.now
                    last = read[read.count - 1].sequence
                    if session != nil, let state = read.last?.sessionState, state.isTerminal { closed = state }
                    needsRead = read.count == Self.batchSize
                }
                if session != nil, closed != nil { break }
                guard await pending.next() != nil else { break }  // finished: lifetime over, or shutting down
                // A revoked, expired or rotated-out token stops receiving now, not at the end of the lifetime.
                guard !lease.isEnded, await tokenInForce() else { break }
                needsRead = advanced.take()
                if !needsRead, ContinuousClock.now - lastWrite >= heartbeat {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    lastWrite = ContinuousClock.now
                }
            }
            try await writer.finish(nil)
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    static func frame(_ event: SessionFeedEvent, encoder: JSONEncoder) throws -> String {
        let wire = StreamEventWire(
            id: String(event.sequence), type: event.type, time: event.time, sessionId: event.sessionID,
            state: event.sessionState, key: event.key)
        let json = String(decoding: try encoder.encode(wire), as: UTF8.self)
        return "id: \(event.sequence)\nevent: \(event.type.rawValue)\ndata: \(json)\n\n"
    }
}

/// Raised by the audit feed's callback, taken by the stream's loop: whether a wake-up found events to read.
private final class AdvanceFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .releasing) }

    func take() -> Bool { raised.exchange(false, ordering: .acquiringAndReleasing) }
}
