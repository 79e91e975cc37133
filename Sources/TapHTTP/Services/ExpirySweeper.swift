import Logging
import ServiceLifecycle
import TapCore
import TapStorage

/// Moves sessions forward as time passes and writes the audit events for it. Correctness never depends on
/// it: every use case derives the state from stored times; this only makes the stored state catch up.
public struct ExpirySweeper: Service {
    let store: any MaintenanceStore & AuditStore & OperatorStore
    let refusals: RefusalLedger
    let throttle: RedeemThrottle
    let interval: Duration
    let logger: Logger
    let metrics: ServiceMetrics?
    let retentionDays: Int?
    let uses: OperatorUseLedger?
    /// The sweep's and retention's turn among instances; `nil` when this sweeper is the database's only one.
    let lease: JobLease?

    /// Makes a sweeper that runs every `interval`; it also writes the refusals counted in `refusals` and
    /// forgets throttle keys whose window has passed, and writes the operators' latest uses noted in `uses`. Each finished sweep is noted in `metrics` (its lag).
    public init(
        store: any MaintenanceStore & AuditStore & OperatorStore, refusals: RefusalLedger, throttle: RedeemThrottle,
        interval: Duration,
        logger: Logger,
        metrics: ServiceMetrics? = nil, retentionDays: Int? = nil, uses: OperatorUseLedger? = nil,
        lease: JobLease? = nil
    ) {
        self.lease = lease
        self.uses = uses
        self.retentionDays = retentionDays
        self.store = store
        self.refusals = refusals
        self.throttle = throttle
        self.interval = interval
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        // On shutdown the loop is cancelled between sweeps or while sleeping; a sweep in progress finishes
        // its transaction first, because GRDB does not abandon a write half-way.
        await cancelWhenGracefulShutdown {
            var lastPurge: ContinuousClock.Instant?
            while !Task.isCancelled {
                do {
                    // The sweep and retention run on one instance at a time; every instance writes down what it
                    // counted itself (refusals, operators' uses).
                    var report = SweepReport()
                    if await lease?.hold() ?? true {
                        // Retention runs at most hourly: it is a bulk job, and a day's resolution is all it needs.
                        if let days = retentionDays,
                            lastPurge.map({ ContinuousClock.now - $0 > .seconds(3600) }) ?? true
                        {
                            lastPurge = .now
                            let purged = try await store.purgeClosedSessions(olderThanDays: days)
                            if purged != PurgeReport() {
                                logger.info(
                                    "retention.purged",
                                    metadata: [
                                        "retention.sessions": "\(purged.sessions)",
                                        "retention.auditEvents": "\(purged.auditEvents)",
                                        "retention.auditCut":
                                            "\(purged.auditCutLeftToOwner ? "left to the owner" : "done")",
                                    ])
                            }
                        }
                        report = try await store.sweep(batchSize: 100)
                    }
                    try await store.recordRefusals(await refusals.drain())
                    if let uses { try await store.recordOperatorUses(uses.drain()) }
                    await throttle.prune()
                    metrics?.sweepFinished()
                    if report != SweepReport() {
                        logger.info(
                            "sweep.finished",
                            metadata: [
                                "sweep.sessions": "\(report.sessionsAdvanced)",
                                "sweep.refusals": "\(report.refusalsReported)",
                                "sweep.idempotencyKeys": "\(report.idempotencyKeysPurged)",
                            ])
                    }
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("sweep.failed", metadata: ["error.type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        await lease?.release()
        // A graceful stop still puts the refusals counted since the last sweep on the record: in a task of its
        // own, which this one's cancellation does not reach.
        let last = await refusals.drain()
        do {
            try await Task { [store] in try await store.recordRefusals(last) }.value
        } catch {
            logger.error("refusals.unrecorded", metadata: ["error.type": "\(type(of: error))"])
        }
    }
}
