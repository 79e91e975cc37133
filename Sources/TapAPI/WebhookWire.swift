import Foundation
import TapCore

/// `POST /v1/webhooks`.
public struct CreateWebhookRequest: Codable, Sendable, Equatable {
    /// Where events are POSTed (https).
    public var url: String
    /// Event types to send; absent or empty means every event of the session vocabulary.
    public var eventTypes: [AuditEventType]?
    /// The signing secret (16-256 visible ASCII characters); absent: the server makes one and shows it once.
    public var secret: String?
    /// A note for people.
    public var description: String?
    /// The one site whose sessions' events it receives; absent: the caller's own scope (a site admin's site,
    /// every site for a global admin).
    public var site: SiteName?
    /// Whether the body said `"site": null`: every site's events, which only a global admin may ask for.
    public var asksForEverySite: Bool

    /// Makes a request.
    public init(
        url: String, eventTypes: [AuditEventType]? = nil, secret: String? = nil, description: String? = nil,
        site: SiteName? = nil, asksForEverySite: Bool = false
    ) {
        self.url = url
        self.eventTypes = eventTypes
        self.secret = secret
        self.description = description
        self.site = site
        self.asksForEverySite = asksForEverySite
    }

    private enum CodingKeys: String, CodingKey { case url, eventTypes, secret, description, site }

    /// Decodes a request, telling an absent `site` (the caller's scope) from a `null` one (every site).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        eventTypes = try container.decodeIfPresent([AuditEventType].self, forKey: .eventTypes)
        secret = try container.decodeIfPresent(String.self, forKey: .secret)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        site = try container.decodeIfPresent(SiteName.self, forKey: .site)
        asksForEverySite = container.contains(.site) && site == nil
    }

    /// Encodes a request; `site` is `null` when it asks for every site, absent when it leaves the scope to the caller.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encodeIfPresent(eventTypes, forKey: .eventTypes)
        try container.encodeIfPresent(secret, forKey: .secret)
        try container.encodeIfPresent(description, forKey: .description)
        if let site {
            try container.encode(site, forKey: .site)
        } else if asksForEverySite {
            try container.encodeNil(forKey: .site)
        }
    }
}

/// A webhook as the API shows it; `secret` only in the answer that created it with a server-made secret.
public struct WebhookView: Codable, Sendable, Equatable {
    public var id: WebhookID
    public var url: String
    public var eventTypes: [AuditEventType]
    public var description: String?
    public var createdDateTime: Date
    public var createdBy: OperatorID
    /// The one site whose events it receives; absent: every site's.
    public var site: SiteName?
    /// Whether events are queued and sent to it (an admin may disable it and enable it again).
    public var enabled: Bool
    public var secret: String?

    /// The view of a webhook.
    public init(_ webhook: Webhook, secret: String? = nil) {
        id = webhook.id
        enabled = webhook.disabledAt == nil
        site = webhook.site
        url = webhook.url
        eventTypes = webhook.eventTypes
        description = webhook.description
        createdDateTime = webhook.createdAt
        createdBy = webhook.createdBy
        self.secret = secret
    }
}

/// `GET /v1/webhooks`.
public struct WebhookList: Codable, Sendable, Equatable {
    public var items: [WebhookView]

    /// Makes a list.
    public init(items: [WebhookView]) {
        self.items = items
    }
}

/// One delivery as the API shows it.
public struct WebhookDeliveryView: Codable, Sendable, Equatable {
    public var id: WebhookDeliveryID
    public var eventId: String
    public var eventType: AuditEventType
    public var sessionId: SessionID?
    public var state: WebhookDeliveryState
    public var attempts: Int
    public var nextAttemptDateTime: Date?
    public var lastAttemptDateTime: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var createdDateTime: Date
    public var deliveredDateTime: Date?

    /// The view of a delivery.
    public init(_ delivery: WebhookDelivery) {
        id = delivery.id
        eventId = String(delivery.eventSequence)
        eventType = delivery.eventType
        sessionId = delivery.sessionID
        state = delivery.state
        attempts = delivery.attempts
        nextAttemptDateTime = delivery.state == .pending ? delivery.nextAttemptAt : nil
        lastAttemptDateTime = delivery.lastAttemptAt
        lastStatus = delivery.lastStatus
        lastError = delivery.lastError
        createdDateTime = delivery.createdAt
        deliveredDateTime = delivery.deliveredAt
    }
}

/// `PATCH /v1/webhooks/{id}`: disables a webhook or enables it again.
public struct WebhookChange: Codable, Sendable, Equatable {
    public var enabled: Bool

    /// Makes a change.
    public init(enabled: Bool) { self.enabled = enabled }
}

/// `POST /v1/webhooks/{id}/test`: the delivery that will carry the test event.
public struct WebhookTestQueued: Codable, Sendable, Equatable {
    public var deliveryId: String

    /// Makes an answer.
    public init(deliveryId: String) { self.deliveryId = deliveryId }
}

/// `GET /v1/webhooks/{id}/deliveries`.
public struct WebhookDeliveryList: Codable, Sendable, Equatable {
    public var items: [WebhookDeliveryView]
    public var nextCursor: String?

    /// Makes a page.
    public init(items: [WebhookDeliveryView], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// The body of a webhook delivery, for receivers written in Swift.
public struct WebhookEventWire: Codable, Sendable, Equatable {
    public var id: String
    public var type: AuditEventType
    public var time: Date
    public var sessionId: SessionID
    public var state: SessionState
    public var site: SiteName
    public var userPrincipalName: UserPrincipalName
    /// For `key.*` events: which key, its model, and the status it is flagged with.
    public var key: KeyEventFacts?
}
