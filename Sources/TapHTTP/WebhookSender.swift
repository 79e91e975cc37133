import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TapCore
import TapCrypto
import TapStorage

/// Seals and opens webhook signing secrets under a key derived from the server secret.
enum WebhookSecrets {
    private static let label = Array("tapstation webhook secret key".utf8)
    private static let associatedData = Array("tapstation webhook secret".utf8)

    static func seal(_ secret: String, keyring: Keyring) throws -> SealedSecret {
        guard let key = keyring.mac(.webhookSecret, label) else { throw StorageError.unknownKeyVersion(keyring.currentVersion) }
        return SealedSecret(
            sealed: try Crypto.seal(Array(secret.utf8), key: key, associatedData: associatedData), keyVersion: keyring.currentVersion)
    }

    static func open(_ sealed: SealedSecret, keyring: Keyring) throws -> [UInt8]? {
        guard let key = keyring.mac(.webhookSecret, label, version: sealed.keyVersion) else { return nil }
        return try Crypto.open(sealed.sealed, key: key, associatedData: associatedData)
    }

    /// `X-TapStation-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" under the secret>`.
    static func signature(secret: [UInt8], timestamp: Int64, body: String) throws -> String {
        let mac = try Crypto.hmacSHA256(key: secret, data: Array("\(timestamp).\(body)".utf8))
        return "t=\(timestamp),v1=\(Crypto.hex(mac))"
    }
}

/// Delivers webhook events: fills the outbox from the audit log, then POSTs every due delivery, signed,
/// without following redirects, and records the outcome (delivered, retry later, or dead-lettered).
///
/// Everything it works from is in the database, so a restart picks up exactly where it stopped; a delivery
/// interrupted mid-attempt is tried again (receivers deduplicate by the event id).
public final class WebhookSender: Service, Sendable {
    let store: EnrollmentStore
    let keyring: Keyring
    let world: World
    let settings: WebhookSettings
    let logger: Logger
    private let client: HTTPClient

    /// Makes a sender; call ``shutdown()`` when it is no longer used outside `run()`.
    public init(store: EnrollmentStore, keyring: Keyring, world: World, settings: WebhookSettings, logger: Logger) {
        self.store = store
        self.keyring = keyring
        self.world = world
        self.settings = settings
        self.logger = logger
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: .seconds(Int64(settings.requestTimeout.components.seconds)),
                read: .seconds(Int64(settings.requestTimeout.components.seconds))))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await self.runOnce()
                } catch is CancellationError {
                    break
                } catch {
                    self.logger.error("webhook.cycle_failed", metadata: ["error.type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: self.settings.pollInterval)
            }
        }
        try? await client.shutdown()
    }

    /// Stops the HTTP client (for a sender driven by ``runOnce()`` in tests).
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// One cycle: queue new events, then attempt every due delivery. Returns the attempts made.
    @discardableResult
    public func runOnce() async throws -> Int {
        repeat {
            try await store.fillWebhookOutbox()
        } while try await store.webhookOutboxLag() > 0
        if settings.deliveryPaused { return 0 }
        var attempts = 0
        while true {
            let due = try await store.dueWebhookDeliveries(limit: 50)
            for delivery in due {
                try await attempt(delivery)
                attempts += 1
            }
            if due.count < 50 { break }
        }
        return attempts
    }

    private func attempt(_ due: DueDelivery) async throws {
        let delivery = due.delivery
        let outcome = await send(due)
        let now = world.now()
        switch outcome {
        case .delivered(let status):
            try await store.recordWebhookAttempt(delivery.id, delivered: true, status: status, error: nil, nextAttemptAt: nil)
            logger.debug("webhook.delivered", metadata: ["webhook.delivery": "\(delivery.id)", "http.status": "\(status)"])
        case .failed(let status, let reason):
            let next = settings.retry.nextAttempt(after: delivery.attempts + 1, now: now)
            try await store.recordWebhookAttempt(delivery.id, delivered: false, status: status, error: reason, nextAttemptAt: next)
            if next == nil {
                logger.warning("webhook.dead_lettered", metadata: ["webhook.delivery": "\(delivery.id)", "webhook.id": "\(delivery.webhookID)"])
            } else {
                logger.info("webhook.failed", metadata: ["webhook.delivery": "\(delivery.id)", "webhook.reason": "\(reason)"])
            }
        }
    }

    private enum Outcome { case delivered(Int), failed(Int?, String) }

    private func send(_ due: DueDelivery) async -> Outcome {
        // The address is checked again at each attempt: what a name resolves to can change after registration.
        if let refusal = WebhookTarget.refusal(due.url, settings: settings) { return .failed(nil, refusal) }
        let secret: [UInt8]
        do {
            guard let opened = try WebhookSecrets.open(due.secret, keyring: keyring) else {
                return .failed(nil, "the webhook's secret cannot be opened with this server secret")
            }
            secret = opened
        } catch {
            return .failed(nil, "the webhook's secret cannot be opened")
        }
        var request = HTTPClientRequest(url: due.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "TapStation-Webhook/1")
        request.headers.add(name: "X-TapStation-Event", value: due.delivery.eventType.rawValue)
        request.headers.add(name: "X-TapStation-Delivery", value: due.delivery.id.rawValue)
        do {
            let timestamp = Int64(world.now().timeIntervalSince1970)
            request.headers.add(
                name: "X-TapStation-Signature", value: try WebhookSecrets.signature(secret: secret, timestamp: timestamp, body: due.delivery.payload))
        } catch {
            return .failed(nil, "the signature could not be made")
        }
        request.body = .bytes(ByteBuffer(string: due.delivery.payload))
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(settings.requestTimeout.components.seconds)))
            // Read (and drop) at most a little of the answer, so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            switch status {
            case 200..<300: return .delivered(status)
            case 300..<400: return .failed(status, "the receiver redirected; redirects are not followed")
            default: return .failed(status, "the receiver answered \(status)")
            }
        } catch {
            return .failed(nil, "no answer: \(String(describing: error).prefix(160))")
        }
    }
}
