import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// A user's page: their recent sessions (with devices and pass states), their security keys and issuance
/// locks, and for approvers the API's incident tools: revoke everything of the user, and lock or unlock issuance
/// for a time. Each tool is the same store call as `POST /v1/users/{upn}/revoke` and `PUT|DELETE
/// /v1/users/{upn}/issuance-lock`, with the same checks, so no path skips a rule.
struct ConsoleUsersController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    /// Sessions and keys shown on the page; the find page pages through the rest.
    static let rowsShown = 20

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/users/{userPrincipalName}", .anyone, handler: userPage)
        routes.add(.post, "/console/users/{userPrincipalName}/revoke", .anyone, handler: revokeEverything)
        routes.add(.post, "/console/users/{userPrincipalName}/lock", .anyone, handler: lock)
        routes.add(.post, "/console/users/{userPrincipalName}/unlock", .anyone, handler: unlock)
    }

    @Sendable func userPage(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .sessionReaders, to: "see users")
        return try await page(session, user: try user(context), notice: nil, problem: nil, status: .ok)
    }

    @Sendable func revokeEverything(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .approvers, to: "revoke a user's passes")
        let user = try user(context)
        guard let reason = try Self.reason(fields) else {
            return try await page(
                session, user: user, notice: nil, problem: "Say why everything of this user is revoked.",
                status: .badRequest)
        }
        let cancelled = try await services.store.revokeEverything(
            of: user, reason: reason, by: session.operator.identity)
        await services.authority.finishRevocations(of: cancelled)
        let notice =
            cancelled.isEmpty
            ? "Nothing was open: no session cancelled."
            : "Cancelled \(cancelled.count) open session(s); their passes and session tokens no longer work."
        return try await page(session, user: user, notice: notice, problem: nil, status: .ok)
    }

    @Sendable func lock(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .approvers, to: "lock issuance")
        let user = try user(context)
        guard let minutes = fields["minutes"].flatMap({ Int($0) }), (1...43_200).contains(minutes) else {
            return try await page(
                session, user: user, notice: nil, problem: "Lock for 1 minute to 30 days (43200 minutes).",
                status: .badRequest)
        }
        guard let reason = try Self.reason(fields) else {
            return try await page(
                session, user: user, notice: nil, problem: "Say why issuance is locked.", status: .badRequest)
        }
        let until = services.world.currentSecond().addingTimeInterval(TimeInterval(minutes * 60))
        try await services.store.lockIssuance(for: user, until: until, reason: reason, by: session.operator.identity)
        return ConsoleGate.redirect(to: Self.path(user))
    }

    @Sendable func unlock(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, _) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .approvers, to: "lift issuance locks")
        let user = try user(context)
        return try await ConsoleGate.submit(thenGoTo: Self.path(user)) {
            _ = try await services.store.unlockIssuance(for: user, by: session.operator.identity)
        } orShow: { problem, status in
            try await page(session, user: user, notice: nil, problem: problem, status: status)
        }
    }

    static func path(_ user: UserPrincipalName) -> String {
        "/console/users/" + (user.value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? user.value)
    }

    private func page(
        _ session: ConsoleSession, user: UserPrincipalName, notice: String?, problem: String?,
        status: HTTPResponse.Status
    ) async throws -> Response {
        let me = session.operator.identity
        let sessions = try await services.store.sessions(
            matching: SessionFilter(userPrincipalName: user), visibleTo: me, after: nil, limit: Self.rowsShown)
        let keys =
            Set<Role>.keyReaders.contains(me.role)
            ? try await services.store.securityKeys(user: user, visibleTo: me, after: nil, limit: Self.rowsShown).items
            : []
        let locks = try await services.store.issuanceLocks(for: user, visibleTo: me)
        let html = ConsolePages.user(
            ConsolePages.UserFacts(
                user: user, sessions: sessions.items, moreSessions: sessions.nextCursor != nil, keys: keys,
                models: services.metadata.models(of: keys), locks: locks),
            person: gate.person(session), notice: notice, problem: problem, now: services.world.now())
        return PageResponse.html(html, status: status)
    }

    private func user(_ context: TapRequestContext) throws -> UserPrincipalName {
        guard let user = context.pathUserPrincipalName else {
            throw APIError.notFound("user (the path must name a user principal name)")
        }
        return user
    }

    /// The form's reason, checked as the API checks it; `nil` when it is empty.
    private static func reason(_ fields: [String: String]) throws -> String? {
        let reason = fields["reason"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !reason.isEmpty else { return nil }
        try checkText(reason, field: "reason", maximum: 500)
        return reason
    }
}
