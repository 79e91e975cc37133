import Foundation
import TapCore

extension EnrollmentStore {
    /// Queues a `webhook.tested` event for one webhook only (of `site`, when given), to be sent like any
    /// delivery: signed, retried, dead-lettered. Answers the delivery's id.
    public func queueTestDelivery(
        to id: WebhookID, site: SiteName?, by actor: OperatorIdentity
    ) async throws -> WebhookDeliveryID {
        let live = Self.liveWebhook(id, site: site)
        return try await perform { db in
            let now = world.currentSecond()
            let found = try db.queryFirst("SELECT site, disabledAt FROM webhook \(live.clause)", live.values) { row in
                (site: try row.optionalText(0), disabledAt: try row.optionalDate(1))
            }
            guard let hook = found else { throw EnrollmentError.notFound("webhook") }
            guard hook.disabledAt == nil else {
                throw EnrollmentError.conflict("this webhook is disabled; enable it to send it a test event")
            }
            let sequence = try appendNumberedAudit(
                db, .webhookTested, session: nil, actor: actor.id.rawValue, data: ["webhookId": .string(id.rawValue)])
            let payload = WebhookTestPayload(
                id: String(sequence), type: AuditEventType.webhookTested.rawValue, time: UTCTime.rfc3339(now),
                webhookId: id.rawValue, site: hook.site)
            let delivery: WebhookDeliveryID = world.newID()
            try db.run(
                """
                INSERT INTO webhookDelivery (id, webhookId, eventSeq, eventType, sessionId, payload, state, attempts,
                    nextAttemptAt, createdAt)
                VALUES (?, ?, ?, ?, NULL, ?, 'pending', 0, ?, ?)
                """,
                bind(
                    delivery.rawValue, id.rawValue, sequence, AuditEventType.webhookTested.rawValue,
                    encodeJSON(payload),
                    now, now))
            return delivery
        }
    }

    /// Sends a dead-lettered delivery again from the start of its back-off (`webhook.deliveryRetried`); only a
    /// delivery of the live webhook `webhook` (of `site`, when given) that was given up on.
    public func retryWebhookDelivery(
        _ id: WebhookDeliveryID, of webhook: WebhookID, site: SiteName?, by actor: OperatorIdentity
    ) async throws -> WebhookDelivery {
        var conditions = SQLConditions()
        conditions.add(
            "d.id = ? AND d.webhookId = ? AND w.deletedAt IS NULL", .text(id.rawValue), .text(webhook.rawValue))
        conditions.match("w.site", site?.value)
        return try await perform { [conditions] db in
            let now = world.currentSecond()
            let found = try db.queryFirst(
                """
                SELECT \(Self.deliveryColumns(of: "d")) FROM webhookDelivery d JOIN webhook w ON w.id = d.webhookId
                \(conditions.clause)
                """, conditions.values, Self.delivery)
            guard let delivery = found else { throw EnrollmentError.notFound("delivery") }
            guard delivery.state == .deadLetter else {
                throw EnrollmentError.conflict(
                    "only a delivery that was given up on (deadLetter) is sent again; this one is \(delivery.state.rawValue)"
                )
            }
            try db.run(
                "UPDATE webhookDelivery SET state = 'pending', attempts = 0, nextAttemptAt = ? WHERE id = ?",
                bind(now, id.rawValue))
            try appendAudit(
                db, .webhookDeliveryRetried, session: nil, actor: actor.id.rawValue,
                data: [
                    "webhookId": .string(delivery.webhookID.rawValue), "deliveryId": .string(id.rawValue),
                    "eventId": .string(String(delivery.eventSequence)),
                ])
            var retried = delivery
            retried.state = .pending
            retried.attempts = 0
            retried.nextAttemptAt = now
            return retried
        }
    }
}

extension EnrollmentStore {
    /// Disables a webhook (nothing is queued for it; what is pending waits) or enables it again
    /// (`webhook.disabled`, `webhook.enabled`); of `site`, when given. Asking for the state it is in changes nothing.
    public func setWebhookEnabled(
        _ id: WebhookID, enabled: Bool, site: SiteName?, by actor: OperatorIdentity
    ) async throws -> Webhook {
        let live = Self.liveWebhook(id, site: site)
        return try await perform { db in
            let now = world.currentSecond()
            // Only a webhook in the other state changes (enabling a disabled one, disabling an enabled one).
            let changed =
                try db.changes(
                    "UPDATE webhook SET disabledAt = ? \(live.clause) AND (disabledAt IS NULL) = ?",
                    bind(enabled ? nil : now) + live.values + [.bool(!enabled)]) == 1
            guard
                let webhook = try db.queryFirst(
                    "SELECT \(Self.webhookColumns) FROM webhook \(live.clause)", live.values, Self.webhook)
            else { throw EnrollmentError.notFound("webhook") }
            if changed {
                try appendAudit(
                    db, enabled ? .webhookEnabled : .webhookDisabled, session: nil, actor: actor.id.rawValue,
                    data: ["webhookId": .string(id.rawValue)])
            }
            return webhook
        }
    }
}

extension EnrollmentStore {
    /// The WHERE clause that finds webhook `id` if it is not deleted (and is `site`'s, when given).
    fileprivate static func liveWebhook(_ id: WebhookID, site: SiteName?) -> SQLConditions {
        var conditions = SQLConditions()
        conditions.add("id = ? AND deletedAt IS NULL", .text(id.rawValue))
        conditions.match("site", site?.value)
        return conditions
    }
}

/// The body of a test delivery: not a session event, so it names the webhook instead of a session.
struct WebhookTestPayload: Encodable {
    var id: String
    var type: String
    var time: String
    var webhookId: String
    var site: String?
}
