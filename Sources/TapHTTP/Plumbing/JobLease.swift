import Foundation
import Logging
import NIOConcurrencyHelpers
import TapStorage

/// This instance's turn at a singleton job (the sweep, webhook delivery, the Entra watcher, the FIDO metadata
/// fetch). The lease lives in the database for `term` and is renewed once half of it has gone, so that with
/// several instances on one database each job runs on one of them at a time, and another takes it over within
/// `term` when its holder dies. On SQLite the one instance takes every lease at its first round.
public final class JobLease: Sendable {
    /// The job's name in the `jobLease` table.
    public let job: String
    /// Who holds it: this process, by host, process id and a random part.
    let holder: String
    let store: any MaintenanceStore
    let term: Duration
    let logger: Logger
    /// Until when, on this process's monotonic clock, the lease is surely this instance's: its term counted from
    /// before the write that took it, less ``clockMargin``; `nil` while another instance holds it.
    private let heldUntil = NIOLockedValueBox<ContinuousClock.Instant?>(nil)

    /// How far the instances' wall clocks may disagree: another instance takes an expired lease by its own clock.
    static let clockMargin: Duration = .seconds(5)

    /// A lease on `job` for `holder` (one per process: see ``holderName()``).
    public init(job: String, holder: String, store: any MaintenanceStore, term: Duration = .seconds(30), logger: Logger)
    {
        self.job = job
        self.holder = holder
        self.store = store
        self.term = term
        self.logger = logger
    }

    /// A name for this process as a lease holder, which says where it runs to the operator reading `jobLease`.
    public static func holderName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Whether this instance holds the job now, taking or renewing the lease when half its term has gone.
    public func hold() async -> Bool {
        let start = ContinuousClock.now
        if let until = heldUntil.withLockedValue({ $0 }), until - start > term / 2 { return true }
        let seconds = Double(term.components.seconds) + Double(term.components.attoseconds) / 1e18
        do {
            let held = try await store.holdLease(job, holder: holder, term: seconds)
            let was = heldUntil.withLockedValue { until in
                defer { until = held ? start + term - Self.clockMargin : nil }
                return until != nil
            }
            if held != was { logger.info(held ? "lease.taken" : "lease.lost", metadata: ["lease.job": "\(job)"]) }
            return held
        } catch {
            // The database did not answer: the lease still counts for as long as it surely lasts.
            logger.warning("lease.unrenewed", metadata: ["lease.job": "\(job)", "error.type": "\(type(of: error))"])
            return isHeld(for: .zero)
        }
    }

    /// Whether the lease is surely this instance's for `duration` more: a job checks before a step that must not
    /// overlap another instance's (a webhook attempt, for its whole timeout).
    public func isHeld(for duration: Duration) -> Bool {
        guard let until = heldUntil.withLockedValue({ $0 }) else { return false }
        return until - ContinuousClock.now > duration
    }

    /// Gives the lease up at a graceful stop, so that another instance takes the job at its next round.
    public func release() async {
        let wasHeld = heldUntil.withLockedValue { until in
            defer { until = nil }
            return until != nil
        }
        guard wasHeld else { return }
        do {
            try await Task { [store, job, holder] in try await store.releaseLease(job, holder: holder) }.value
        } catch {
            logger.warning("lease.unreleased", metadata: ["lease.job": "\(job)", "error.type": "\(type(of: error))"])
        }
    }
}
