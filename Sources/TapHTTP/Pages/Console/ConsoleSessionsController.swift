import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapStorage

/// The console's work on sessions: a new pass (shown once, in the answer to the form), one session with its
/// live timeline, collecting an approved pass, cancelling, and finding sessions. Every write goes through the
/// same pass authority and store calls as the API, with the signed-in person as the operator, so no rule is
/// skipped and the audit names the person.
struct ConsoleSessionsController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    /// How long a pass stays on screen before the page hides it.
    static let passDisplaySeconds = 120
    static let findPageSize = 50

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/new", .anyone, handler: newPassForm)
        routes.add(.post, "/console/new", .anyone, handler: createPass)
        routes.add(.get, "/console/find", .anyone, handler: find)
        routes.add(.get, "/console/sessions/{id}", .anyone, handler: sessionPage)
        routes.add(.post, "/console/sessions/{id}/pass", .anyone, handler: collectPass)
        routes.add(.post, "/console/sessions/{id}/cancel", .anyone, handler: cancel)
        routes.add(.get, "/console/sessions/{id}/events", .anyone, handler: events)
    }

    @Sendable func newPassForm(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .issuers, to: "make passes")
        let html = ConsolePages.newPass(
            person: gate.person(session), form: ConsolePages.NewPassForm(), presets: try await presets())
        return PageResponse.html(html, status: .ok)
    }

    @Sendable func createPass(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .issuers, to: "make passes")
        var form = ConsolePages.NewPassForm(fields: fields)
        let me = session.operator.identity
        do {
            let newSession = try SessionsController.validate(try Self.request(from: fields, errors: &form.errors))
            guard form.errors.isEmpty else { throw FormIncomplete() }
            let outcome = try await services.authority.createSession(
                newSession, by: me, idempotency: nil, replaceExisting: false)
            let now = services.world.now()
            switch outcome {
            case .created(let issued):
                return try await shownOnce(session, issued.session, pass: issued.pass.grouped, now: now)
            case .createdExternally(let issued):
                return try await shownOnce(session, issued.session, pass: issued.pass.revealed, now: now)
            case .awaitingApproval(let waiting), .replayed(let waiting):
                return ConsoleGate.redirect(to: "/console/sessions/\(waiting.id)")
            }
        } catch is FormIncomplete {
        } catch {
            let refusal = try Self.refusal(error)
            form.errors[Self.formField(refusal.field)] = refusal.detail
        }
        let html = ConsolePages.newPass(person: gate.person(session), form: form, presets: try await presets())
        return PageResponse.html(html, status: .unprocessableContent)
    }

    @Sendable func find(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        let me = session.operator.identity
        var query: [String: String] = [:]
        for item in request.uri.queryParameters {
            query[String(item.key)] = String(item.value).trimmingCharacters(in: .whitespaces)
        }
        let text = { (name: String) in query[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let id = text("id").flatMap(SessionID.init),
            try await services.store.session(id, visibleTo: me) != nil
        {
            return ConsoleGate.redirect(to: "/console/sessions/\(id)")
        }
        // A value that cannot match (a malformed name or serial) finds nothing rather than everything.
        let filter = SessionFilter(
            state: text("state").flatMap(SessionState.init(rawValue:)), site: text("site").flatMap(SiteName.init),
            userPrincipalName: text("user").flatMap(UserPrincipalName.init),
            serialNumber: text("serial").flatMap(SerialNumber.init))
        let before = text("before").flatMap(Self.firstIDAfterDay)
        let unreadable =
            (text("before") != nil && before == nil)
            || (text("user") != nil && filter.userPrincipalName == nil)
            || (text("serial") != nil && filter.serialNumber == nil) || (text("site") != nil && filter.site == nil)
            || (text("id") != nil)
        let page =
            unreadable
            ? Page<Session>(items: [], nextCursor: nil)
            : try await services.store.sessions(
                matching: filter, visibleTo: me, after: text("cursor").flatMap(SessionID.init) ?? before,
                limit: Self.findPageSize)
        let html = ConsolePages.find(
            person: gate.person(session), query: query, sessions: page.items, nextCursor: page.nextCursor,
            now: services.world.now())
        return PageResponse.html(html, status: .ok)
    }

    @Sendable func sessionPage(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        guard let signedIn = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        let session = try await visibleSession(context, signedIn)
        let now = services.world.now()
        let canCollect =
            Set<Role>.issuers.contains(signedIn.operator.identity.role)
            && session.createdBy == signedIn.operator.identity.id && session.approval?.decidedAt != nil
            && session.pass == nil && !session.effectiveState(at: now).isTerminal
        let html = ConsolePages.session(
            person: gate.person(signedIn), session: session, canCollect: canCollect, now: now)
        return PageResponse.html(html, status: .ok)
    }

    /// The requester collects an approved pass (or anyone a fresh one where the rules allow): shown once.
    @Sendable func collectPass(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        guard let (signedIn, _) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(signedIn, .issuers, to: "collect passes")
        let id = try context.pathID(naming: "session") as SessionID
        let now = services.world.now()
        switch try await services.authority.reissuePass(id, request: PassRequest(), by: signedIn.operator.identity) {
        case .local(let issued):
            return try await shownOnce(signedIn, issued.session, pass: issued.pass.grouped, now: now)
        case .external(let issued):
            return try await shownOnce(signedIn, issued.session, pass: issued.pass.revealed, now: now)
        }
    }

    @Sendable func cancel(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (signedIn, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(signedIn, .issuers, to: "cancel sessions")
        let id = try context.pathID(naming: "session") as SessionID
        let reason = fields["reason"]?.trimmingCharacters(in: .whitespaces) ?? ""
        try checkText(reason, field: "reason", maximum: 500)
        _ = try await services.authority.cancelSession(
            id, reason: reason.isEmpty ? nil : reason, by: signedIn.operator.identity)
        return ConsoleGate.redirect(to: "/console/sessions/\(id)")
    }

    /// The session's events for its page's timeline; ends with the console session, which it does not keep alive.
    @Sendable func events(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let signedIn = try await gate.signedIn(request, context),
            let cookie = PageResponse.cookie(ConsoleGate.cookieName, in: request)
        else { throw APIError(status: .unauthorized, code: .unauthorized, detail: "sign in to the console") }
        let session = try await visibleSession(context, signedIn)
        let lease = try services.streams.admit(signedIn.operator.identity.id)
        let store = services.store
        let stream = EventStream(
            store: services.store, session: session.id, site: nil,
            after: try EventsController.lastEventID(request) ?? 0,
            closedState: session.storedState.isTerminal ? session.storedState : nil,
            configuration: services.configuration, lease: lease,
            tokenInForce: { (try? await store.consoleSession(cookie: cookie, idleTimeout: nil)) != nil })
        return stream.response()
    }

    // MARK: Shared steps

    private func shownOnce(
        _ signedIn: ConsoleSession, _ session: Session, pass: String, now: Date
    ) async throws
        -> Response
    {
        let policy = try await services.store.policy()
        let html = ConsolePages.passShownOnce(
            person: gate.person(signedIn), session: session, pass: pass, displaySeconds: Self.passDisplaySeconds,
            paperAllowed: policy.paperPassesAllowed ?? false, now: now)
        return PageResponse.html(html, status: .created)
    }

    private func visibleSession(_ context: TapRequestContext, _ signedIn: ConsoleSession) async throws -> Session {
        guard let id = try? context.pathID(naming: "session") as SessionID,
            let session = try await services.store.session(id, visibleTo: signedIn.operator.identity)
        else { throw APIError.notFound("session") }
        return session
    }

    /// The smallest id a session made after the day `yyyy-MM-dd` (UTC) can have: ids begin with their creation
    /// time, so every session made on or before that day sorts below it, and it serves as the page's cursor.
    static func firstIDAfterDay(_ text: String) -> SessionID? {
        // The store's own time reader; a day that does not exist (2026-02-31) rolls over, so it must read back.
        guard text.utf8.count == 10, let day = UTCTime.parse(text + " 00:00:00"), UTCTime.text(day).hasPrefix(text)
        else { return nil }
        return SessionID(time: day.addingTimeInterval(86_400), random: [UInt8](repeating: 0, count: 10))
    }

    private func presets() async throws -> [String] {
        try await services.store.policy().presets.keys.sorted()
    }

    /// The API's create request from the form's fields; what cannot be read is noted in `errors`.
    static func request(from fields: [String: String], errors: inout [String: String]) throws -> CreateSessionRequest {
        func text(_ name: String) -> String? {
            guard let value = fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        let scenario = text("scenario").flatMap(Scenario.init(rawValue:)) ?? .deviceEnrollment
        let user = text("user").flatMap(UserPrincipalName.init)
        if user == nil { errors["user"] = "Type the user's sign-in name, like ada@contoso.example." }
        var device: DeviceDescription?
        if let serial = text("serial") {
            if let number = SerialNumber(serial) {
                let platform = text("platform").flatMap(DevicePlatform.init(rawValue:)) ?? .other
                device = DeviceDescription(serialNumber: number, platform: platform)
            } else {
                errors["serial"] = "A serial number is 1 to 64 letters, digits, dashes or dots."
            }
        } else if scenario == .deviceEnrollment {
            errors["serial"] = "Type the device's serial number."
        }
        var proofing: Proofing?
        if let method = text("proofing").flatMap(Proofing.Method.init(rawValue:)) {
            proofing = Proofing(method: method, reference: text("reference"))
        }
        let pass = text("preset").map { PassRequest(preset: $0) }
        guard let user else { return CreateSessionRequest(scenario: scenario, userPrincipalName: Self.placeholder) }
        return CreateSessionRequest(
            scenario: scenario, userPrincipalName: user, device: device, reason: text("reason"), proofing: proofing,
            pass: pass)
    }

    /// Stands in for a user name the form did not give, so that the other fields are still checked.
    private static let placeholder = UserPrincipalName("unknown@invalid.example")!

    /// The refusal a use case answered, as the API would word it.
    static func refusal(_ error: any Error) throws -> APIError {
        switch error {
        case let apiError as APIError: return apiError
        case let enrollmentError as EnrollmentError: return APIError(enrollmentError)
        default: throw error
        }
    }

    /// The form field an API field name belongs to; `""` (the top of the form) for the rest.
    static func formField(_ apiField: String?) -> String {
        switch apiField {
        case "userPrincipalName": "user"
        case "device.serialNumber", "device": "serial"
        case "reason": "reason"
        case "pass.preset", "preset": "preset"
        case .some(let field) where field.hasPrefix("proofing"): "proofing"
        default: ""
        }
    }
}

/// The form had errors of its own; the store was not asked.
private struct FormIncomplete: Error {}
