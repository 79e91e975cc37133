import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapCrypto
import TapGraph
import TapStorage

/// `/v1/sessions`: create, list, read, reissue, complete and cancel.
struct SessionsController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.post, "/v1/sessions", .operators(.issuers), handler: create)
        routes.add(.post, "/v1/sessions/batch", .operators(.batchIssuers), handler: createBatch)
        routes.add(.get, "/v1/sessions", .operators(.sessionReaders), handler: list)
        routes.add(.get, "/v1/sessions/{id}", .operators(.sessionReaders), handler: get)
        routes.add(.post, "/v1/sessions/{id}/pass", .operators(.issuers), handler: reissue)
        routes.add(.post, "/v1/sessions/{id}/complete", .operators(.issuers), handler: complete)
        routes.add(.post, "/v1/sessions/{id}/cancel", .operators(.issuers), handler: cancel)
        routes.add(.get, "/v1/sessions/{id}/trail", .operators(.sessionReaders), handler: trail)
    }

    /// The issuance trail: the session, who asked, and every step of the audit chain for it, with names.
    @Sendable func trail(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let session = try await pathSession(context, caller)
        let events = try await services.store.auditEvents(
            sessionID: session.id, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 1000)
        let operators = Dictionary(
            try await services.store.operators().map { ($0.identity.id.rawValue, $0.identity) },
            uniquingKeysWith: { first, _ in first })
        func actor(_ id: String) -> ActorSummary {
            guard let identity = operators[id] else { return ActorSummary(id: id) }
            return ActorSummary(
                id: id, name: identity.name, role: identity.role, site: identity.site,
                userPrincipalName: identity.userPrincipalName)
        }
        let steps = events.map { event in
            TrailStep(time: event.time, type: event.type, actor: actor(event.actor), data: AuditEventView(event).data)
        }
        return try JSONBody.response(
            IssuanceTrail(
                session: SessionView(session, now: services.world.now()),
                requestedBy: actor(session.createdBy.rawValue),
                steps: steps))
    }

    @Sendable func create(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let creator = try caller.operatorIdentity
        let (body, bytes) = try await JSONBody.decode(
            CreateSessionRequest.self, from: request, limits: services.configuration)
        let newSession = try Self.validate(body)
        let replaceExisting = body.replaceExisting ?? false
        guard let key = request.headers[.idempotencyKey] else {
            return try await created(
                services.authority.createSession(
                    newSession, by: creator, idempotency: nil, replaceExisting: replaceExisting))
        }
        guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw APIError.invalidRequest(
                "Idempotency-Key must be 1 to 200 visible ASCII characters", field: "Idempotency-Key")
        }
        guard await services.idempotencyGate.claim(key, operatorID: creator.id.rawValue) else {
            throw APIError(
                status: .conflict, code: .idempotencyInProgress,
                detail: "a request with this Idempotency-Key is still running; retry when it has finished")
        }
        let claim = IdempotencyClaim(key: key, requestDigest: try Crypto.sha256(bytes))
        let outcome: Result<CreateOutcome, any Error>
        do {
            outcome = .success(
                try await services.authority.createSession(
                    newSession, by: creator, idempotency: claim, replaceExisting: replaceExisting))
        } catch {
            outcome = .failure(error)
        }
        await services.idempotencyGate.release(key, operatorID: creator.id.rawValue)
        return try created(outcome.get())
    }

    /// Many creates in one request: each row answered on its own (207), one `Idempotency-Key` for the whole.
    @Sendable func createBatch(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let creator = try caller.operatorIdentity
        try JSONBody.checkContentType(request)
        let limits = services.configuration
        let bytes = try await JSONBody.bytes(of: request, limit: limits.maximumBatchBodyBytes)
        let envelope = try JSONBody.decode(BatchEnvelope.self, bytes: bytes)
        guard (1...StoreLimits.maximumBatchRows).contains(envelope.sessions.count) else {
            throw APIError.invalidRequest(
                "sessions must hold 1 to \(StoreLimits.maximumBatchRows) rows, got \(envelope.sessions.count)",
                field: "sessions")
        }
        // Each row is read and checked on its own, so that one bad row is that row's refusal, not the batch's.
        let encoder = WireJSON.encoder()
        let rows: [BatchRow] = envelope.sessions.map { value in
            do {
                return Self.batchRow(
                    try JSONBody.decode(CreateSessionRequest.self, bytes: Array(try encoder.encode(value))))
            } catch {
                return Self.refusedRow(error)
            }
        }
        let key = request.headers[.idempotencyKey]
        if let key {
            guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw APIError.invalidRequest(
                    "Idempotency-Key must be 1 to 200 visible ASCII characters", field: "Idempotency-Key")
            }
        }
        let batch = try await Self.createBatch(
            rows, by: creator, idempotencyKey: key, requestDigest: try Crypto.sha256(bytes), services: services)
        let now = services.world.now()
        let items = batch.rows.enumerated().map { index, row -> SessionBatchItem in
            switch row {
            case .created(let issued):
                SessionBatchItem(
                    index: index, status: 201, session: SessionView(issued.session, now: now, passValue: issued.pass))
            case .createdExternally(let issued):
                // Entra's value, passed through once: it is in no row, no log line and no event.
                SessionBatchItem(
                    index: index, status: 201,
                    session: SessionView(issued.session, now: now, externalPassValue: issued.pass))
            case .awaitingApproval(let session), .replayed(let session):
                SessionBatchItem(index: index, status: 201, session: SessionView(session, now: now))
            case .refused(let problem):
                SessionBatchItem(
                    index: index, status: problem.status,
                    problem: Problem(
                        status: problem.status, code: problem.code,
                        title: problem.title ?? "", detail: problem.detail,
                        field: problem.field, bound: problem.bound))
            }
        }
        context.logger.info(
            "batch.created",
            metadata: ["batch.rows": "\(items.count)", "batch.created": "\(items.filter { $0.status == 201 }.count)"])
        return try JSONBody.response(
            SessionBatchResponse(items: items), status: HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status"),
            headers: batch.replayed ? [.idempotentReplayed: "true"] : [:])
    }

    /// The batch use case behind `POST /v1/sessions/batch` and the console's bench import: the rows (each already
    /// checked on its own) in the store's batch, under an idempotency key when one is given, which one request of
    /// an operator holds at a time.
    static func createBatch(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotencyKey key: String?, requestDigest: [UInt8],
        services: AppServices
    ) async throws -> BatchOutcome {
        let gateKey = key.map { "batch\u{1F}\($0)" }
        if let gateKey {
            guard await services.idempotencyGate.claim(gateKey, operatorID: creator.id.rawValue) else {
                throw APIError(
                    status: .conflict, code: .idempotencyInProgress,
                    detail: "a request with this Idempotency-Key is still running; retry when it has finished")
            }
        }
        let outcome: Result<BatchOutcome, any Error>
        do {
            outcome = .success(
                try await services.authority.createSessions(
                    rows, by: creator, idempotency: key.map { IdempotencyClaim(key: $0, requestDigest: requestDigest) },
                    describe: { rowProblem($0) }))
        } catch {
            outcome = .failure(error)
        }
        if let gateKey { await services.idempotencyGate.release(gateKey, operatorID: creator.id.rawValue) }
        return try outcome.get()
    }

    /// A row of a batch as the store takes it: checked like a single create, or the refusal that check answered.
    static func batchRow(_ request: CreateSessionRequest) -> BatchRow {
        do {
            return .create(try validate(request), replaceExisting: request.replaceExisting ?? false)
        } catch {
            return refusedRow(error)
        }
    }

    /// A row that could not be read or checked: its refusal, as a single create would word it.
    static func refusedRow(_ error: any Error) -> BatchRow {
        .refused(
            rowProblem(error)
                ?? BatchRowProblem(
                    status: 400, code: ProblemCode.invalidRequest.rawValue, detail: "the row could not be read",
                    title: "Bad Request"))
    }

    /// How a row's refusal reads in a batch answer: what a single create would have answered. `nil` for an
    /// error that is not a refusal (it fails the whole batch).
    static func rowProblem(_ error: any Error) -> BatchRowProblem? {
        let apiError: APIError
        switch error {
        case let error as APIError: apiError = error
        case let error as EnrollmentError: apiError = APIError(error)
        case let error as EntraError: apiError = APIError(error)
        default: return nil
        }
        return BatchRowProblem(
            status: Int(apiError.status.code), code: apiError.code, detail: apiError.detail, field: apiError.field,
            bound: apiError.bound, title: apiError.status.reasonPhrase)
    }

    private func created(_ outcome: CreateOutcome) throws -> Response {
        let now = services.world.now()
        switch outcome {
        case .created(let issued):
            return try JSONBody.response(
                SessionView(issued.session, now: now, passValue: issued.pass), status: .created,
                headers: [.location: "/v1/sessions/\(issued.session.id)"])
        case .replayed(let session):
            return try JSONBody.response(
                SessionView(session, now: now), status: .created,
                headers: [.location: "/v1/sessions/\(session.id)", .idempotentReplayed: "true"])
        case .createdExternally(let issued):
            // Entra's value, passed through once: it is in no row, no log line and no event.
            return try JSONBody.response(
                SessionView(issued.session, now: now, externalPassValue: issued.pass), status: .created,
                headers: [.location: "/v1/sessions/\(issued.session.id)"])
        case .awaitingApproval(let session):
            // Created, without a pass: a second operator approves, then this operator collects the pass.
            return try JSONBody.response(
                SessionView(session, now: now), status: .created, headers: [.location: "/v1/sessions/\(session.id)"])
        }
    }

    /// The checks the grammar types cannot make: free-text bounds and the proofing record's shape.
    static func validate(_ body: CreateSessionRequest) throws -> NewSession {
        try checkText(body.reason, field: "reason", maximum: 500)
        try checkText(body.device?.model, field: "device.model", maximum: 100)
        try checkText(body.device?.assetTag, field: "device.assetTag", maximum: 64)
        try checkText(body.proofing?.checkedBy, field: "proofing.checkedBy", maximum: 200)
        try checkText(body.proofing?.reference, field: "proofing.reference", maximum: 200)
        return NewSession(
            scenario: body.scenario, userPrincipalName: body.userPrincipalName,
            device: body.device,
            site: body.site, reason: body.reason, proofing: body.proofing, pass: body.pass ?? PassRequest())
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let viewer = try caller.operatorIdentity
        let query = QueryReader(request)
        let filter = SessionFilter(
            state: try query.value("state", SessionState.init(rawValue:)),
            scenario: try query.value("scenario", Scenario.init(rawValue:)),
            site: try query.value("site", SiteName.init),
            userPrincipalName: try query.value("userPrincipalName", UserPrincipalName.init),
            serialNumber: try query.value("serialNumber", SerialNumber.init))
        let page = try await services.store.sessions(
            matching: filter, visibleTo: viewer, after: try query.value("cursor", SessionID.init),
            limit: try query.limit())
        let now = services.world.now()
        return try JSONBody.response(
            SessionList(items: page.items.map { SessionView($0, now: now) }, nextCursor: page.nextCursor))
    }

    @Sendable func get(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let session = try await pathSession(context, caller)
        return try JSONBody.response(SessionView(session, now: services.world.now()))
    }

    /// The session the path names, when the caller may see it; otherwise not found.
    func pathSession(_ context: TapRequestContext, _ caller: Caller) async throws -> Session {
        let viewer = try caller.operatorIdentity
        guard
            let session = try await services.store.session(
                try context.pathID(naming: "session") as SessionID, visibleTo: viewer)
        else {
            throw APIError.notFound("session")
        }
        return session
    }

    @Sendable func reissue(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        let actor = try caller.operatorIdentity
        let id = try context.pathID(naming: "session") as SessionID
        let (body, _) = try await JSONBody.decode(PassRequest.self, from: request, limits: services.configuration)
        let now = services.world.now()
        switch try await services.authority.reissuePass(id, request: body, by: actor) {
        case .local(let issued):
            return try JSONBody.response(
                SessionView(issued.session, now: now, passValue: issued.pass), status: .created)
        case .external(let issued):
            return try JSONBody.response(
                SessionView(issued.session, now: now, externalPassValue: issued.pass), status: .created)
        }
    }

    @Sendable func complete(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        let session = try await services.authority.completeSession(
            try context.pathID(naming: "session") as SessionID, by: try caller.operatorIdentity)
        return try JSONBody.response(SessionView(session, now: services.world.now()))
    }

    @Sendable func cancel(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let id = try context.pathID(naming: "session") as SessionID
        let (body, _) = try await JSONBody.decode(CancelRequest.self, from: request, limits: services.configuration)
        try checkText(body.reason, field: "reason", maximum: 500)
        let session = try await services.authority.cancelSession(id, reason: body.reason, by: actor)
        return try JSONBody.response(SessionView(session, now: services.world.now()))
    }

}

/// A batch as read first: rows stay raw JSON until each is read on its own.
private struct BatchEnvelope: Decodable {
    var sessions: [JSONValue]
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
