import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapCrypto
import TapStorage

/// `/v1/webhooks`: an admin registers endpoints that are told about session events, and reads how their
/// deliveries went.
struct WebhooksController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.post, "/v1/webhooks", .operators([.admin]), handler: create)
        routes.add(.get, "/v1/webhooks", .operators([.admin]), handler: list)
        routes.add(.get, "/v1/webhooks/{id}", .operators([.admin]), handler: get)
        routes.add(.delete, "/v1/webhooks/{id}", .operators([.admin]), handler: delete)
        routes.add(.get, "/v1/webhooks/{id}/deliveries", .operators([.admin]), handler: deliveries)
    }

    @Sendable func create(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let (body, _) = try await JSONBody.decode(CreateWebhookRequest.self, from: request, limits: services.configuration)
        if let refusal = WebhookTarget.refusal(body.url, settings: services.configuration.webhooks) {
            throw APIError(status: .unprocessableContent, code: "webhook_url_refused", detail: refusal, field: "url")
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
            url: body.url, eventTypes: Array(Set(types)).sorted { $0.rawValue < $1.rawValue }, description: body.description,
            secret: sealed, by: actor)
        return try JSONBody.response(
            WebhookView(webhook, secret: shown), status: .created, headers: [.location: "/v1/webhooks/\(webhook.id)"])
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try JSONBody.response(WebhookList(items: try await services.store.webhooks().map { WebhookView($0) }))
    }

    @Sendable func get(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let webhook = try await services.store.webhook(try context.pathID(naming: "webhook")) else {
            throw APIError.notFound("webhook")
        }
        return try JSONBody.response(WebhookView(webhook))
    }

    @Sendable func delete(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try await services.store.deleteWebhook(try context.pathID(naming: "webhook"), by: try caller.operatorIdentity)
        return Response(status: .noContent)
    }

    @Sendable func deliveries(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let id: WebhookID = try context.pathID(naming: "webhook")
        let query = QueryReader(request)
        let state = try query.value("state", WebhookDeliveryState.init(rawValue:))
        let cursor = try query.value("cursor", WebhookDeliveryID.init)
        let limit = try query.limit()
        guard try await services.store.webhook(id) != nil else { throw APIError.notFound("webhook") }
        let page = try await services.store.webhookDeliveries(id, state: state, after: cursor, limit: limit)
        return try JSONBody.response(WebhookDeliveryList(items: page.items.map(WebhookDeliveryView.init), nextCursor: page.nextCursor))
    }
}
