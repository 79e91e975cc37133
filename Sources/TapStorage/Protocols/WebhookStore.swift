import Foundation
import TapCore

/// Webhooks and their delivery outbox.
public protocol WebhookStore: Sendable {
    /// Creates a webhook; its secret is stored sealed.
    func createWebhook(
        url: String, eventTypes: [AuditEventType], description: String?, secret: SealedSecret, site: SiteName?,
        by actor: OperatorIdentity
    ) async throws -> Webhook

    /// The webhooks of one site (or every one for `nil`).
    func webhooks(site: SiteName?) async throws -> [Webhook]

    /// One webhook, when it belongs to `site` (any site for `nil`).
    func webhook(_ id: WebhookID, site: SiteName?) async throws -> Webhook?

    /// Whether a delivery is still waiting to be sent.
    func webhookDeliveryIsPending(_ id: WebhookDeliveryID) async throws -> Bool

    /// Deletes a webhook (of `site`, when given) and cancels its pending deliveries.
    func deleteWebhook(_ id: WebhookID, site: SiteName?, by actor: OperatorIdentity) async throws

    /// Turns up to `chunk` new session events into deliveries, exactly once each; returns how many were queued.
    @discardableResult
    func fillWebhookOutbox(chunk: Int) async throws -> Int

    /// How far the outbox has fallen behind the audit log (0: caught up).
    func webhookOutboxLag() async throws -> Int64

    /// Deliveries due now, oldest first, optionally of one webhook.
    func dueWebhookDeliveries(limit: Int, webhook: WebhookID?) async throws -> [DueDelivery]

    /// Records one delivery attempt and when to try again (`nil`: delivered or given up).
    func recordWebhookAttempt(
        _ id: WebhookDeliveryID, delivered: Bool, status: Int?, error: String?, nextAttemptAt: Date?
    ) async throws

    /// A page of one webhook's deliveries, optionally in one state, after `cursor`.
    func webhookDeliveries(
        _ webhookID: WebhookID, state: WebhookDeliveryState?, after cursor: WebhookDeliveryID?, limit: Int
    ) async throws -> Page<WebhookDelivery>

    /// Deliveries waiting to be sent.
    func webhookBacklog() async throws -> Int

    /// Queues a `webhook.tested` event for one webhook (of `site`, when given); answers the delivery's id.
    func queueTestDelivery(
        to id: WebhookID, site: SiteName?, by actor: OperatorIdentity
    ) async throws
        -> WebhookDeliveryID

    /// Disables a webhook or enables it again (`webhook.disabled`, `webhook.enabled`).
    func setWebhookEnabled(
        _ id: WebhookID, enabled: Bool, site: SiteName?, by actor: OperatorIdentity
    ) async throws
        -> Webhook

    /// Sends a dead-lettered delivery of `webhook` again (`webhook.deliveryRetried`).
    func retryWebhookDelivery(
        _ id: WebhookDeliveryID, of webhook: WebhookID, site: SiteName?, by actor: OperatorIdentity
    ) async throws -> WebhookDelivery
}
