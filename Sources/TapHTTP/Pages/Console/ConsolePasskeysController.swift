import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// The signed-in person's own passkeys: the list, removing one (never the last), and adding another. Adding
/// asks for a fresh proof first, then makes a short-lived invitation code for the person and opens the same
/// registration page an invited person uses, with the code filled in: one ceremony, one set of checks.
struct ConsolePasskeysController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    /// How long the code made for adding a passkey works: long enough to find a security key.
    static let addCodeLifetime: TimeInterval = 10 * 60

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/passkeys", .anyone, handler: list)
        routes.add(.post, "/console/passkeys/add", .anyone, handler: add)
        routes.add(.post, "/console/passkeys/{id}/remove", .anyone, handler: remove)
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        return try await page(session, problem: nil, status: .ok)
    }

    @Sendable func add(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, _) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        guard gate.isFreshlyProven(session) else {
            return try await page(
                session, problem: "Confirm it is you first, then add the passkey again.", status: .forbidden,
                stepUp: true)
        }
        let me = session.operator.identity
        let invitation = try await services.store.renewInvitation(
            of: me.id, resettingPasskeys: false, codeLifetime: Self.addCodeLifetime, by: me)
        return PageResponse.html(ConsolePages.invitation(code: invitation.code), status: .ok)
    }

    @Sendable func remove(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, _) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        guard let id = context.parameters.get("id") else { throw APIError.notFound("passkey") }
        return try await ConsoleGate.submit(thenGoTo: "/console/passkeys") {
            try await services.store.removeOperatorPasskey(id, by: session.operator.identity)
        } orShow: { problem, status in
            try await page(session, problem: problem, status: status)
        }
    }

    private func page(
        _ session: ConsoleSession, problem: String?, status: HTTPResponse.Status, stepUp: Bool = false
    ) async throws -> Response {
        let passkeys = try await services.store.operatorPasskeys(of: session.operator.identity.id)
        let html = ConsolePages.passkeys(
            passkeys, person: gate.person(session), problem: problem,
            stepUp: stepUp
                ? ConsolePages.stepUpSection(
                    what: "Adding a passkey",
                    singleSignOn: gate.singleSignOnLabel)
                : nil,
            now: services.world.now())
        return PageResponse.html(html, status: status)
    }
}
