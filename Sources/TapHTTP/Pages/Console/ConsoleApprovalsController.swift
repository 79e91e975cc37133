import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// The approvals queue: requests for privileged or policy-gated passes that the signed-in person may decide.
/// Four-eyes is the store's rule, judged by the person (operator) and not by the browser session: the requester
/// cannot approve their own request from any tab or device. Approving asks for a fresh proof of who is at the
/// keyboard (a passkey touch within ``ConsoleSettings/stepUpAge``).
struct ConsoleApprovalsController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/approvals", .anyone, handler: queue)
        routes.add(.post, "/console/approvals/{id}/approve", .anyone, handler: approve)
        routes.add(.post, "/console/approvals/{id}/reject", .anyone, handler: reject)
    }

    @Sendable func queue(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .approvers, to: "decide approvals")
        return try await page(session, problem: nil, status: .ok)
    }

    @Sendable func approve(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .approvers, to: "decide approvals")
        guard gate.isFreshlyProven(session) else {
            return try await page(
                session, problem: "Confirm it is you with your passkey first, then approve again.", status: .forbidden,
                stepUp: true)
        }
        let id = try context.pathID(naming: "session") as SessionID
        var proofing: Proofing?
        if let method = fields["proofing"].flatMap(Proofing.Method.init(rawValue:)) {
            let reference = fields["reference"]?.trimmingCharacters(in: .whitespaces)
            proofing = Proofing(method: method, reference: reference?.isEmpty == false ? reference : nil)
        }
        return try await ConsoleGate.submit(thenGoTo: "/console/approvals") {
            try checkText(proofing?.reference, field: "proofing.reference", maximum: 200)
            _ = try await services.store.approve(id, by: session.operator.identity, proofing: proofing)
        } orShow: { problem, status in
            try await page(session, problem: problem, status: status)
        }
    }

    @Sendable func reject(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .approvers, to: "decide approvals")
        let id = try context.pathID(naming: "session") as SessionID
        let reason = fields["reason"]?.trimmingCharacters(in: .whitespaces) ?? ""
        return try await ConsoleGate.submit(thenGoTo: "/console/approvals") {
            guard !reason.isEmpty else {
                throw APIError.invalidRequest("Say why the request is rejected.", field: "reason")
            }
            try checkText(reason, field: "reason", maximum: 500)
            _ = try await services.store.reject(id, by: session.operator.identity, reason: reason)
        } orShow: { problem, status in
            try await page(session, problem: problem, status: status)
        }
    }

    private func page(
        _ session: ConsoleSession, problem: String?, status: HTTPResponse.Status, stepUp: Bool = false
    ) async throws -> Response {
        let me = session.operator.identity
        let waiting = try await services.store.pendingApprovals(visibleTo: me)
        let html = ConsolePages.approvals(
            person: gate.person(session), me: me.id, waiting: waiting, problem: problem,
            stepUp: stepUp || !gate.isFreshlyProven(session),
            singleSignOn: gate.singleSignOnLabel,
            now: services.world.now())
        return PageResponse.html(html, status: status)
    }
}
