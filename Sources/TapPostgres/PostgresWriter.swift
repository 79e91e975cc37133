import Dispatch
import Logging
import PostgresNIO
import TapStorage

/// Group commit on PostgreSQL, as `GroupCommit` is on SQLite: write use cases that arrive while a group is
/// committing wait for the next group, and run together in one transaction, each in its own savepoint. A caller
/// is answered only once the transaction holding its writes has committed.
///
/// Every group takes the group lock first, exclusively (a transaction-level advisory lock): across every
/// instance on the database one such group runs at a time, and none runs beside a ``PostgresUserGroups`` group
/// (which takes the lock shared). The lock is what keeps every rule these use cases hold, as SQLite's single
/// writer does, and it orders the audit chain: the chain's order is the order in which groups take the lock,
/// which is the order they commit in, and `audit verify` is the same walk as on SQLite. A group spreads its cost
/// over many use cases. Taking it first, before any row lock, also means it never takes part in a deadlock.
///
/// A group that PostgreSQL aborts as a serialisation failure or a deadlock (`40001`, `40P01`) is rolled back and
/// run again whole, up to ``maximumAttempts`` times, so a use case must do nothing outside its statements that
/// a second run would repeat wrongly.
package final class PostgresWriter: Sendable {
    /// Most use cases per transaction, so that one group cannot hold the chain's lock for long.
    static let maximumGroupSize = 128
    /// Runs of one group before a serialisation failure is its callers' error.
    static let maximumAttempts = 5
    /// The advisory lock every group takes first (the migrator's is `tapstat1`).
    static let groupLockKey: Int64 = 0x7461_7073_7461_7432  // "tapstat2"
    /// Longest a statement of a group may run before PostgreSQL cancels it, so that a stuck lock or a query
    /// gone wrong fails its group instead of stopping every write.
    static let statementTimeoutMilliseconds = 10_000

    private let client: PostgresClient
    /// The audit chain the use cases append to; its head row is written once per group.
    package let chain: AuditChain
    /// Told the chain's head after each of its commits that appended events (the store's feed, which wakes
    /// streams); other instances' commits reach the feed through ``PostgresFeed``.
    private let committed: @Sendable (Int64) -> Void
    private let logger: Logger
    /// The thread the groups run on: the use cases block it while PostgreSQL answers each statement.
    private let queue = DispatchQueue(label: "tapstation.postgres.writer")
    /// One group at a time: the group lock would let no second one run beside it anyway.
    private let waiting = GroupQueue<PendingWrite>(
        concurrentGroups: 1, maximumGroupSize: PostgresWriter.maximumGroupSize)

    package init(
        client: PostgresClient, chain: AuditChain, logger: Logger,
        committed: @escaping @Sendable (Int64) -> Void = { _ in }
    ) {
        self.client = client
        self.chain = chain
        self.committed = committed
        self.logger = logger
    }

    /// Runs `body` in the next group's transaction and returns its result once that transaction committed.
    package func write<T: Sendable>(
        _ body: @escaping @Sendable (PostgresStatementRunner) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            if waiting.add(PendingWrite(body, continuation)) { Task { await self.drain() } }
        }
    }

    /// Commits groups until the queue is empty.
    private func drain() async {
        while true {
            let group = waiting.nextGroup()
            guard !group.isEmpty else { return }
            do {
                try await PostgresConnectionLease.withConnection(self.client) { connection in
                    let runner = PostgresStatementRunner(connection: connection, logger: self.logger)
                    await withCheckedContinuation { done in
                        self.queue.async {
                            self.commit(group, runner)
                            done.resume()
                        }
                    }
                }
            } catch {
                // No connection for the group: nothing of it ran.
                for write in group { write.settle(commitError: error) }
            }
        }
    }

    /// Runs one group in a transaction on the writer's thread, again whole after a serialisation failure.
    private func commit(_ group: [PendingWrite], _ runner: PostgresStatementRunner) {
        var attempt = 1
        while true {
            do {
                try runner.run("BEGIN")
                try runner.run("SET LOCAL statement_timeout = \(Self.statementTimeoutMilliseconds)")
                try runner.run("SELECT pg_advisory_xact_lock(\(Self.groupLockKey))")
                try chain.deferringHead(runner) {
                    for write in group {
                        switch write.perform(runner) {
                        case .done: continue
                        case .retry(let error): throw error
                        case .aborted(let error): throw GroupAborted(cause: error)
                        }
                    }
                }
                let head = try announceHead(runner)
                try runner.run("COMMIT")
                // The feed moves before the callers are answered, as SQLite's commit observer moves it.
                if let head { committed(head) }
                for write in group { write.settle(commitError: nil) }
                return
            } catch {
                try? runner.run("ROLLBACK")
                chain.state.appended = false
                let cause = (error as? GroupAborted)?.cause ?? error
                if PostgresFailure.isTransient(cause), attempt < Self.maximumAttempts {
                    logger.debug("write group retried", metadata: ["attempt": "\(attempt)", "error": "\(cause)"])
                    attempt += 1
                    continue
                }
                for write in group { write.settle(commitError: cause) }
                return
            }
        }
    }
}

extension PostgresWriter {
    /// In a group that appended, reads the chain's head and notifies every instance of it at commit
    /// (``PostgresFeed``); `nil` when the group appended nothing.
    private func announceHead(_ runner: PostgresStatementRunner) throws -> Int64? {
        guard chain.state.appended else { return nil }
        chain.state.appended = false
        return try runner.queryFirst(PostgresFeed.announceHeadSQL) { Int64(try $0.integer(0)) }
    }
}

/// A use case's failure that left the group's transaction unusable.
private struct GroupAborted: Error {
    let cause: any Error
}

/// What PostgreSQL's errors mean to the store.
package enum PostgresFailure {
    /// Whether the database could not be reached or went away (a restart, a failover, a network cut), rather than
    /// refusing the statement: the caller may try again.
    package static func isUnavailable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            // Class 08: connection exceptions; 57P: the server shutting down or starting up.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P")
        default:
            return false
        }
    }

    /// `body`, with the database's absence answered as ``StorageError/unavailable``.
    static func translatingUnavailable<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch  where isUnavailable(error) {
            throw StorageError.unavailable
        }
    }

    /// A serialisation failure or a deadlock: running the transaction again may succeed.
    package static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }
}

/// One use case waiting for its group. Touched only on the writer's thread once enqueued.
private final class PendingWrite: @unchecked Sendable {
    enum Outcome {
        /// Ran, or failed and its savepoint was rolled back: the group goes on.
        case done
        /// PostgreSQL aborted it as a serialisation failure or deadlock: the whole group runs again.
        case retry(any Error)
        /// Failed and its writes could not be undone: the group must not commit.
        case aborted(any Error)
    }

    private let run: (PostgresStatementRunner) -> Outcome
    private let answer: (_ commitError: (any Error)?) -> Void

    init<T: Sendable>(
        _ body: @escaping @Sendable (PostgresStatementRunner) throws -> T,
        _ continuation: CheckedContinuation<T, any Error>
    ) {
        let outcome = WaitingCaller(continuation)
        run = { runner in
            outcome.result = nil
            do {
                try runner.run("SAVEPOINT useCase")
            } catch {
                return .aborted(error)
            }
            do {
                let value = try body(runner)
                try runner.run("RELEASE SAVEPOINT useCase")
                outcome.result = .success(value)
                return .done
            } catch {
                if PostgresFailure.isTransient(error) { return .retry(error) }
                outcome.result = .failure(error)
                do {
                    try runner.run("ROLLBACK TO SAVEPOINT useCase")
                    try runner.run("RELEASE SAVEPOINT useCase")
                    return .done
                } catch {
                    return .aborted(error)
                }
            }
        }
        answer = { commitError in outcome.answer(commitError: commitError, notRun: PostgresWriterError.notRun) }
    }

    func perform(_ runner: PostgresStatementRunner) -> Outcome { run(runner) }
    func settle(commitError: (any Error)?) { answer(commitError) }
}

/// A write whose group ended before it ran.
package enum PostgresWriterError: Error, CustomStringConvertible {
    case notRun

    package var description: String { "the write's transaction ended before it ran; nothing of it was stored" }
}
