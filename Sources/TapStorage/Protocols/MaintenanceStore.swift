import Foundation
import TapCore

/// The jobs that keep a store tidy, and what it reports about itself: sweep, retention, metrics, readiness.
public protocol MaintenanceStore: Sendable {
    /// Moves sessions forward that time has changed, in batches, and writes their audit events.
    func sweep(batchSize: Int) async throws -> SweepReport

    /// Purges sessions (and their personal data) closed before `cutoff`, in batches.
    func purgeClosedSessions(closedBefore cutoff: Date, batchSize: Int) async throws -> PurgeReport

    /// Purges sessions closed more than `days` days ago.
    func purgeClosedSessions(olderThanDays days: Int) async throws -> PurgeReport

    /// Only the audit chain's cut of a purge of sessions closed more than `days` days ago, for the database's
    /// owner where the role that serves may not delete audit events (``PurgeReport/auditCutLeftToOwner``).
    /// Throws ``AuditCutNotPermitted`` where this role may not either.
    func cutAuditChain(olderThanDays days: Int) async throws -> PurgeReport

    /// Session counts by state and scenario, and the webhook figures, for `/metrics`.
    func metrics() async throws -> StoreMetrics

    /// Passes locked after too many failed redeems.
    func lockedPassCount() async throws -> Int

    /// Whether the store can serve, and the engine's facts `/readyz` shows.
    func readiness() async throws -> StoreReadiness

    /// Takes or renews `holder`'s lease on the singleton `job` for `term` seconds from now, and answers whether
    /// `holder` holds it. Another holder's lease is taken only once it has expired, so that with several
    /// instances on one database each job runs on one of them at a time.
    func holdLease(_ job: String, holder: String, term: TimeInterval) async throws -> Bool

    /// Gives up `holder`'s lease on `job` (at a graceful stop), so that another instance takes the job at once.
    func releaseLease(_ job: String, holder: String) async throws

    /// The leases not yet expired: while any instance runs, one of them holds the sweeper's.
    func liveLeases() async throws -> [JobLease]

    /// What the instances on this database tell each other (the redeem throttle's counts).
    var peers: PeerNews { get }
}

/// What a store says when asked whether it is ready, in terms any engine can fill.
public struct StoreReadiness: Sendable, Equatable {
    /// The engine and its version, for diagnostics (e.g. `SQLite 3.45.1`).
    public var engine: String
    /// Facts `/readyz` shows beside its status, named as the API documents them (SQLite: `journalMode`).
    public var facts: [String: String]

    /// Makes a report.
    public init(engine: String, facts: [String: String]) {
        self.engine = engine
        self.facts = facts
    }
}

/// A singleton job's lease: which instance runs it, until when.
public struct JobLease: Sendable, Equatable {
    public var job: String
    /// The instance, as it names itself (host and process).
    public var holder: String
    public var expiresAt: Date

    public init(job: String, holder: String, expiresAt: Date) {
        self.job = job
        self.holder = holder
        self.expiresAt = expiresAt
    }
}
