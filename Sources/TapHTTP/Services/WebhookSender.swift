import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOConcurrencyHelpers
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
        guard let key = keyring.mac(.webhookSecret, label) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        return SealedSecret(
            sealed: try Crypto.seal(Array(secret.utf8), key: key, associatedData: associatedData),
            keyVersion: keyring.currentVersion)
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
/// Each webhook has at most one worker, which sends its deliveries one at a time in order; up to
/// ``WebhookSettings/maximumConcurrentWebhooks`` workers run at once, so a receiver that hangs delays only
/// its own deliveries. Everything it works from is in the database, so a restart picks up exactly where it
/// stopped; a delivery interrupted mid-attempt is tried again (receivers deduplicate by the event id).
public final class WebhookSender: Service, Sendable {
    let store: any WebhookStore
    let keyring: Keyring
    let world: World
    let settings: WebhookSettings
    let logger: Logger
    /// Webhooks with a worker under way.
    private let busy = NIOLockedValueBox<Set<WebhookID>>([])
    /// Delivery's turn among instances, so that no two send at once; `nil` when this is the database's only sender.
    let lease: JobLease?

    /// Makes a sender.
    public init(
        store: any WebhookStore, keyring: Keyring, world: World, settings: WebhookSettings, logger: Logger,
        lease: JobLease? = nil
    ) {
        self.lease = lease
        self.store = store
        self.keyring = keyring
        self.world = world
        self.settings = settings
        self.logger = logger
    }

    /// Polls for due deliveries until shutdown, each webhook's on a worker of its own.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Workers outlive the cycle that started them: the next cycle starts the webhooks that have none.
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    do {
                        for webhook in try await self.claimDueWebhooks() {
                            group.addTask { await self.work(on: webhook, attempts: nil) }
                        }
                    } catch is CancellationError {
                        break
                    } catch {
                        self.logger.error("webhook.cycle_failed", metadata: ["error.type": "\(type(of: error))"])
                    }
                    try? await Task.sleep(for: self.settings.pollInterval)
                }
            }
        }
        await lease?.release()
    }

    /// Kept for callers that stopped the shared client; each attempt now has its own, closed after it.
    public func shutdown() async throws {}

    /// One cycle: queue new events, then attempt every due delivery, and wait for the attempts. Returns the
    /// attempts made.
    @discardableResult
    public func runOnce() async throws -> Int {
        let attempts = NIOLockedValueBox(0)
        // Rounds until one makes no attempt: more webhooks may be due than the bound lets start at once.
        var before = -1
        while attempts.withLockedValue({ $0 }) > before {
            before = attempts.withLockedValue { $0 }
            let claimed = try await claimDueWebhooks()
            await withDiscardingTaskGroup { group in
                for webhook in claimed { group.addTask { await self.work(on: webhook, attempts: attempts) } }
            }
        }
        return attempts.withLockedValue { $0 }
    }

    /// Queues new events, then claims each webhook with due deliveries and no worker under way, up to the
    /// bound; the caller starts a worker for each (which releases it).
    private func claimDueWebhooks() async throws -> [WebhookID] {
        guard await lease?.hold() ?? true else { return [] }
        repeat {
            try await store.fillWebhookOutbox(chunk: 500)
        } while try await store.webhookOutboxLag() > 0
        if settings.deliveryPaused { return [] }
        let due = try await store.dueWebhookDeliveries(limit: 500, webhook: nil)
        var claimed: [WebhookID] = []
        var seen = Set<WebhookID>()
        for delivery in due where seen.insert(delivery.delivery.webhookID).inserted {
            let webhook = delivery.delivery.webhookID
            let free = busy.withLockedValue { busy -> Bool in
                guard busy.count < settings.maximumConcurrentWebhooks, !busy.contains(webhook) else { return false }
                busy.insert(webhook)
                return true
            }
            if free { claimed.append(webhook) }
        }
        return claimed
    }

    /// Sends one claimed webhook's due deliveries in order until none is due, then releases it.
    private func work(on webhook: WebhookID, attempts: NIOLockedValueBox<Int>?) async {
        defer { busy.withLockedValue { _ = $0.remove(webhook) } }
        do {
            while !Task.isCancelled {
                let due = try await store.dueWebhookDeliveries(limit: 50, webhook: webhook)
                for delivery in due {
                    // An attempt starts only while the lease surely outlasts it, so that another instance taking
                    // the job over never sends beside this one.
                    guard lease?.isHeld(for: settings.requestTimeout + .seconds(1)) ?? true else { return }
                    // The webhook may have been deleted since this page was read: its queue is dropped.
                    guard try await store.webhookDeliveryIsPending(delivery.delivery.id) else { continue }
                    try await attempt(delivery)
                    attempts?.withLockedValue { $0 += 1 }
                }
                if due.count < 50 { return }
            }
        } catch {
            logger.error(
                "webhook.worker_failed", metadata: ["webhook.id": "\(webhook)", "error.type": "\(type(of: error))"])
        }
    }

    private func attempt(_ due: DueDelivery) async throws {
        let delivery = due.delivery
        let outcome = await send(due)
        let now = world.now()
        switch outcome {
        case .delivered(let status):
            try await store.recordWebhookAttempt(
                delivery.id, delivered: true, status: status, error: nil, nextAttemptAt: nil)
            logger.debug(
                "webhook.delivered", metadata: ["webhook.delivery": "\(delivery.id)", "http.status": "\(status)"])
        case .failed(let status, let reason):
            let next = settings.retry.nextAttempt(after: delivery.attempts + 1, now: now)
            try await store.recordWebhookAttempt(
                delivery.id, delivered: false, status: status, error: reason, nextAttemptAt: next)
            if next == nil {
                logger.warning(
                    "webhook.dead_lettered",
                    metadata: ["webhook.delivery": "\(delivery.id)", "webhook.id": "\(delivery.webhookID)"])
            } else {
                logger.info(
                    "webhook.failed", metadata: ["webhook.delivery": "\(delivery.id)", "webhook.reason": "\(reason)"])
            }
        }
    }

    private enum Outcome { case delivered(Int), failed(Int?, String) }

    private func send(_ due: DueDelivery) async -> Outcome {
        // The address is checked again at each attempt: what a name resolves to can change after registration.
        let destination: WebhookTarget.Destination
        switch WebhookTarget.check(due.url, settings: settings) {
        case .refused(let refusal): return .failed(nil, refusal)
        case .allowed(let checked): destination = checked
        }
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
                name: "X-TapStation-Signature",
                value: try WebhookSecrets.signature(secret: secret, timestamp: timestamp, body: due.delivery.payload))
        } catch {
            return .failed(nil, "the signature could not be made")
        }
        request.body = .bytes(ByteBuffer(string: due.delivery.payload))
        // A client of its own per attempt, told to connect to the checked address (TLS still verifies the
        // name): the client resolving the name again could reach an address nobody checked.
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: clientConfiguration(for: destination, url: due.url))
        let outcome: Outcome
        do {
            let response = try await client.execute(
                request, timeout: .seconds(Int64(settings.requestTimeout.components.seconds)))
            // Read (and drop) at most a little of the answer.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            switch status {
            case 200..<300: outcome = .delivered(status)
            case 300..<400: outcome = .failed(status, "the receiver redirected; redirects are not followed")
            default: outcome = .failed(status, "the receiver answered \(status)")
            }
        } catch {
            outcome = .failed(nil, "no answer: \(String(describing: error).prefix(160))")
        }
        try? await client.shutdown()
        return outcome
    }

    /// No redirects, no decompression, the attempt's time limits, and the name pinned to the checked address.
    private func clientConfiguration(
        for destination: WebhookTarget.Destination, url: String
    ) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: .seconds(Int64(settings.requestTimeout.components.seconds)),
                read: .seconds(Int64(settings.requestTimeout.components.seconds))))
        configuration.decompression = .disabled
        // The client keys the override by the host as it parses the URL; an address literal needs none (it
        // is the checked address itself).
        if AddressBlock(destination.host) == nil, let host = URL(string: url)?.host {
            configuration.dnsOverride = [host: destination.address]
        }
        return configuration
    }
}
