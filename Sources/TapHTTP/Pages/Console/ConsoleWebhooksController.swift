import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapStorage

/// The webhooks pages: create one (its secret shown once; a refused address named beside the field), send it a
/// test event, read its deliveries by state, send a dead letter again, disable and enable it, delete it. Admins change them through
/// the API's own use cases (after a fresh proof); auditors read them, with each address cut to its host, since
/// a receiver's URL often carries its own secret.
struct ConsoleWebhooksController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }
    var api: WebhooksController { WebhooksController(services: services) }

    static let readers: Set<Role> = [.admin, .auditor]
    static let pageSize = 50

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/webhooks", .anyone, handler: list)
        routes.add(.post, "/console/webhooks", .anyone, handler: create)
        routes.add(.get, "/console/webhooks/{id}", .anyone, handler: show)
        routes.add(.post, "/console/webhooks/{id}/test", .anyone, handler: test)
        routes.add(.post, "/console/webhooks/{id}/delete", .anyone, handler: delete)
        routes.add(.post, "/console/webhooks/{id}/disable", .anyone, handler: disable)
        routes.add(.post, "/console/webhooks/{id}/enable", .anyone, handler: enable)
        routes.add(.post, "/console/webhooks/{id}/deliveries/{deliveryId}/retry", .anyone, handler: retry)
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.readers, to: "see webhooks")
        return try await listPage(session, created: nil, problem: nil, typed: [:], status: .ok)
    }

    @Sendable func create(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, fields) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, [.admin], to: "create webhooks")
        guard gate.isFreshlyProven(session) else {
            return try await listPage(
                session, created: nil,
                problem: .init(detail: "Confirm it is you with your passkey first, then create it again.", field: nil),
                typed: fields, status: .forbidden)
        }
        do {
            let body = try Self.request(fields)
            let (webhook, secret) = try await api.create(body, by: session.operator.identity)
            return try await listPage(session, created: (webhook, secret), problem: nil, typed: [:], status: .created)
        } catch {
            let refusal = try ConsoleSessionsController.refusal(error)
            return try await listPage(
                session, created: nil, problem: .init(detail: refusal.detail, field: refusal.field), typed: fields,
                status: refusal.status)
        }
    }

    @Sendable func show(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.readers, to: "see webhooks")
        let query = QueryReader(request).parameters
        let notice =
            query["tested"].map { _ in "A test event is queued; it appears below once it is sent." }
            ?? query["retried"].map { _ in "The delivery is queued again." }
        return try await webhookPage(session, context, query: query, notice: notice, problem: nil, status: .ok)
    }

    @Sendable func test(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await write(request, context) { session, id in
            _ = try await services.store.queueTestDelivery(
                to: id, site: session.operator.identity.site, by: session.operator.identity)
            return "/console/webhooks/\(id)?tested=1"
        }
    }

    @Sendable func delete(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await write(request, context) { session, id in
            let me = session.operator.identity
            try await services.store.deleteWebhook(id, site: me.site, by: me)
            return "/console/webhooks"
        }
    }

    @Sendable func disable(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        try await write(request, context) { session, id in
            let me = session.operator.identity
            _ = try await services.store.setWebhookEnabled(id, enabled: false, site: me.site, by: me)
            return "/console/webhooks/\(id)"
        }
    }

    @Sendable func enable(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await write(request, context) { session, id in
            let me = session.operator.identity
            _ = try await services.store.setWebhookEnabled(id, enabled: true, site: me.site, by: me)
            return "/console/webhooks/\(id)"
        }
    }

    @Sendable func retry(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await write(request, context) { session, id in
            guard let text = context.parameters.get("deliveryId"), let delivery = WebhookDeliveryID(text) else {
                throw APIError.notFound("delivery")
            }
            let me = session.operator.identity
            _ = try await services.store.retryWebhookDelivery(delivery, of: id, site: me.site, by: me)
            return "/console/webhooks/\(id)?retried=1"
        }
    }

    /// A change to one webhook: an admin, freshly proven; then to the page `work` names, or this webhook's page
    /// with the refusal.
    private func write(
        _ request: Request, _ context: TapRequestContext,
        _ work: (ConsoleSession, WebhookID) async throws -> String
    ) async throws -> Response {
        guard let (session, _) = try await gate.form(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, [.admin], to: "change webhooks")
        guard gate.isFreshlyProven(session) else {
            return try await webhookPage(
                session, context, query: [:], notice: nil,
                problem: "Confirm it is you with your passkey first, then do it again.", status: .forbidden)
        }
        let id: WebhookID = try context.pathID(naming: "webhook")
        do {
            return ConsoleGate.redirect(to: try await work(session, id))
        } catch {
            let refusal = try ConsoleSessionsController.refusal(error)
            return try await webhookPage(
                session, context, query: [:], notice: nil, problem: refusal.detail, status: refusal.status)
        }
    }

    private func listPage(
        _ session: ConsoleSession, created: (Webhook, String?)?, problem: ConsolePages.FieldProblem?,
        typed: [String: String], status: HTTPResponse.Status
    ) async throws -> Response {
        let me = session.operator.identity
        let hooks = try await services.store.webhooks(site: me.site)
        let html = ConsolePages.webhooks(
            hooks, created: created, problem: problem, typed: typed, siteScope: me.site?.value,
            stepUp: me.role == .admin && !gate.isFreshlyProven(session),
            singleSignOn: gate.singleSignOnLabel,
            person: gate.person(session), now: services.world.now())
        return PageResponse.html(html, status: status)
    }

    private func webhookPage(
        _ session: ConsoleSession, _ context: TapRequestContext, query: [String: String], notice: String?,
        problem: String?, status: HTTPResponse.Status
    ) async throws -> Response {
        let me = session.operator.identity
        guard let id = try? context.pathID(naming: "webhook") as WebhookID,
            let webhook = try await services.store.webhook(id, site: me.site)
        else { throw APIError.notFound("webhook") }
        let state = query["state"].flatMap(WebhookDeliveryState.init(rawValue:))
        let cursor = query["after"].flatMap(WebhookDeliveryID.init)
        let page = try await services.store.webhookDeliveries(id, state: state, after: cursor, limit: Self.pageSize)
        let html = ConsolePages.webhook(
            webhook, deliveries: page, state: state, notice: notice, problem: problem,
            stepUp: me.role == .admin && !gate.isFreshlyProven(session),
            singleSignOn: gate.singleSignOnLabel,
            person: gate.person(session), now: services.world.now())
        return PageResponse.html(html, status: status)
    }

    /// The create form as the API's request: the site field empty means the admin's own scope.
    static func request(_ fields: [String: String]) throws -> CreateWebhookRequest {
        let url = fields["url"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !url.isEmpty else { throw APIError.invalidRequest("Type the receiver's https address.", field: "url") }
        let types = AuditEventType.allCases.filter { $0.isSessionEvent && fields["event.\($0.rawValue)"] != nil }
        let siteText = fields["site"]?.trimmingCharacters(in: .whitespaces) ?? ""
        var site: SiteName?
        if !siteText.isEmpty {
            guard let parsed = SiteName(siteText) else {
                throw APIError.invalidRequest(
                    "A site name is 1-64 letters, digits, dots, dashes and underscores.", field: "site")
            }
            site = parsed
        }
        let description = fields["description"]?.trimmingCharacters(in: .whitespaces)
        return CreateWebhookRequest(
            url: url, eventTypes: types, description: description?.isEmpty == false ? description : nil, site: site)
    }
}
