import GRDB
import NIOConcurrencyHelpers
import TapCore

/// Tells listeners, after each commit, how far the audit chain has grown, so that event streams wake
/// up when there is something to read instead of polling the database.
///
/// It carries only the newest sequence number: listeners read the events themselves from the store,
/// which is what makes a resumed stream (`Last-Event-ID`) and a live one the same code path.
public final class AuditFeed: Sendable {
    /// A registered listener, for ``stopListening(_:)``.
    public struct Listener: Hashable, Sendable {
        fileprivate let number: Int
    }

    private struct State {
        var latest: Int64
        var nextNumber = 0
        var listeners: [Int: @Sendable (Int64) -> Void] = [:]
    }

    private let state: NIOLockedValueBox<State>

    package init(latest: Int64) {
        state = NIOLockedValueBox(State(latest: latest))
    }

    /// The sequence number of the newest committed event.
    public var latest: Int64 { state.withLockedValue { $0.latest } }

    /// Calls `onAdvance` with the new latest sequence after every commit that appended events. It runs on
    /// the database writer's queue, so it must only hand the news on (yield to a stream), never block.
    public func listen(_ onAdvance: @escaping @Sendable (Int64) -> Void) -> Listener {
        state.withLockedValue { state in
            state.nextNumber += 1
            state.listeners[state.nextNumber] = onAdvance
            return Listener(number: state.nextNumber)
        }
    }

    public func stopListening(_ listener: Listener) {
        _ = state.withLockedValue { $0.listeners.removeValue(forKey: listener.number) }
    }

    /// Called once a transaction that appended events up to `sequence` has committed.
    package func committed(upTo sequence: Int64) {
        let listeners: [@Sendable (Int64) -> Void]? = state.withLockedValue { state in
            guard sequence > state.latest else { return nil }
            state.latest = sequence
            return Array(state.listeners.values)
        }
        for listener in listeners ?? [] { listener(sequence) }
    }

    /// How many listeners are registered (streams open), for tests and metrics.
    public var listenerCount: Int { state.withLockedValue { $0.listeners.count } }
}

/// A point of the audit chain: an event's sequence number and MAC, which the next event's MAC covers.
package typealias ChainLink = (sequence: Int64, mac: [UInt8])

/// Where the audit chain stands in one write transaction: the store's own for its single writer (SQLite's, and
/// PostgreSQL's groups of every kind but one), or one per transaction for PostgreSQL's per-user groups, which
/// run several at once. Only touched by the thread running that transaction.
package final class AuditChainState: @unchecked Sendable {
    package init() {}

    /// Where a transaction may append only once it holds the chain's lock: the events it appended so far, kept
    /// back without sequence numbers until ``AuditChain/appendHeldBack(_:)`` takes the lock and writes them
    /// after the chain's tail. `nil`: appends write at once (the transaction holds the chain, or will never
    /// need to ask for it).
    var heldBack: [AuditEventRecord]?
    /// Takes the chain's lock for this transaction, until it ends, and answers the chain's tail as the lock found
    /// it (the head row's sequence number and MAC; `nil` for an empty chain); set together with ``heldBack``.
    var lockChain: ((any StatementRunner) throws -> ChainLink?)?
    /// Whether this transaction's events wait for its end (``heldBack``): `false` once they were written early.
    package var holdingBack: Bool { heldBack != nil }
    /// An expression over the head row that its write with the held-back events returns, for the engine to act
    /// at commit (PostgreSQL notifies the new head).
    var headReturning: String?
    /// The sequence number of the last event this transaction appended, once it is known.
    package var lastAppended: Int64?

    /// Starts a transaction that holds its events back until `lockChain` has taken the chain's lock.
    package func beginHoldingBack(
        lockChain: @escaping (any StatementRunner) throws -> ChainLink?, headReturning: String? = nil
    ) {
        heldBack = []
        self.lockChain = lockChain
        self.headReturning = headReturning
        appended = false
        lastAppended = nil
        channel = nil
    }

    /// A group commit's transaction (or a sweep batch) is open: appends leave the head row to
    /// ``AuditChain/deferringHead(_:_:)``, which writes it once at the end.
    var deferringHead = false
    /// Events were appended since the head row was last written, and it does not show them yet.
    var headBehind = false
    /// Events were appended since the last commit or rollback (possibly undone by a savepoint since).
    package var appended = false
    /// The channel of the use case running on the writer now, added to the data of the events it appends.
    var channel: AuditChannel?
}

/// Tells the feed the chain head after each commit that appended audit events. It observes no row changes
/// (``EnrollmentStore/appendAudit`` raises a flag instead), so that GRDB does no per-statement or per-row
/// work for it; reading the head rather than counting appends keeps the feed right when a savepoint in a
/// group rolled its events back.
final class AuditCommitObserver: TransactionObserver, @unchecked Sendable {
    private let chain: AuditChainState
    private let feed: AuditFeed

    init(chain: AuditChainState, feed: AuditFeed) {
        self.chain = chain
        self.feed = feed
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }

    func databaseDidChange(with event: DatabaseEvent) {}

    func databaseDidCommit(_ db: Database) {
        guard chain.appended else { return }
        chain.appended = false
        if let head = try? Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM auditHead")) {
            feed.committed(upTo: head)
        }
    }

    func databaseDidRollback(_ db: Database) {
        chain.appended = false
    }
}
