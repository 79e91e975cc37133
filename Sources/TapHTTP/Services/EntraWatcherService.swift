import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import TapCore
import TapGraph

/// Entra mode's moving parts, built by the executable from the configuration.
public struct EntraServices: Sendable {
    public let authority: EntraPassAuthority
    public let watcher: CompletionWatcher
    /// How often the watcher runs a round, and pending revocations and interrupted creates are retried.
    public let interval: Duration
    /// When the watcher last asked Graph, and how it went (the console's service page).
    public let rounds = GraphRoundLog()

    /// Groups the authority and its watcher.
    public init(authority: EntraPassAuthority, watcher: CompletionWatcher, interval: Duration) {
        self.authority = authority
        self.watcher = watcher
        self.interval = interval
    }
}

/// Reconciles creates a crash interrupted (first thing at start-up), then every round: polls Graph for
/// finished enrollments, and retries the deletions Graph has not confirmed, across restarts.
public struct EntraWatcherService: Service {
    let entra: EntraServices
    let logger: Logger
    /// The watcher's turn among instances; `nil` when this is the database's only watcher.
    let lease: JobLease?

    /// Makes the service.
    public init(entra: EntraServices, logger: Logger, lease: JobLease? = nil) {
        self.entra = entra
        self.logger = logger
        self.lease = lease
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Read the tenant's TAP policy once now, so the first create does not wait for it (and a broken
            // app registration shows in the log at start-up, not at the first technician's request).
            do {
                let limits = try await entra.authority.limits()
                logger.info(
                    "entra.policy",
                    metadata: [
                        "entra.enabled": "\(limits.isEnabled)",
                        "entra.lifetime": "\(limits.minimumLifetimeInMinutes)-\(limits.maximumLifetimeInMinutes)",
                        "entra.usableOnceOnly": "\(limits.requiresUsableOnce)",
                    ])
            } catch {
                // A Graph error's text is Graph's code and message or ours, never a secret (see GraphError).
                let reason = (error as? GraphError)?.description ?? "\(type(of: error))"
                logger.error("entra.policy.unreadable", metadata: ["error": "\(reason)"])
            }
            // Rounds run on one instance at a time (the lease); each instance creates passes itself.
            if await lease?.hold() ?? true {
                let reconciled = await entra.authority.reconcileInterruptedProvisioning()
                if reconciled > 0 { logger.notice("entra.reconciled", metadata: ["entra.intents": "\(reconciled)"]) }
            }
            while !Task.isCancelled {
                if await lease?.hold() ?? true {
                    await round()
                } else {
                    entra.rounds.note("run by another instance")
                }
                try? await Task.sleep(for: entra.interval)
            }
        }
        await lease?.release()
    }

    /// One round: finished enrollments from Graph, unconfirmed deletions retried, interrupted creates reconciled.
    private func round() async {
        do {
            let report = try await entra.watcher.pollOnce()
            entra.rounds.note("answered: \(report.completed) completed, \(report.markedInProgress) in progress")
            if report.completed > 0 || report.markedInProgress > 0 {
                logger.info(
                    "entra.watch.round",
                    metadata: [
                        "entra.completed": "\(report.completed)",
                        "entra.inProgress": "\(report.markedInProgress)",
                    ])
            }
        } catch is CancellationError {
            return
        } catch {
            entra.rounds.note("failed (\(type(of: error)))")
            logger.error("entra.watch.failed", metadata: ["error.type": "\(type(of: error))"])
        }
        let confirmed = await entra.authority.retryPendingRevocations()
        if confirmed > 0 {
            logger.info("entra.revocations.confirmed", metadata: ["entra.confirmed": "\(confirmed)"])
        }
        await entra.authority.reconcileInterruptedProvisioning()
    }
}

/// The watcher's latest Graph round: when, and in words how it went.
public final class GraphRoundLog: Sendable {
    private let latest = NIOLockedValueBox<(Date, String)?>(nil)

    /// Makes an empty log.
    public init() {}

    func note(_ outcome: String) { latest.withLockedValue { $0 = (Date(), outcome) } }

    /// The latest round, if one ran.
    public var last: (at: Date, outcome: String)? { latest.withLockedValue { $0 } }
}
