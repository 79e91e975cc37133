import Foundation
import NIOConcurrencyHelpers
import Prometheus
import TapStorage

/// The service's own counters and histograms, for `GET /metrics`.
///
/// The request path only touches counters and histograms made once up front (an atomic add, or a short lock
/// inside a histogram); everything that needs the database is read once per scrape.
public final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let redeemAdmitted: Counter
    private let redeemRefused: Counter
    private let redeemThrottled: Counter
    private let sweeps = SweepClock()

    /// Buckets of the request latency histograms, in seconds: 1 ms to 10 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
    ]

    private static var latency: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "tapstation", metricName: "request_duration", unitName: "seconds",
            helpText: "Time from a request's arrival at its route to its answer, by route.")
    }

    /// Makes an empty set of metrics.
    public init() {
        let redeems = MetricNameDescriptor(
            namespace: "tapstation", metricName: "redeems", unitName: "total",
            helpText:
                "Redeem attempts by outcome (refused: wrong, expired, used or unknown; throttled: over an abuse limit)."
        )
        redeemAdmitted = registry.makeCounter(descriptor: redeems, labels: [("outcome", "admitted")])
        redeemRefused = registry.makeCounter(descriptor: redeems, labels: [("outcome", "refused")])
        redeemThrottled = registry.makeCounter(descriptor: redeems, labels: [("outcome", "throttled")])
    }

    /// The outcome of one redeem.
    enum RedeemResult { case admitted, refused, throttled }

    func redeemed(_ result: RedeemResult) {
        switch result {
        case .admitted: redeemAdmitted.increment()
        case .refused: redeemRefused.increment()
        case .throttled: redeemThrottled.increment()
        }
    }

    /// The latency histogram of one route, made when the route is registered.
    func latencyHistogram(method: String, path: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: Self.latency, labels: [("method", method), ("route", path)], buckets: Self.latencyBuckets)
    }

    /// Notes that a sweep finished now.
    public func sweepFinished() { sweeps.finished() }

    /// Seconds since the last sweep finished (since start-up when none has yet).
    var secondsSinceLastSweep: Double { sweeps.secondsSinceLast }

    /// The whole exposition: the registry, then what was read from the store for this scrape.
    func exposition(store: StoreMetrics, lockedPasses: Int, now: Date) -> String {
        var text = registry.emitToString()
        func line(_ name: String, _ labels: [(String, String)], _ value: some CustomStringConvertible) {
            let rendered = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
            text += "\(name)\(rendered) \(value)\n"
        }
        text += "# HELP tapstation_sessions Sessions by stored state and scenario.\n# TYPE tapstation_sessions gauge\n"
        for group in store.sessions.sorted(by: { ($0.state, $0.scenario) < ($1.state, $1.scenario) }) {
            line("tapstation_sessions", [("state", group.state), ("scenario", group.scenario)], group.count)
        }
        text +=
            "# HELP tapstation_lockouts_total Passes locked after too many failed redeems.\n# TYPE tapstation_lockouts_total counter\n"
        line("tapstation_lockouts_total", [], lockedPasses)
        text += "# HELP tapstation_sweeper_lag_seconds Seconds since the expiry sweeper last finished a run.\n"
        text += "# TYPE tapstation_sweeper_lag_seconds gauge\n"
        line("tapstation_sweeper_lag_seconds", [], String(format: "%.3f", secondsSinceLastSweep))
        text += "# HELP tapstation_webhook_backlog Webhook deliveries waiting for their (next) attempt.\n"
        text += "# TYPE tapstation_webhook_backlog gauge\n"
        line("tapstation_webhook_backlog", [], store.webhookBacklog)
        text += "# HELP tapstation_webhook_dead_letters Webhook deliveries given up on after every attempt failed.\n"
        text += "# TYPE tapstation_webhook_dead_letters gauge\n"
        line("tapstation_webhook_dead_letters", [], store.webhookDeadLetters)
        text += "# HELP tapstation_webhook_outbox_lag_events Audit events not yet turned into webhook deliveries.\n"
        text += "# TYPE tapstation_webhook_outbox_lag_events gauge\n"
        line("tapstation_webhook_outbox_lag_events", [], store.webhookOutboxLag)
        text += "# HELP tapstation_mds_imported Whether a FIDO metadata BLOB is in force (tapstation mds import).\n"
        text += "# TYPE tapstation_mds_imported gauge\n"
        line("tapstation_mds_imported", [], store.metadata == nil ? 0 : 1)
        if let metadata = store.metadata {
            text += "# HELP tapstation_mds_next_update_seconds Seconds until the metadata's nextUpdate; "
            text += "negative once it is stale.\n# TYPE tapstation_mds_next_update_seconds gauge\n"
            line("tapstation_mds_next_update_seconds", [], Int(metadata.nextUpdate.timeIntervalSince(now)))
            text += "# HELP tapstation_mds_stale Whether the metadata in force is past its nextUpdate (still used).\n"
            text += "# TYPE tapstation_mds_stale gauge\n"
            line("tapstation_mds_stale", [], metadata.nextUpdate < now ? 1 : 0)
        }
        return text
    }
}

/// When the sweeper last finished.
private final class SweepClock: Sendable {
    private let last = NIOLockedValueBox(ContinuousClock.now)

    func finished() {
        last.withLockedValue { $0 = .now }
    }

    var secondsSinceLast: Double {
        let elapsed = ContinuousClock.now - last.withLockedValue { $0 }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
