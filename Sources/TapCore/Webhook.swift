import Foundation

/// A registered webhook endpoint, as stored (its secret stays sealed; see ``SealedSecret``).
public struct Webhook: Sendable, Equatable {
    public var id: WebhookID
    /// Where events are POSTed: an https URL (http only for an allow-listed test receiver).
    public var url: String
    /// The event types sent; empty means every event of the session vocabulary.
    public var eventTypes: [AuditEventType]
    /// A note for people ("ServiceNow bench queue").
    public var description: String?
    public var createdAt: Date
    public var createdBy: OperatorID
    /// The one site whose sessions' events it receives; `nil`: every site's (only a global admin manages it).
    public var site: SiteName?
    /// When an admin disabled it: nothing is queued for it then, and what was pending waits until it is enabled.
    public var disabledAt: Date?

    /// Makes a webhook.
    public init(
        id: WebhookID, url: String, eventTypes: [AuditEventType], description: String?, createdAt: Date,
        createdBy: OperatorID, site: SiteName? = nil, disabledAt: Date? = nil
    ) {
        self.disabledAt = disabledAt
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.site = site
    }

    /// Whether events of `type` go to this endpoint.
    public func wants(_ type: AuditEventType) -> Bool { eventTypes.isEmpty || eventTypes.contains(type) }

    /// Whether an event of `type` about a session at `eventSite` goes to this endpoint: a site's webhook gets
    /// only its own site's events, never those of another site or of no site.
    public func wants(_ type: AuditEventType, at eventSite: SiteName?) -> Bool {
        guard wants(type) else { return false }
        guard let site else { return true }
        return eventSite == site
    }
}

/// A secret encrypted under a key derived from the server secret of `keyVersion`.
public struct SealedSecret: Sendable, Equatable {
    /// Nonce, ciphertext and tag, as the sealing function lays them out.
    public var sealed: [UInt8]
    /// The server secret version whose derived key sealed it.
    public var keyVersion: Int

    /// Wraps a sealed secret.
    public init(sealed: [UInt8], keyVersion: Int) {
        self.sealed = sealed
        self.keyVersion = keyVersion
    }
}

/// Where a delivery stands.
public enum WebhookDeliveryState: String, Sendable, Codable, CaseIterable {
    /// Waiting for its (next) attempt.
    case pending
    /// The receiver answered 2xx.
    case delivered
    /// Every attempt failed; no more are made.
    case deadLetter
    /// The webhook was deleted before the delivery succeeded.
    case cancelled
}

/// One event's delivery to one webhook.
public struct WebhookDelivery: Sendable, Equatable {
    public var id: WebhookDeliveryID
    public var webhookID: WebhookID
    /// The audit sequence of the event (its event id).
    public var eventSequence: Int64
    public var eventType: AuditEventType
    public var sessionID: SessionID?
    /// The JSON body sent, byte for byte.
    public var payload: String
    public var state: WebhookDeliveryState
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastAttemptAt: Date?
    /// The receiver's last HTTP status, if it answered at all.
    public var lastStatus: Int?
    /// Why the last attempt failed, in words safe to show (no response body).
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    /// Makes a delivery.
    public init(
        id: WebhookDeliveryID, webhookID: WebhookID, eventSequence: Int64, eventType: AuditEventType,
        sessionID: SessionID?,
        payload: String, state: WebhookDeliveryState, attempts: Int, nextAttemptAt: Date?, lastAttemptAt: Date?,
        lastStatus: Int?, lastError: String?, createdAt: Date, deliveredAt: Date?
    ) {
        self.id = id
        self.webhookID = webhookID
        self.eventSequence = eventSequence
        self.eventType = eventType
        self.sessionID = sessionID
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// A delivery due now, with what the sender needs to make the attempt.
public struct DueDelivery: Sendable {
    public var delivery: WebhookDelivery
    public var url: String
    public var secret: SealedSecret

    /// Makes a due delivery.
    public init(delivery: WebhookDelivery, url: String, secret: SealedSecret) {
        self.delivery = delivery
        self.url = url
        self.secret = secret
    }
}

/// When to try a failed delivery again: exponential back-off, capped, and dead-lettered after a number of tries.
public struct WebhookRetryPolicy: Sendable, Equatable {
    /// Attempts in all before a delivery is dead-lettered.
    public var maximumAttempts: Int
    /// Wait after the first failure; doubles after each further one.
    public var firstDelaySeconds: Int
    /// The longest wait between two attempts.
    public var maximumDelaySeconds: Int

    /// Makes a policy (defaults: 8 attempts, 30 s doubling to at most 1 h, about 2 h in all).
    public init(maximumAttempts: Int = 8, firstDelaySeconds: Int = 30, maximumDelaySeconds: Int = 3600) {
        self.maximumAttempts = maximumAttempts
        self.firstDelaySeconds = firstDelaySeconds
        self.maximumDelaySeconds = maximumDelaySeconds
    }

    /// The time of the next attempt after `attempts` failed ones, or `nil` when the delivery is dead.
    public func nextAttempt(after attempts: Int, now: Date) -> Date? {
        guard attempts < maximumAttempts else { return nil }
        let exponent = min(max(attempts - 1, 0), 30)
        let delay = min(Double(firstDelaySeconds) * pow(2, Double(exponent)), Double(maximumDelaySeconds))
        return now.addingTimeInterval(delay)
    }
}
