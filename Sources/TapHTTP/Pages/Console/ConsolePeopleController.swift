import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// The people and machines page: invite people, change their role and site, reset their passkeys, revoke them;
/// create machine tokens (a kiosk gets a one-time enrolment code with a QR code), rotate and revoke them; each
/// with its last use, address and passes issued against the caps. Every write is the API's use case, asks for
/// a fresh proof, and is audited with the person and "console". A site admin sees and manages their site only;
/// an auditor reads.
struct ConsolePeopleController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    static let readers: Set<Role> = [.admin, .auditor]
    static let machineRoles: [Role] = [.kiosk, .bench, .mdm, .board, .relyingParty, .metrics]
    static let personRoles: [Role] = [.helpdesk, .admin, .auditor]

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/people", .anyone, handler: list)
        routes.add(.post, "/console/people/invite", .anyone, handler: invite)
        routes.add(.post, "/console/people/machines", .anyone, handler: createMachine)
        routes.add(.post, "/console/people/{id}/role", .anyone, handler: changeRole)
        routes.add(.post, "/console/people/{id}/reset-passkeys", .anyone, handler: resetPasskeys)
        routes.add(.post, "/console/people/{id}/rotate", .anyone, handler: rotate)
        routes.add(.post, "/console/people/{id}/revoke", .anyone, handler: revoke)
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.readers, to: "see people and machines")
        return try await page(session, outcome: .none, status: .ok)
    }

    @Sendable func invite(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await write(request, context, form: "invite") { session, fields in
            let me = session.operator.identity
            let name = fields["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let role = try Self.role(fields["role"], among: Self.personRoles)
            guard let upn = UserPrincipalName(fields["upn"]?.trimmingCharacters(in: .whitespaces) ?? "") else {
                throw APIError.invalidRequest("Type the person's sign-in name (name@organisation).", field: "upn")
            }
            try Self.checkName(name)
            let site = try Self.site(fields["site"], for: me)
            let invitation = try await services.store.invitePerson(
                NewOperator(name: name, role: role, site: site, userPrincipalName: upn),
                codeLifetime: services.configuration.console.invitationLifetime, by: me)
            return .invitation(name: name, code: invitation.code, expiresAt: invitation.expiresAt)
        }
    }

    @Sendable func createMachine(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        try await write(request, context, form: "machine") { session, fields in
            let me = session.operator.identity
            let name = fields["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let role = try Self.role(fields["role"], among: Self.machineRoles)
            try Self.checkName(name)
            guard let site = try Self.site(fields["site"], for: me) else {
                throw APIError.invalidRequest("A machine belongs to one site: name it.", field: "site")
            }
            let request = NewOperator(name: name, role: role, site: site)
            if role == .kiosk {
                let grant = try await services.store.createKioskOperator(
                    request, enrolmentCodeLifetime: StoreLimits.enrolmentCodeLifetime, by: me)
                return .enrolmentCode(name: name, code: grant.code, expiresAt: grant.expiresAt)
            }
            let (_, token) = try await services.store.createOperator(request, by: me)
            return .token(name: name, token: token.value)
        }
    }

    @Sendable func changeRole(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        try await write(request, context, form: nil) { session, fields in
            let me = session.operator.identity
            let target = try await self.target(context, visibleTo: me)
            let role = try Self.role(fields["role"], among: Self.personRoles)
            let site = try Self.site(fields["site"], for: me)
            let changed = try await services.store.changeOperatorRole(target.identity.id, to: role, site: site, by: me)
            services.streams.endStreams(of: changed.identity.id)
            return .notice("\(changed.identity.name) is \(changed.identity.role.rawValue) now, signed out everywhere.")
        }
    }

    @Sendable func resetPasskeys(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        try await write(request, context, form: nil) { session, _ in
            let me = session.operator.identity
            let target = try await self.target(context, visibleTo: me)
            let invitation = try await services.store.renewInvitation(
                of: target.identity.id, resettingPasskeys: true,
                codeLifetime: services.configuration.console.invitationLifetime, by: me)
            return .invitation(name: target.identity.name, code: invitation.code, expiresAt: invitation.expiresAt)
        }
    }

    @Sendable func rotate(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await write(request, context, form: nil) { session, fields in
            let me = session.operator.identity
            let target = try await self.target(context, visibleTo: me)
            let minutes = fields["grace"].flatMap { Int($0) } ?? 60
            guard (0...10_080).contains(minutes) else {
                throw APIError.invalidRequest("The overlap is from 0 to 10080 minutes (7 days).", field: "grace")
            }
            let (_, token) = try await services.store.rotateToken(
                of: target.identity.id, grace: TimeInterval(minutes * 60), by: me, presented: nil)
            return .token(name: target.identity.name, token: token.value)
        }
    }

    @Sendable func revoke(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await write(request, context, form: nil) { session, _ in
            let me = session.operator.identity
            let target = try await self.target(context, visibleTo: me)
            let revoked = try await services.store.revokeOperator(target.identity.id, by: me)
            services.streams.endStreams(of: revoked.identity.id)
            return .notice("\(revoked.identity.name) is revoked: their token and console sessions no longer work.")
        }
    }

    /// One admin write: the form's origin and CSRF token, an admin's role, a fresh proof; a refusal is shown
    /// beside the form it came from (`form`, or the operator's row), with nothing changed.
    private func write(
        _ request: Request, _ context: TapRequestContext, form: String?,
        _ work: (ConsoleSession, [String: String]) async throws -> ConsolePages.PeopleOutcome
    ) async throws -> Response {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, [.admin], to: "manage people and machines")
        let place = form ?? context.parameters.get("id") ?? ""
        guard gate.isFreshlyProven(session) else {
            return try await page(
                session,
                outcome: .refused(form: place, problem: "Confirm it is you with your passkey first, then do it again."),
                status: .forbidden)
        }
        do {
            let outcome = try await work(session, fields)
            return try await page(session, outcome: outcome, status: .ok)
        } catch {
            let refusal = try ConsoleSessionsController.refusal(error)
            return try await page(
                session, outcome: .refused(form: place, problem: refusal.detail), status: refusal.status)
        }
    }

    private func page(
        _ session: ConsoleSession, outcome: ConsolePages.PeopleOutcome, status: HTTPResponse.Status
    ) async throws -> Response {
        let me = session.operator.identity
        let store = services.store
        let visible = try await store.operators().filter { me.site == nil || $0.identity.site == me.site }
        var passkeys: [OperatorID: Int] = [:]
        for person in visible where person.identity.role.isPerson && person.revokedAt == nil {
            passkeys[person.identity.id] = try await store.operatorPasskeys(of: person.identity.id).count
        }
        let defaults = try await store.policy().defaults
        let facts = ConsolePages.PeopleFacts(
            operators: visible, me: me.id,
            // The sweeper writes uses every interval; the newest are still in memory.
            uses: try await store.operatorUses().merging(services.uses.snapshot()) { $0.at >= $1.at ? $0 : $1 },
            issued: try await store.issuanceCounts(), passkeys: passkeys,
            caps: (defaults.passesPerOperatorPerHour, defaults.passesPerOperatorPerDay),
            mappings: await services.singleSignOn?.settings.mappings.map {
                ($0.claimValue, $0.role.rawValue, $0.site?.value)
            } ?? [],
            siteScope: me.site?.value, stepUp: !gate.isFreshlyProven(session),
            singleSignOn: gate.singleSignOnLabel)
        let html = ConsolePages.people(facts, outcome: outcome, person: gate.person(session), now: services.world.now())
        return PageResponse.html(html, status: status)
    }

    /// The operator in the path, when `actor` may manage it (a site admin: their site's only).
    private func target(_ context: TapRequestContext, visibleTo actor: OperatorIdentity) async throws -> Operator {
        let id: OperatorID = try context.pathID(naming: "operator")
        guard let target = try await services.store.operators().first(where: { $0.identity.id == id }),
            actor.site == nil || target.identity.site == actor.site
        else { throw APIError.notFound("operator") }
        return target
    }

    static func role(_ text: String?, among allowed: [Role]) throws -> Role {
        guard let role = text.flatMap(Role.init(rawValue:)), allowed.contains(role) else {
            throw APIError.invalidRequest(
                "Choose one of: \(allowed.map(\.rawValue).joined(separator: ", ")).", field: "role")
        }
        return role
    }

    static func checkName(_ name: String) throws {
        guard !name.isEmpty else { throw APIError.invalidRequest("Give a name people will recognise.", field: "name") }
        try checkText(name, field: "name", maximum: 100)
    }

    /// The site a form names: empty is every site, which a site admin cannot give.
    static func site(_ text: String?, for actor: OperatorIdentity) throws -> SiteName? {
        let typed = text?.trimmingCharacters(in: .whitespaces) ?? ""
        if typed.isEmpty {
            if let own = actor.site { return own }
            return nil
        }
        guard let site = SiteName(typed) else {
            throw APIError.invalidRequest(
                "A site name is 1-64 letters, digits, dots, dashes and underscores.", field: "site")
        }
        if let own = actor.site, site != own {
            throw APIError.forbidden("an admin of site \(own) can only give roles and tokens at that site")
        }
        return site
    }
}
