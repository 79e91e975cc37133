import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    // MARK: Endpoints

    /// Registers a webhook endpoint of `site` (`nil`: every site's); the URL was checked, the secret sealed
    /// and the site allowed for the actor by the caller.
    public func createWebhook(
        url: String, eventTypes: [AuditEventType], description: String?, secret: SealedSecret, site: SiteName? = nil,
        by actor: OperatorIdentity
    ) async throws -> Webhook {
        try await write { db in
            let now = world.currentSecond()
            let webhook = Webhook(
                id: world.newID(), url: url, eventTypes: eventTypes, description: description, createdAt: now,
                createdBy: actor.id, site: site)
            try db.execute(
                sql: """
                    INSERT INTO webhook
                        (id, url, eventTypes, description, secret, secretKeyVersion, createdAt, createdBy, site)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    webhook.id.rawValue, url, encodeJSON(eventTypes.map(\.rawValue)), description, Data(secret.sealed),
                    secret.keyVersion, UTCTime.text(now), actor.id.rawValue, site?.value,
                ])
            // Only the host is recorded: a URL's path or query may carry a receiver's own token.
            var data: [String: JSONValue] = [
                "webhookId": .string(webhook.id.rawValue), "host": .string(URLComponents(string: url)?.host ?? "?"),
            ]
            if let site { data["site"] = .string(site.value) }
            try appendAudit(db, .webhookCreated, session: nil, actor: actor.id.rawValue, data: data)
            return webhook
        }
    }

    /// Every webhook that is not deleted, oldest first; with `site`, only that site's (a site admin's view).
    public func webhooks(site: SiteName? = nil) async throws -> [Webhook] {
        try await pool().read { db in
            try Self.liveWebhooks.matching("site", site?.value).order(Column("id")).fetchAll(db).map(Self.webhook)
        }
    }

    /// The webhooks that are not deleted.
    private static var liveWebhooks: QueryInterfaceRequest<Row> { Table("webhook").filter(Column("deletedAt") == nil) }

    /// One webhook that is not deleted; with `site`, only when it is that site's (others are not found).
    public func webhook(_ id: WebhookID, site: SiteName? = nil) async throws -> Webhook? {
        try await pool().read { db in
            try Self.liveWebhooks.matching("id", id.rawValue).matching("site", site?.value).fetchOne(db).map(
                Self.webhook)
        }
    }

    /// Whether a queued delivery is still to be attempted: pending, and its webhook not deleted. The sender
    /// asks before each attempt, so that a webhook deleted while its deliveries wait in memory gets none.
    public func webhookDeliveryIsPending(_ id: WebhookDeliveryID) async throws -> Bool {
        try await pool().read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM webhookDelivery d JOIN webhook w ON w.id = d.webhookId
                    WHERE d.id = ? AND d.state = 'pending' AND w.deletedAt IS NULL
                    """,
                arguments: [id.rawValue]) ?? false
        }
    }

    /// Deletes a webhook: nothing more is sent to it, and its pending deliveries are cancelled. With `site`,
    /// only a webhook of that site is found (a site admin's delete).
    public func deleteWebhook(_ id: WebhookID, site: SiteName? = nil, by actor: OperatorIdentity) async throws {
        try await write { db in
            let now = world.currentSecond()
            try db.execute(
                sql: "UPDATE webhook SET deletedAt = ? WHERE id = ? AND deletedAt IS NULL AND (? IS NULL OR site = ?)",
                arguments: [UTCTime.text(now), id.rawValue, site?.value, site?.value])
            guard db.changesCount == 1 else { throw EnrollmentError.notFound("webhook") }
            try db.execute(
                sql:
                    "UPDATE webhookDelivery SET state = 'cancelled', nextAttemptAt = NULL WHERE webhookId = ? AND state = 'pending'",
                arguments: [id.rawValue])
            try appendAudit(
                db, .webhookDeleted, session: nil, actor: actor.id.rawValue, data: ["webhookId": .string(id.rawValue)])
        }
    }

    static func webhook(_ row: Row) throws -> Webhook {
        let types = try decodeJSON([String].self, row["eventTypes"], what: "webhook.eventTypes")
        return Webhook(
            id: try parse(WebhookID(row["id"] as String), "webhook.id"), url: row["url"],
            eventTypes: try types.map { try parse(AuditEventType(rawValue: $0), "webhook.eventTypes") },
            description: row["description"], createdAt: row["createdAt"],
            createdBy: try parse(OperatorID(row["createdBy"] as String), "webhook.createdBy"),
            site: try (row["site"] as String?).map { try parse(SiteName($0), "webhook.site") },
            disabledAt: row["disabledAt"])
    }

    // MARK: The outbox

    /// Turns session events appended since the stored cursor into pending deliveries for every webhook that
    /// wants them (a site's webhook: only events of sessions at that site), and moves the cursor, in one
    /// transaction: an event is queued exactly once, even across a restart. Returns how many deliveries were queued.
    @discardableResult
    public func fillWebhookOutbox(chunk: Int = 500) async throws -> Int {
        // A read first: the sender polls, and an idle service should not take the writer every few seconds.
        guard try await webhookOutboxLag() > 0 else { return 0 }
        let sessionTypes = AuditEventType.allCases.filter(\.isSessionEvent).map { "'\($0.rawValue)'" }.joined(
            separator: ",")
        return try await pool().write { db -> Int in
            let cursor = try Int64.fetchOne(db, sql: "SELECT seq FROM webhookCursor WHERE id = 1") ?? 0
            let head = try Int64.fetchOne(db, sql: "SELECT seq FROM auditHead WHERE id = 1") ?? 0
            guard head > cursor else { return 0 }
            let upTo = min(head, cursor + Int64(chunk))
            try db.execute(sql: "UPDATE webhookCursor SET seq = ? WHERE id = 1", arguments: [upTo])
            let hooks = try Self.liveWebhooks.fetchAll(db).map(Self.webhook)
            guard !hooks.isEmpty else { return 0 }
            let events = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.seq, a.time, a.type, a.sessionId, s.state, s.site, s.userPrincipalName,
                        \(Self.keyFactColumns)
                    FROM auditEvent a JOIN session s ON s.id = a.sessionId
                    WHERE a.seq > ? AND a.seq <= ? AND a.type IN (\(sessionTypes)) ORDER BY a.seq
                    """,
                arguments: [cursor, upTo])
            let now = world.currentSecond()
            var queued = 0
            for event in events {
                guard let type = AuditEventType(rawValue: event[2]) else { continue }
                let payload = WebhookPayload(
                    id: String(event[0] as Int64), type: type.rawValue, time: UTCTime.rfc3339(event[1] as Date),
                    sessionId: event[3], state: event[4], site: event[5], userPrincipalName: event[6],
                    key: Self.keyFacts(event, at: 7))
                let body = encodeJSON(payload)
                let site = (event[5] as String?).flatMap(SiteName.init)
                for hook in hooks where hook.disabledAt == nil && hook.wants(type, at: site) {
                    try db.execute(
                        sql: """
                            INSERT INTO webhookDelivery (id, webhookId, eventSeq, eventType, sessionId, payload, state, attempts,
                                nextAttemptAt, createdAt)
                            VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING
                            """,
                        arguments: [
                            (world.newID() as WebhookDeliveryID).rawValue, hook.id.rawValue, event[0] as Int64,
                            type.rawValue,
                            event[3] as String, body, UTCTime.text(now), UTCTime.text(now),
                        ])
                    queued += db.changesCount
                }
            }
            return queued
        }
    }

    /// Whether the outbox has fallen behind the audit log (more events to turn into deliveries).
    public func webhookOutboxLag() async throws -> Int64 {
        try await pool().read { db in
            let cursor = try Int64.fetchOne(db, sql: "SELECT seq FROM webhookCursor WHERE id = 1") ?? 0
            let head = try Int64.fetchOne(db, sql: "SELECT seq FROM auditHead WHERE id = 1") ?? 0
            return max(head - cursor, 0)
        }
    }

    /// Deliveries whose next attempt is due, oldest first, with their endpoint's URL and sealed secret; with
    /// `webhook`, only that endpoint's.
    public func dueWebhookDeliveries(limit: Int, webhook: WebhookID? = nil) async throws -> [DueDelivery] {
        let now = world.now()
        return try await pool().read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, w.url AS hookUrl, w.secret AS hookSecret, w.secretKeyVersion AS hookKeyVersion
                    FROM webhookDelivery d JOIN webhook w ON w.id = d.webhookId
                    WHERE d.state = 'pending' AND d.nextAttemptAt <= ? AND w.deletedAt IS NULL AND w.disabledAt IS NULL
                        AND (? IS NULL OR d.webhookId = ?)
                    ORDER BY d.nextAttemptAt, d.id LIMIT ?
                    """,
                arguments: [UTCTime.text(now), webhook?.rawValue, webhook?.rawValue, limit]
            ).map { row in
                DueDelivery(
                    delivery: try Self.delivery(row), url: row["hookUrl"],
                    secret: SealedSecret(sealed: Array(row["hookSecret"] as Data), keyVersion: row["hookKeyVersion"]))
            }
        }
    }

    /// Records an attempt: delivered, or failed with the time of the next one (`nil`: dead-lettered).
    public func recordWebhookAttempt(
        _ id: WebhookDeliveryID, delivered: Bool, status: Int?, error: String?, nextAttemptAt: Date?
    ) async throws {
        let now = world.currentSecond()
        let state: WebhookDeliveryState = delivered ? .delivered : (nextAttemptAt == nil ? .deadLetter : .pending)
        try await pool().write { db in
            try db.execute(
                sql: """
                    UPDATE webhookDelivery SET attempts = attempts + 1, lastAttemptAt = ?, lastStatus = ?, lastError = ?, state = ?,
                        nextAttemptAt = ?, deliveredAt = ?
                    WHERE id = ? AND state = 'pending'
                    """,
                arguments: [
                    UTCTime.text(now), status, error, state.rawValue, delivered ? nil : nextAttemptAt.map(UTCTime.text),
                    delivered ? UTCTime.text(now) : nil, id.rawValue,
                ])
        }
    }

    /// A page of one webhook's deliveries, newest first.
    public func webhookDeliveries(
        _ webhookID: WebhookID, state: WebhookDeliveryState?, after cursor: WebhookDeliveryID?, limit: Int
    ) async throws -> Page<WebhookDelivery> {
        try await pool().read { db in
            let rows = try Table("webhookDelivery").all()
                .matching("webhookId", webhookID.rawValue).matching("state", state?.rawValue)
                .newestFirst(after: cursor?.rawValue, limit: limit).fetchAll(db)
            let (page, next) = pageOf(rows, limit: limit, id: { $0["id"] as String })
            return Page(items: try page.map(Self.delivery), nextCursor: next)
        }
    }

    /// Deliveries still to be made (pending), for the backlog metric.
    public func webhookBacklog() async throws -> Int {
        try await pool().read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhookDelivery WHERE state = 'pending'") ?? 0
        }
    }

    static func delivery(_ row: Row) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try parse(WebhookDeliveryID(row["id"] as String), "webhookDelivery.id"),
            webhookID: try parse(WebhookID(row["webhookId"] as String), "webhookDelivery.webhookId"),
            eventSequence: row["eventSeq"],
            eventType: try parse(AuditEventType(rawValue: row["eventType"]), "webhookDelivery.eventType"),
            sessionID: (row["sessionId"] as String?).flatMap(SessionID.init), payload: row["payload"],
            state: try parse(WebhookDeliveryState(rawValue: row["state"]), "webhookDelivery.state"),
            attempts: row["attempts"],
            nextAttemptAt: row["nextAttemptAt"], lastAttemptAt: row["lastAttemptAt"], lastStatus: row["lastStatus"],
            lastError: row["lastError"], createdAt: row["createdAt"], deliveredAt: row["deliveredAt"])
    }
}

/// The JSON body of a webhook delivery: the event, never a pass, token or actor.
struct WebhookPayload: Encodable {
    var id: String
    var type: String
    var time: String
    var sessionId: String
    var state: String
    var site: String
    var userPrincipalName: String
    var key: KeyEventFacts?
}
