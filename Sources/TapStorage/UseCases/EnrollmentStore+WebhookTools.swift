import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Queues a `webhook.tested` event for one webhook only (of `site`, when given), to be sent like any
    /// delivery: signed, retried, dead-lettered. Answers the delivery's id.
    public func queueTestDelivery(
        to id: WebhookID, site: SiteName?, by actor: OperatorIdentity
    ) async throws -> WebhookDeliveryID {
        try await write { db in
            let now = world.currentSecond()
            guard
                let hookSite = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT site, disabledAt FROM webhook WHERE id = ? AND deletedAt IS NULL AND (? IS NULL OR site = ?)
                        """,
                    arguments: [id.rawValue, site?.value, site?.value])
            else { throw EnrollmentError.notFound("webhook") }
            guard (hookSite["disabledAt"] as Date?) == nil else {
                throw EnrollmentError.conflict("this webhook is disabled; enable it to send it a test event")
            }
            let sequence = try appendAudit(
                db, .webhookTested, session: nil, actor: actor.id.rawValue, data: ["webhookId": .string(id.rawValue)])
            let payload = WebhookTestPayload(
                id: String(sequence), type: AuditEventType.webhookTested.rawValue, time: UTCTime.rfc3339(now),
                webhookId: id.rawValue, site: hookSite["site"])
            let delivery: WebhookDeliveryID = world.newID()
            try db.execute(
                sql: """
                    INSERT INTO webhookDelivery (id, webhookId, eventSeq, eventType, sessionId, payload, state, attempts,
                        nextAttemptAt, createdAt)
                    VALUES (?, ?, ?, ?, NULL, ?, 'pending', 0, ?, ?)
                    """,
                arguments: [
                    delivery.rawValue, id.rawValue, sequence, AuditEventType.webhookTested.rawValue,
                    encodeJSON(payload), UTCTime.text(now), UTCTime.text(now),
                ])
            return delivery
        }
    }

    /// Sends a dead-lettered delivery again from the start of its back-off (`webhook.deliveryRetried`); only a
    /// delivery of the live webhook `webhook` (of `site`, when given) that was given up on.
    public func retryWebhookDelivery(
        _ id: WebhookDeliveryID, of webhook: WebhookID, site: SiteName?, by actor: OperatorIdentity
    ) async throws -> WebhookDelivery {
        try await write { db in
            let now = world.currentSecond()
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT d.* FROM webhookDelivery d JOIN webhook w ON w.id = d.webhookId
                        WHERE d.id = ? AND d.webhookId = ? AND w.deletedAt IS NULL AND (? IS NULL OR w.site = ?)
                        """,
                    arguments: [id.rawValue, webhook.rawValue, site?.value, site?.value])
            else { throw EnrollmentError.notFound("delivery") }
            let delivery = try Self.delivery(row)
            guard delivery.state == .deadLetter else {
                throw EnrollmentError.conflict(
                    "only a delivery that was given up on (deadLetter) is sent again; this one is \(delivery.state.rawValue)"
                )
            }
            try db.execute(
                sql: "UPDATE webhookDelivery SET state = 'pending', attempts = 0, nextAttemptAt = ? WHERE id = ?",
                arguments: [UTCTime.text(now), id.rawValue])
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
        try await write { db in
            let now = world.currentSecond()
            try db.execute(
                sql: """
                    UPDATE webhook SET disabledAt = ? WHERE id = ? AND deletedAt IS NULL AND (? IS NULL OR site = ?)
                        AND (disabledAt IS NULL) = ?
                    """,
                arguments: [enabled ? nil : UTCTime.text(now), id.rawValue, site?.value, site?.value, enabled ? 0 : 1])
            let changed = db.changesCount == 1
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM webhook WHERE id = ? AND deletedAt IS NULL AND (? IS NULL OR site = ?)",
                    arguments: [id.rawValue, site?.value, site?.value])
            else { throw EnrollmentError.notFound("webhook") }
            if changed {
                try appendAudit(
                    db, enabled ? .webhookEnabled : .webhookDisabled, session: nil, actor: actor.id.rawValue,
                    data: ["webhookId": .string(id.rawValue)])
            }
            return try Self.webhook(row)
        }
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
