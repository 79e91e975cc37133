import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapStorage

/// Four-eyes approvals and the help desk's incident tools.
struct IncidentController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        let approvers = Set<Role>.approvers
        routes.add(.get, "/v1/approvals", .operators(approvers), handler: approvals)
        routes.add(.post, "/v1/approvals/{id}/approve", .operators(approvers), handler: approve)
        routes.add(.post, "/v1/approvals/{id}/reject", .operators(approvers), handler: reject)
        routes.add(.post, "/v1/users/{userPrincipalName}/revoke", .operators(approvers), handler: revokeUser)
        routes.add(.put, "/v1/users/{userPrincipalName}/issuance-lock", .operators(approvers), handler: lockUser)
        routes.add(.delete, "/v1/users/{userPrincipalName}/issuance-lock", .operators(approvers), handler: unlockUser)
    }

    @Sendable func approvals(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let now = services.world.now()
        let waiting = try await services.store.pendingApprovals(visibleTo: try caller.operatorIdentity)
        return try JSONBody.response(SessionList(items: waiting.map { SessionView($0, now: now) }, nextCursor: nil))
    }

    @Sendable func approve(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        let approver = try caller.operatorIdentity
        let (body, _) = try await JSONBody.decode(ApproveRequest.self, from: request, limits: services.configuration)
        try checkText(body.proofing?.checkedBy, field: "proofing.checkedBy", maximum: 200)
        try checkText(body.proofing?.reference, field: "proofing.reference", maximum: 200)
        let session = try await services.store.approve(
            try context.pathID(naming: "session") as SessionID, by: approver, proofing: body.proofing)
        return try JSONBody.response(SessionView(session, now: services.world.now()))
    }

    @Sendable func reject(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let approver = try caller.operatorIdentity
        let body = try await reasonedBody(RejectRequest.self, request)
        let session = try await services.store.reject(
            try context.pathID(naming: "session") as SessionID, by: approver, reason: body.reason)
        return try JSONBody.response(SessionView(session, now: services.world.now()))
    }

    @Sendable func revokeUser(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let actor = try caller.operatorIdentity
        let body = try await reasonedBody(RevokeUserRequest.self, request)
        let cancelled = try await services.store.revokeEverything(of: try user(context), reason: body.reason, by: actor)
        // In Entra mode the user's Temporary Access Passes are deleted now, not at the watcher's next round.
        await services.authority.finishRevocations(of: cancelled)
        return try JSONBody.response(RevokeUserResponse(cancelledSessions: cancelled))
    }

    @Sendable func lockUser(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        let actor = try caller.operatorIdentity
        let body = try await reasonedBody(IssuanceLockRequest.self, request)
        guard (1...43_200).contains(body.minutes) else {
            throw APIError.invalidRequest("minutes must be from 1 to 43200 (30 days)", field: "minutes")
        }
        let user = try user(context)
        let until = services.world.currentSecond().addingTimeInterval(TimeInterval(body.minutes * 60))
        try await services.store.lockIssuance(for: user, until: until, reason: body.reason, by: actor)
        return try JSONBody.response(IssuanceLockView(userPrincipalName: user, lockedUntil: until, reason: body.reason))
    }

    @Sendable func unlockUser(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        guard try await services.store.unlockIssuance(for: try user(context), by: try caller.operatorIdentity) else {
            throw APIError.notFound("issuance lock for this user")
        }
        return Response(status: .noContent)
    }

    /// Decodes a body that states a reason, and checks the reason.
    private func reasonedBody<Body: Decodable & StatesAReason>(
        _ type: Body.Type, _ request: Request
    ) async throws -> Body {
        let (body, _) = try await JSONBody.decode(type, from: request, limits: services.configuration)
        guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalidRequest("reason must not be empty", field: "reason")
        }
        try checkText(body.reason, field: "reason", maximum: 500)
        return body
    }

    private func user(_ context: TapRequestContext) throws -> UserPrincipalName {
        guard let user = context.pathUserPrincipalName else {
            throw APIError.invalidRequest("the path must name a user principal name", field: "userPrincipalName")
        }
        return user
    }
}

/// A request that must say why: the reason is checked before anything is done.
protocol StatesAReason {
    /// Why the operator asks for it, for the audit trail.
    var reason: String { get }
}

extension RejectRequest: StatesAReason {}
extension RevokeUserRequest: StatesAReason {}
extension IssuanceLockRequest: StatesAReason {}
