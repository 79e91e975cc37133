import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapAPI
import TapCore
import TapStorage

/// The audit pages, for admins and auditors: search the chain by type, session, user, operator, site and time
/// (newest first, a page at a time); one session's whole trail on one screen; verify the chain against the anchor
/// kept outside the database; and export a range as JSON lines. A site-scoped viewer sees only their site's
/// sessions' events, as in `GET /v1/audit`.
struct ConsoleAuditController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    static let readers: Set<Role> = [.admin, .auditor]
    static let pageSize = 50
    /// Events read per step of an export, so that a long range streams in bounded memory.
    static let exportChunk = 1000

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/audit", .anyone, handler: search)
        routes.add(.get, "/console/audit/sessions/{id}", .anyone, handler: trail)
        routes.add(.post, "/console/audit/verify", .anyone, handler: verify)
        routes.add(.get, "/console/audit/export", .anyone, handler: export)
    }

    @Sendable func search(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.readers, to: "read the audit log")
        let fields = QueryReader(request).parameters
        var problem: String?
        var page = Page<AuditEvent>(items: [], nextCursor: nil)
        do {
            let query = try Self.query(fields)
            page = try await services.store.searchAudit(query, visibleTo: session.operator.identity)
        } catch let error as APIError {
            problem = error.detail
        }
        let html = ConsolePages.auditSearch(
            person: gate.person(session), query: fields, events: page.items, nextCursor: page.nextCursor,
            names: try await operatorNames(), operators: try await services.store.operators(), problem: problem,
            verification: nil)
        return PageResponse.html(html, status: problem == nil ? .ok : .badRequest)
    }

    @Sendable func trail(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let signedIn = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(signedIn, Self.readers, to: "read the audit log")
        guard let id = try? context.pathID(naming: "session") as SessionID,
            let session = try await services.store.session(id, visibleTo: signedIn.operator.identity)
        else { throw APIError.notFound("session") }
        let events = try await services.store.auditEvents(
            sessionID: session.id, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 1000)
        let html = ConsolePages.auditTrail(
            person: gate.person(signedIn), session: session, events: events, names: try await operatorNames(),
            now: services.world.now())
        return PageResponse.html(html, status: .ok)
    }

    /// Walks the whole chain (seconds at millions of events), so it is a form post, not a link a crawler follows.
    @Sendable func verify(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, _) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.readers, to: "verify the audit chain")
        let verification: ConsolePages.ChainCheck
        // An anchor file that cannot be read is a finding of its own, never a check without an anchor.
        switch Result(catching: { try services.facts.auditAnchor() }) {
        case .failure:
            verification = .anchorUnreadable
        case .success(let anchor):
            switch try await services.store.verifyAudit(anchor: anchor) {
            case .intact(let events): verification = .intact(events: events, anchored: anchor != nil)
            case .broken(let sequence, let reason): verification = .broken(sequence: sequence, reason: reason)
            }
        }
        let html = ConsolePages.auditSearch(
            person: gate.person(session), query: [:], events: [], nextCursor: nil, names: [:], operators: [],
            problem: nil, verification: verification)
        return PageResponse.html(html, status: .ok)
    }

    /// The events of a time range, oldest first, one JSON object per line (as `GET /v1/audit` shows them).
    @Sendable func export(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.readers, to: "export the audit log")
        var asked = try Self.query(QueryReader(request).parameters)
        asked.before = nil
        asked.oldestFirst = true
        asked.limit = Self.exportChunk
        let first = asked
        let viewer = session.operator.identity
        let store = services.store
        var headers = PageResponse.securityHeaders
        headers[.contentType] = "application/x-ndjson"
        headers[.contentDisposition] = "attachment; filename=\"tapstation-audit.jsonl\""
        headers[.cacheControl] = "no-store"
        let encoder = WireJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var query = first
                while true {
                    let events = try await store.searchAudit(query, visibleTo: viewer).items
                    var buffer = ByteBuffer()
                    for event in events {
                        buffer.writeBytes(try encoder.encode(AuditEventView(event)))
                        buffer.writeInteger(UInt8(ascii: "\n"))
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                    guard events.count == Self.exportChunk, let last = events.last else { break }
                    query.after = last.sequence
                }
                try await writer.finish(nil)
            })
    }

    /// The search form's fields as a query; a field that cannot be read is a refusal naming it.
    static func query(_ fields: [String: String]) throws -> AuditQuery {
        func text(_ name: String) -> String? {
            let value = fields[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return value.isEmpty ? nil : value
        }
        func read<T>(_ name: String, _ what: String, _ parse: (String) -> T?) throws -> T? {
            guard let raw = text(name) else { return nil }
            guard let value = parse(raw) else { throw APIError.invalidRequest("\(what) cannot be read", field: name) }
            return value
        }
        func day(_ text: String) -> Date? {
            guard text.utf8.count == 10, let day = UTCTime.parse(text + " 00:00:00"), UTCTime.text(day).hasPrefix(text)
            else { return nil }
            return day
        }
        return AuditQuery(
            type: try read("type", "The event type", AuditEventType.init(rawValue:)),
            sessionID: try read("session", "The session id", SessionID.init),
            userPrincipalName: try read("user", "The user", UserPrincipalName.init),
            actor: try read("operator", "The operator", { $0.utf8.count <= 64 ? $0 : nil }),
            site: try read("site", "The site", SiteName.init),
            since: try read("from", "The first day (yyyy-mm-dd)", day),
            until: try read("to", "The last day (yyyy-mm-dd)", day).map { $0.addingTimeInterval(86_400) },
            before: try read("before", "The page", { Int64($0) }), limit: pageSize)
    }

    private func operatorNames() async throws -> [String: String] {
        Dictionary(
            try await services.store.operators().map { ($0.identity.id.rawValue, $0.identity.name) },
            uniquingKeysWith: { first, _ in first })
    }
}
