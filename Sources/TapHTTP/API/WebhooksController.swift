import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapCrypto
import TapStorage

/// `/v1/webhooks`: an admin registers endpoints that are told about session events, and reads how their
/// deliveries went. A site admin sees and manages only its own site's webhooks, which receive only that site's
/// events; a global admin manages every webhook.
struct WebhooksController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.post, "/v1/webhooks", .operators([.admin]), handler: create)
        routes.add(.get, "/v1/webhooks", .operators([.admin]), handler: list)
        routes.add(.get, "/v1/webhooks/{id}", .operators([.admin]), handler: get)
        routes.add(.delete, "/v1/webhooks/{id}", .operators([.admin]), handler: delete)
        routes.add(.get, "/v1/webhooks/{id}/deliveries", .operators([.admin]), handler: deliveries)
        routes.add(.patch, "/v1/webhooks/{id}", .operators([.admin]), handler: change)
        routes.add(.post, "/v1/webhooks/{id}/test", .operators([.admin]), handler: test)
        routes.add(.post, "/v1/webhooks/{id}/deliveries/{deliveryId}/retry", .operators([.admin]), handler: retry)
    }

    @Sendable func create(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let (body, _) = try await JSONBody.decode(
            CreateWebhookRequest.self, from: request, limits: services.configuration)
        let (webhook, shown) = try await create(body, by: actor)
        return try JSONBody.response(
            WebhookView(webhook, secret: shown), status: .created, headers: [.location: "/v1/webhooks/\(webhook.id)"])
    }

    /// Registers a webhook as the API and the console both do; answers it and the secret made for it (`nil` when
    /// the request brought its own), which is shown once.
    func create(_ body: CreateWebhookRequest, by actor: OperatorIdentity) async throws -> (Webhook, String?) {
        // A site admin's webhook is its site's, whether it names the site or not; every site's events, or
        // another site's, are not its to send anywhere.
        let site: SiteName?
        if let own = actor.site {
            if body.asksForEverySite || body.site.map({ $0 != own }) == true {
                throw APIError.forbidden("an admin of site \(own) can only create webhooks of that site")
            }
            site = own
        } else {
            site = body.site
        }
        if let refusal = WebhookTarget.refusal(body.url, settings: services.configuration.webhooks) {
            throw APIError(status: .unprocessableContent, code: .webhookURLRefused, detail: refusal, field: "url")
        }
        try checkText(body.description, field: "description", maximum: 200)
        var shown: String?
        let secret: String
        if let given = body.secret {
            guard (16...256).contains(given.utf8.count), given.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw APIError.invalidRequest("secret must be 16 to 256 visible ASCII characters", field: "secret")
            }
            secret = given
        } else {
            secret = "whsec_" + Crypto.hex(services.world.randomBytes(24))
            shown = secret
        }
        let types = body.eventTypes ?? []
        if let other = types.first(where: { !$0.isSessionEvent }) {
            throw APIError.invalidRequest("\(other.rawValue) is not an event webhooks carry", field: "eventTypes")
        }
        let sealed = try WebhookSecrets.seal(secret, keyring: services.keyring)
        let webhook = try await services.store.createWebhook(
            url: body.url, eventTypes: Array(Set(types)).sorted { $0.rawValue < $1.rawValue },
            description: body.description,
            secret: sealed, site: site, by: actor)
        return (webhook, shown)
    }

    /// Disables a webhook or enables it again.
    @Sendable func change(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let id: WebhookID = try context.pathID(naming: "webhook")
        let (body, _) = try await JSONBody.decode(WebhookChange.self, from: request, limits: services.configuration)
        let webhook = try await services.store.setWebhookEnabled(id, enabled: body.enabled, site: actor.site, by: actor)
        return try JSONBody.response(WebhookView(webhook))
    }

    /// Queues a `webhook.tested` event for this webhook alone, sent like any delivery.
    @Sendable func test(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let delivery = try await services.store.queueTestDelivery(
            to: try context.pathID(naming: "webhook"), site: actor.site, by: actor)
        return try JSONBody.response(WebhookTestQueued(deliveryId: delivery.rawValue), status: .accepted)
    }

    /// Sends a dead-lettered delivery again, from the start of its back-off.
    @Sendable func retry(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let webhookID: WebhookID = try context.pathID(naming: "webhook")
        guard let deliveryText = context.parameters.get("deliveryId"), let id = WebhookDeliveryID(deliveryText)
        else { throw APIError.notFound("delivery") }
        let retried = try await services.store.retryWebhookDelivery(id, of: webhookID, site: actor.site, by: actor)
        return try JSONBody.response(WebhookDeliveryView(retried))
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let site = try caller.operatorIdentity.site
        let visible = try await services.store.webhooks(site: site)
        return try JSONBody.response(WebhookList(items: visible.map { WebhookView($0) }))
    }

    @Sendable func get(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        // Another site's or a global webhook is not found by a site admin, as another site's operator is not.
        let id: WebhookID = try context.pathID(naming: "webhook")
        guard let webhook = try await services.store.webhook(id, site: try caller.operatorIdentity.site) else {
            throw APIError.notFound("webhook")
        }
        return try JSONBody.response(WebhookView(webhook))
    }

    @Sendable func delete(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        try await services.store.deleteWebhook(try context.pathID(naming: "webhook"), site: actor.site, by: actor)
        return Response(status: .noContent)
    }

    @Sendable func deliveries(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let id: WebhookID = try context.pathID(naming: "webhook")
        let query = QueryReader(request)
        let state = try query.value("state", WebhookDeliveryState.init(rawValue:))
        let cursor = try query.value("cursor", WebhookDeliveryID.init)
        let limit = try query.limit()
        guard try await services.store.webhook(id, site: try caller.operatorIdentity.site) != nil else {
            throw APIError.notFound("webhook")
        }
        let page = try await services.store.webhookDeliveries(id, state: state, after: cursor, limit: limit)
        return try JSONBody.response(
            WebhookDeliveryList(items: page.items.map(WebhookDeliveryView.init), nextCursor: page.nextCursor))
    }
}
