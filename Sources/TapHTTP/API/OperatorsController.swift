import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapStorage

/// `/v1/operators`: who am I, and token management for admins.
struct OperatorsController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.get, "/v1/operators/me", .operators(.allOperators), handler: me)
        routes.add(.get, "/v1/operators", .operators([.admin]), handler: list)
        routes.add(.post, "/v1/operators", .operators([.admin]), handler: create)
        routes.add(.delete, "/v1/operators/{id}", .operators([.admin]), handler: revoke)
        routes.add(.post, "/v1/operators/me/rotate", .operators(.allOperators), handler: rotateOwn)
        routes.add(.post, "/v1/operators/{id}/rotate", .operators([.admin]), handler: rotate)
        routes.add(.post, "/v1/operators/invitations", .operators([.admin]), handler: invite)
        routes.add(.post, "/v1/operators/{id}/passkeys/reset", .operators([.admin]), handler: resetPasskeys)
        routes.add(.put, "/v1/operators/{id}/role", .operators([.admin]), handler: changeRole)
    }

    /// Gives a person another role or site; their console sessions and event streams end at once.
    @Sendable func changeRole(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let actor = try caller.operatorIdentity
        let id = try await targetOperator(context, visibleTo: actor)
        let (body, _) = try await JSONBody.decode(
            OperatorRoleRequest.self, from: request, limits: services.configuration)
        let changed = try await services.store.changeOperatorRole(id, to: body.role, site: body.site, by: actor)
        services.streams.endStreams(of: id)
        return try JSONBody.response(OperatorView(changed))
    }

    /// Invites a person to the console: an operator with no token, and a one-time code shown only here.
    @Sendable func invite(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let creator = try caller.operatorIdentity
        let (body, _) = try await JSONBody.decode(
            CreateInvitationRequest.self, from: request, limits: services.configuration)
        try checkText(body.name, field: "name", maximum: 100)
        if let own = creator.site, body.site != own {
            throw APIError.forbidden("an admin of site \(own) can only invite people of that site")
        }
        let invitation = try await services.store.invitePerson(
            NewOperator(name: body.name, role: body.role, site: body.site, userPrincipalName: body.userPrincipalName),
            codeLifetime: services.configuration.console.invitationLifetime, by: creator)
        return try JSONBody.response(
            invitationView(invitation), status: .created,
            headers: [.location: "/v1/operators/\(invitation.operator.identity.id)"])
    }

    /// A lost key: every console passkey of the person removed, their console sessions ended, a new code.
    @Sendable func resetPasskeys(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let actor = try caller.operatorIdentity
        let id = try await targetOperator(context, visibleTo: actor)
        let invitation = try await services.store.renewInvitation(
            of: id, resettingPasskeys: true, codeLifetime: services.configuration.console.invitationLifetime,
            by: actor)
        return try JSONBody.response(invitationView(invitation))
    }

    private func invitationView(_ invitation: PersonInvitation) -> InvitationView {
        InvitationView(
            operator: OperatorView(invitation.operator), invitationCode: invitation.code,
            expirationDateTime: invitation.expiresAt,
            url: services.configuration.webAuthn.origins.first.map { $0 + "/console/invitation" })
    }

    /// Any operator can replace its own token; the old one keeps working for the grace period.
    @Sendable func rotateOwn(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let actor = try caller.operatorIdentity
        return try await rotate(actor.id, request: request, actor: actor)
    }

    @Sendable func rotate(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let id = try await targetOperator(context, visibleTo: actor)
        return try await rotate(id, request: request, actor: actor)
    }

    private func rotate(_ id: OperatorID, request: Request, actor: OperatorIdentity) async throws -> Response {
        let (body, _) = try await JSONBody.decode(
            RotateTokenRequest.self, from: request, limits: services.configuration)
        let graceMinutes = body.graceMinutes ?? 60
        guard (0...10_080).contains(graceMinutes) else {
            throw APIError.invalidRequest("graceMinutes must be from 0 to 10080 (7 days)", field: "graceMinutes")
        }
        // The token the caller authenticated with: only an operator's newest token may rotate (see the store).
        let presented = Authenticator.bearerToken(request)
        let (record, token) = try await services.store.rotateToken(
            of: id, grace: TimeInterval(graceMinutes * 60), by: actor, presented: presented)
        return try JSONBody.response(CreatedOperator(operator: OperatorView(record), token: token.value))
    }

    @Sendable func me(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard case .operator(let record) = caller else { throw APIError.unauthorized }
        return try JSONBody.response(OperatorView(record))
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let viewer = try caller.operatorIdentity
        let visible = try await services.store.operators().filter { record in
            viewer.site == nil || record.identity.site == viewer.site
        }
        let counts = try await services.store.issuanceCounts()
        return try JSONBody.response(
            OperatorList(
                items: visible.map { record in
                    let count = counts[record.identity.id]
                    return OperatorView(
                        record, issuance: IssuanceCount(lastHour: count?.lastHour ?? 0, lastDay: count?.lastDay ?? 0))
                }))
    }

    @Sendable func create(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let creator = try caller.operatorIdentity
        let (body, _) = try await JSONBody.decode(
            CreateOperatorRequest.self, from: request, limits: services.configuration)
        try checkText(body.name, field: "name", maximum: 100)
        if let own = creator.site, body.site != own {
            throw APIError.forbidden("an admin of site \(own) can only create operators of that site")
        }
        if body.withEnrolmentCode == true { return try await createWithEnrolmentCode(body, creator: creator) }
        let (record, token) = try await services.store.createOperator(
            body.newOperator,
            by: creator)
        return try JSONBody.response(
            CreatedOperator(operator: OperatorView(record), token: token.value), status: .created,
            headers: [.location: "/v1/operators/\(record.identity.id)"])
    }

    @Sendable func revoke(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let id = try await targetOperator(context, visibleTo: actor)
        let revoked = try await services.store.revokeOperator(id, by: actor)
        // Its open event streams end now rather than at their next token check.
        services.streams.endStreams(of: id)
        return try JSONBody.response(OperatorView(revoked))
    }

    /// The operator named in the path, when `actor` may manage it: a site admin only manages its own site's.
    private func targetOperator(
        _ context: TapRequestContext, visibleTo actor: OperatorIdentity
    ) async throws -> OperatorID {
        let id: OperatorID = try context.pathID(naming: "operator")
        if let own = actor.site {
            let target = try await services.store.operators().first { $0.identity.id == id }
            guard let target, target.identity.site == own else { throw APIError.notFound("operator") }
        }
        return id
    }
}

extension CreateOperatorRequest {
    /// What the store is asked to create, with the lists the request may leave out made empty.
    var newOperator: NewOperator {
        NewOperator(
            name: name, role: role, site: site, userPrincipalName: userPrincipalName,
            allowedSubjects: allowedSubjects ?? [], allowedSources: allowedSources ?? [], expiresAt: expirationDateTime)
    }
}
