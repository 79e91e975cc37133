import Foundation
import TapCore

extension EnrollmentStore {
    // MARK: Endpoints

    /// Registers a webhook endpoint of `site` (`nil`: every site's); the URL was checked, the secret sealed
    /// and the site allowed for the actor by the caller.
    public func createWebhook(
        url: String, eventTypes: [AuditEventType], description: String?, secret: SealedSecret, site: SiteName? = nil,
        by actor: OperatorIdentity
    ) async throws -> Webhook {
        try await perform { db in
            let now = world.currentSecond()
            let webhook = Webhook(
                id: world.newID(), url: url, eventTypes: eventTypes, description: description, createdAt: now,
                createdBy: actor.id, site: site)
            try db.run(
                """
                INSERT INTO webhook
                    (id, url, eventTypes, description, secret, secretKeyVersion, createdAt, createdBy, site)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                bind(
                    webhook.id.rawValue, url, encodeJSON(eventTypes.map(\.rawValue)), description, Data(secret.sealed),
                    secret.keyVersion, now, actor.id.rawValue, site?.value))
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
        var conditions = SQLConditions()
        conditions.match("site", site?.value)
        return try await engine.read { [conditions] db in
            try Self.liveWebhooks(db, conditions, order: "ORDER BY id")
        }
    }

    /// The webhooks that are not deleted and meet `conditions`.
    private static func liveWebhooks(
        _ db: any StatementRunner, _ conditions: SQLConditions = SQLConditions(), order: String = ""
    ) throws -> [Webhook] {
        var conditions = conditions
        conditions.add("deletedAt IS NULL")
        return try db.queryAll(
            "SELECT \(webhookColumns) FROM webhook \(conditions.clause) \(order)", conditions.values, webhook)
    }

    /// One webhook that is not deleted; with `site`, only when it is that site's (others are not found).
    public func webhook(_ id: WebhookID, site: SiteName? = nil) async throws -> Webhook? {
        var conditions = SQLConditions()
        conditions.match("id", id.rawValue)
        conditions.match("site", site?.value)
        return try await engine.read { [conditions] db in try Self.liveWebhooks(db, conditions).first }
    }

    /// Whether a queued delivery is still to be attempted: pending, and its webhook not deleted. The sender
    /// asks before each attempt, so that a webhook deleted while its deliveries wait in memory gets none.
    public func webhookDeliveryIsPending(_ id: WebhookDeliveryID) async throws -> Bool {
        try await engine.read { db in
            try db.queryFirst(
                """
                SELECT 1 FROM webhookDelivery d JOIN webhook w ON w.id = d.webhookId
                WHERE d.id = ? AND d.state = 'pending' AND w.deletedAt IS NULL
                """,
                bind(id.rawValue)
            ) { _ in true } ?? false
        }
    }

    /// Deletes a webhook: nothing more is sent to it, and its pending deliveries are cancelled. With `site`,
    /// only a webhook of that site is found (a site admin's delete).
    public func deleteWebhook(_ id: WebhookID, site: SiteName? = nil, by actor: OperatorIdentity) async throws {
        var conditions = SQLConditions()
        conditions.add("id = ? AND deletedAt IS NULL", .text(id.rawValue))
        conditions.match("site", site?.value)
        try await perform { [conditions] db in
            let now = world.currentSecond()
            guard
                try db.changes("UPDATE webhook SET deletedAt = ? \(conditions.clause)", bind(now) + conditions.values)
                    == 1
            else { throw EnrollmentError.notFound("webhook") }
            try db.run(
                "UPDATE webhookDelivery SET state = 'cancelled', nextAttemptAt = NULL WHERE webhookId = ? AND state = 'pending'",
                bind(id.rawValue))
            try appendAudit(
                db, .webhookDeleted, session: nil, actor: actor.id.rawValue, data: ["webhookId": .string(id.rawValue)])
        }
    }

    /// The columns ``webhook(_:)`` reads, in its order.
    static let webhookColumns = "id, url, eventTypes, description, createdAt, createdBy, site, disabledAt"

    static func webhook(_ row: any StatementRow) throws -> Webhook {
        let types = try decodeJSON([String].self, try row.text(2), what: "webhook.eventTypes")
        return Webhook(
            id: try parse(WebhookID(try row.text(0)), "webhook.id"), url: try row.text(1),
            eventTypes: try types.map { try parse(AuditEventType(rawValue: $0), "webhook.eventTypes") },
            description: try row.optionalText(3), createdAt: try row.date(4),
            createdBy: try parse(OperatorID(try row.text(5)), "webhook.createdBy"),
            site: try row.optionalText(6).map { try parse(SiteName($0), "webhook.site") },
            disabledAt: try row.optionalDate(7))
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
        return try await engine.writeBulk { db -> Int in
            let cursor =
                try db.queryFirst("SELECT seq FROM webhookCursor WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            let head = try db.queryFirst("SELECT seq FROM auditHead WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            guard head > cursor else { return 0 }
            let upTo = min(head, cursor + Int64(chunk))
            try db.run("UPDATE webhookCursor SET seq = ? WHERE id = 1", bind(upTo))
            let hooks = try Self.liveWebhooks(db)
            guard !hooks.isEmpty else { return 0 }
            struct Event {
                var sequence: Int64, time: Date, type: String, sessionID: String, state: String, site: String
                var user: String, key: KeyEventFacts?
            }
            let events = try db.queryAll(
                """
                SELECT a.seq, a.time, a.type, a.sessionId, s.state, s.site, s.userPrincipalName,
                    \(Self.keyFactColumns(db.dialect))
                FROM auditEvent a JOIN session s ON s.id = a.sessionId
                WHERE a.seq > ? AND a.seq <= ? AND a.type IN (\(sessionTypes)) ORDER BY a.seq
                """,
                bind(cursor, upTo)
            ) { row in
                Event(
                    sequence: Int64(try row.integer(0)), time: try row.date(1), type: try row.text(2),
                    sessionID: try row.text(3), state: try row.text(4), site: try row.text(5), user: try row.text(6),
                    key: try Self.keyFacts(row, at: 7))
            }
            let now = world.currentSecond()
            var queued = 0
            for event in events {
                guard let type = AuditEventType(rawValue: event.type) else { continue }
                let payload = WebhookPayload(
                    id: String(event.sequence), type: type.rawValue, time: UTCTime.rfc3339(event.time),
                    sessionId: event.sessionID, state: event.state, site: event.site, userPrincipalName: event.user,
                    key: event.key)
                let body = encodeJSON(payload)
                let site = SiteName(event.site)
                for hook in hooks where hook.disabledAt == nil && hook.wants(type, at: site) {
                    queued += try db.changes(
                        """
                        INSERT INTO webhookDelivery (id, webhookId, eventSeq, eventType, sessionId, payload, state, attempts,
                            nextAttemptAt, createdAt)
                        VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING
                        """,
                        bind(
                            (world.newID() as WebhookDeliveryID).rawValue, hook.id.rawValue, event.sequence,
                            type.rawValue, event.sessionID, body, now, now))
                }
            }
            return queued
        }
    }

    /// Whether the outbox has fallen behind the audit log (more events to turn into deliveries).
    public func webhookOutboxLag() async throws -> Int64 {
        try await engine.read { db in
            let cursor =
                try db.queryFirst("SELECT seq FROM webhookCursor WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            let head = try db.queryFirst("SELECT seq FROM auditHead WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            return max(head - cursor, 0)
        }
    }

    /// Deliveries whose next attempt is due, oldest first, with their endpoint's URL and sealed secret; with
    /// `webhook`, only that endpoint's.
    public func dueWebhookDeliveries(limit: Int, webhook: WebhookID? = nil) async throws -> [DueDelivery] {
        let now = world.now()
        var conditions = SQLConditions()
        conditions.add(
            "d.state = 'pending' AND d.nextAttemptAt <= ? AND w.deletedAt IS NULL AND w.disabledAt IS NULL", .date(now))
        conditions.match("d.webhookId", webhook?.rawValue)
        return try await engine.read { [conditions] db in
            try db.queryAll(
                """
                SELECT \(Self.deliveryColumns(of: "d")), w.url, w.secret, w.secretKeyVersion
                FROM webhookDelivery d JOIN webhook w ON w.id = d.webhookId
                \(conditions.clause)
                ORDER BY d.nextAttemptAt, d.id LIMIT ?
                """,
                conditions.values + bind(limit)
            ) { row in
                DueDelivery(
                    delivery: try Self.delivery(row), url: try row.text(14),
                    secret: SealedSecret(sealed: Array(try row.blob(15)), keyVersion: try row.integer(16)))
            }
        }
    }

    /// Records an attempt: delivered, or failed with the time of the next one (`nil`: dead-lettered).
    public func recordWebhookAttempt(
        _ id: WebhookDeliveryID, delivered: Bool, status: Int?, error: String?, nextAttemptAt: Date?
    ) async throws {
        let now = world.currentSecond()
        let state: WebhookDeliveryState = delivered ? .delivered : (nextAttemptAt == nil ? .deadLetter : .pending)
        try await engine.writeBulk { db in
            try db.run(
                """
                UPDATE webhookDelivery SET attempts = attempts + 1, lastAttemptAt = ?, lastStatus = ?, lastError = ?, state = ?,
                    nextAttemptAt = ?, deliveredAt = ?
                WHERE id = ? AND state = 'pending'
                """,
                bind(
                    now, status, error, state.rawValue, delivered ? nil : nextAttemptAt, delivered ? now : nil,
                    id.rawValue))
        }
    }

    /// A page of one webhook's deliveries, newest first.
    public func webhookDeliveries(
        _ webhookID: WebhookID, state: WebhookDeliveryState?, after cursor: WebhookDeliveryID?, limit: Int
    ) async throws -> Page<WebhookDelivery> {
        var conditions = SQLConditions()
        conditions.match("webhookId", webhookID.rawValue)
        conditions.match("state", state?.rawValue)
        let page = conditions.newestFirst(after: cursor?.rawValue, limit: limit)
        return try await engine.read { db in
            let rows = try db.queryAll(
                "SELECT \(Self.deliveryColumns(of: nil)) FROM webhookDelivery \(page.clause)", page.values,
                Self.delivery)
            let (items, next) = pageOf(rows, limit: limit, id: \.id.rawValue)
            return Page(items: items, nextCursor: next)
        }
    }

    /// Deliveries still to be made (pending), for the backlog metric.
    public func webhookBacklog() async throws -> Int {
        try await engine.read { db in
            try db.queryFirst("SELECT COUNT(*) FROM webhookDelivery WHERE state = 'pending'") { try $0.integer(0) } ?? 0
        }
    }

    /// The columns ``delivery(_:)`` reads, in its order, each of `table` when given (for a join).
    static func deliveryColumns(of table: String?) -> String {
        [
            "id", "webhookId", "eventSeq", "eventType", "sessionId", "payload", "state", "attempts", "nextAttemptAt",
            "lastAttemptAt", "lastStatus", "lastError", "createdAt", "deliveredAt",
        ].map { column in table.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }

    static func delivery(_ row: any StatementRow) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try parse(WebhookDeliveryID(try row.text(0)), "webhookDelivery.id"),
            webhookID: try parse(WebhookID(try row.text(1)), "webhookDelivery.webhookId"),
            eventSequence: Int64(try row.integer(2)),
            eventType: try parse(AuditEventType(rawValue: try row.text(3)), "webhookDelivery.eventType"),
            sessionID: try row.optionalText(4).flatMap(SessionID.init), payload: try row.text(5),
            state: try parse(WebhookDeliveryState(rawValue: try row.text(6)), "webhookDelivery.state"),
            attempts: try row.integer(7),
            nextAttemptAt: try row.optionalDate(8), lastAttemptAt: try row.optionalDate(9),
            lastStatus: row.isNull(10) ? nil : try row.integer(10), lastError: try row.optionalText(11),
            createdAt: try row.date(12), deliveredAt: try row.optionalDate(13))
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
