import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// The keys page: every registered security key (a site-scoped viewer: their site's) with its authenticator
/// model (AAGUID and the attestation's certificate), attestation facts, last use and the session that registered
/// it; revoking one names a reason and is the API's `DELETE /v1/keys/{id}` (audited `key.deleted`).
struct ConsoleKeysController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    static let pageSize = 50
    /// As in the API: admins and the help desk revoke keys (a lost key is a help-desk call).
    static let revokers: Set<Role> = [.admin, .helpdesk]

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/keys", .anyone, handler: list)
        routes.add(.post, "/console/keys/{id}/revoke", .anyone, handler: revoke)
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .keyReaders, to: "see security keys")
        let query = QueryReader(request).parameters
        let notice = query["revoked"].map { _ in "The key is revoked: it no longer signs anyone in." }
        return try await page(session, query: query, notice: notice, problem: nil, status: .ok)
    }

    @Sendable func revoke(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.revokers, to: "revoke security keys")
        let back = ["user": fields["user"] ?? ""].filter { !$0.value.isEmpty }
        guard gate.isFreshlyProven(session) else {
            return try await page(
                session, query: back, notice: nil,
                problem: (nil, "Confirm it is you with your passkey first, then revoke it again."), status: .forbidden)
        }
        let id: SecurityKeyID = try context.pathID(naming: "key")
        let reason = fields["reason"]?.trimmingCharacters(in: .whitespaces) ?? ""
        do {
            guard !reason.isEmpty else {
                throw APIError.invalidRequest(
                    "Say why the key is revoked (lost, stolen, left the company).", field: "reason")
            }
            try checkText(reason, field: "reason", maximum: 500)
            _ = try await services.store.deleteSecurityKey(id, reason: reason, by: session.operator.identity)
        } catch {
            let refusal = try ConsoleSessionsController.refusal(error)
            return try await page(
                session, query: back, notice: nil, problem: (id.rawValue, refusal.detail), status: refusal.status)
        }
        // Back to the list the person revoked from (one user's keys, or all).
        let user = back["user"].flatMap(UserPrincipalName.init).map {
            "user=\($0.value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "+"])) ?? "")&"
        }
        return ConsoleGate.redirect(to: "/console/keys?\(user ?? "")revoked=1")
    }

    /// `problem`: the key whose row shows it (`nil`: the top of the page) and the words.
    private func page(
        _ session: ConsoleSession, query: [String: String], notice: String?, problem: (String?, String)?,
        status: HTTPResponse.Status
    ) async throws -> Response {
        let me = session.operator.identity
        var keys = Page<SecurityKey>(items: [], nextCursor: nil)
        var problem = problem
        let userText = query["user"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let flaggedOnly = query["flagged"] == "1"
        let user = UserPrincipalName(userText)
        if !userText.isEmpty, user == nil {
            problem = (nil, "The user cannot be read: type a sign-in name (name@organisation).")
        } else {
            keys = try await services.store.securityKeys(
                user: user, flaggedOnly: flaggedOnly, visibleTo: me, after: query["after"].flatMap(SecurityKeyID.init),
                limit: Self.pageSize)
        }
        let html = ConsolePages.keys(
            keys, models: services.metadata.models(of: keys.items), user: userText, flaggedOnly: flaggedOnly,
            notice: notice, problem: problem, mayRevoke: Self.revokers.contains(me.role),
            stepUp: Self.revokers.contains(me.role) && !gate.isFreshlyProven(session),
            singleSignOn: gate.singleSignOnLabel,
            person: gate.person(session), now: services.world.now())
        return PageResponse.html(html, status: problem != nil && status == .ok ? .badRequest : status)
    }
}
