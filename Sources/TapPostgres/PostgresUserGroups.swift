import Dispatch
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import TapStorage

/// Group commit for use cases whose rows all belong to one user (a redeem), with several groups running at once
/// on their own connections, where ``PostgresWriter`` runs one group at a time across every instance.
///
/// Each rule such a use case keeps holds by a lock of its own, taken in a fixed order:
/// 1. the writer's group lock, shared (``PostgresWriter/groupLockKey``): every other write waits until no user
///    group runs, and no user group starts while another write runs or waits;
/// 2. each user of the group, exclusively, in ascending key order (``userLockKey(_:)``), all in one statement
///    before any use case reads: two redeems of one user never overlap, so a pass of N uses admits N;
/// 3. the chain's lock (``chainLockKey``), exclusively, only at the group's end: the use cases' audit events are
///    held back (``AuditChainState/heldBack``), then written after the chain's tail in one statement, so the
///    chain's order is still the order of commits, and the lock is held for two statements and the commit.
///
/// Each group takes its locks in two statements after `BEGIN` (``beginSQL(users:)``), and notifies the other
/// instances of the new head in the statement that writes it.
///
/// A use case runs without a savepoint of its own: one that fails (rare: a refusal is an answer, not an error)
/// rolls its group back, and the group goes to ``PostgresWriter``, which runs each use case in a savepoint. A
/// group PostgreSQL aborts as a serialisation failure or a deadlock runs again whole, as there.
package final class PostgresUserGroups: Sendable {
    /// Groups one instance runs at once, each on its own connection and thread (2, 3, 4 and 8 measured; 3 was
    /// best, on one instance and on two).
    static let concurrentGroups = 3
    /// Most use cases per group.
    static let maximumGroupSize = 32
    /// The advisory lock user groups take to append to the chain (``PostgresWriter/groupLockKey`` is `tapstat2`).
    static let chainLockKey: Int64 = 0x7461_7073_7461_7433  // "tapstat3"
    /// The first key of a user's advisory lock (the two-key form, apart from the single-key locks above).
    static let userLockClass: Int32 = 0x7461_7075  // "tapu"

    private let client: PostgresClient
    private let writer: PostgresWriter
    private let committed: @Sendable (Int64) -> Void
    private let logger: Logger
    /// The threads groups block while PostgreSQL answers their statements.
    private static let threads = DispatchQueue(label: "tapstation.postgres.user-groups", attributes: .concurrent)
    private let waiting = GroupQueue<UserWrite>(
        concurrentGroups: PostgresUserGroups.concurrentGroups, maximumGroupSize: PostgresUserGroups.maximumGroupSize)
    /// Groups handed to ``PostgresWriter`` because a use case failed, for the tests.
    let handedToWriter = NIOLockedValueBox(0)

    package init(
        client: PostgresClient, writer: PostgresWriter, logger: Logger,
        committed: @escaping @Sendable (Int64) -> Void = { _ in }
    ) {
        self.client = client
        self.writer = writer
        self.committed = committed
        self.logger = logger
    }

    /// Runs `body`, whose rows are all `user`'s, in a user group and returns its result once that group committed.
    package func write<T: Sendable>(
        user: String, _ body: @escaping @Sendable (PostgresStatementRunner) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            if waiting.add(UserWrite(user: user, body, continuation)) { Task { await self.drain() } }
        }
    }

    /// Commits groups until the queue is empty.
    private func drain() async {
        while true {
            let group = waiting.nextGroup()
            guard !group.isEmpty else { return }
            let failed: Bool
            do {
                failed = try await PostgresConnectionLease.withConnection(client) { connection in
                    await withCheckedContinuation { done in
                        Self.threads.async { done.resume(returning: self.commit(group, connection)) }
                    }
                }
            } catch {
                // No connection for the group: nothing of it ran.
                for write in group { write.settle(commitError: error) }
                continue
            }
            if failed {
                for write in group { write.runAlone(on: writer) }
            }
        }
    }

    /// Runs one group in a transaction on the calling thread, again whole after a serialisation failure; answers
    /// whether it failed otherwise than by the database's absence, leaving nothing of the group stored and its
    /// callers waiting for ``PostgresWriter`` to run their use cases.
    private func commit(_ group: [UserWrite], _ connection: PostgresConnection) -> Bool {
        let chain = AuditChainState()
        let runner = PostgresStatementRunner(connection: connection, logger: logger, transactionChain: chain)
        let begin = Self.beginSQL(users: group.map(\.user))
        var attempt = 1
        while true {
            chain.beginHoldingBack(lockChain: Self.lockChain, headReturning: PostgresFeed.announceHead)
            do {
                for statement in begin { try runner.run(statement) }
                for write in group { try write.perform(runner) }
                // A use case that read the chain wrote what was held back then, and appended at once after it: the
                // head it announced with those is not the last.
                let wroteEarly = !chain.holdingBack && chain.lastAppended != nil
                try writer.chain.appendHeldBack(runner)
                if wroteEarly { try runner.run(PostgresFeed.announceHeadSQL) }
                try runner.run("COMMIT")
                if let head = chain.lastAppended { committed(head) }
                for write in group { write.settle(commitError: nil) }
                return false
            } catch {
                try? runner.run("ROLLBACK")
                if PostgresFailure.isTransient(error), attempt < PostgresWriter.maximumAttempts {
                    logger.debug("user group retried", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                    attempt += 1
                    continue
                }
                if PostgresFailure.isTransient(error) || PostgresFailure.isUnavailable(error) {
                    for write in group { write.settle(commitError: error) }
                    return false
                }
                logger.debug("user group handed to the writer", metadata: ["error": "\(error)"])
                handedToWriter.withLockedValue { $0 += 1 }
                return true
            }
        }
    }

    /// The group's opening: its transaction, then the group lock shared and each user's lock in ascending order
    /// of key (the keys are numbers this type makes, never text a caller sent).
    static func beginSQL(users: [String]) -> [String] {
        let keys = Set(users.map(userLockKey)).sorted().map(String.init).joined(separator: ",")
        return [
            "BEGIN",
            """
            SELECT set_config('statement_timeout', '\(PostgresWriter.statementTimeoutMilliseconds)', true),
                pg_advisory_xact_lock_shared(\(PostgresWriter.groupLockKey))
            """,
            """
            SELECT count(pg_advisory_xact_lock(\(userLockClass), key)) FROM unnest(ARRAY[\(keys)]::integer[]) AS key
            """,
        ]
    }

    /// Locks the chain for the group's end; the chain then reads its tail in a statement of its own, which sees
    /// every group that held the lock before. (Locking the head row `FOR UPDATE` instead, which reads the tail in
    /// the same statement, measured no faster: waits for a row lock cost more than for an advisory lock.)
    static func lockChain(_ db: any StatementRunner) throws {
        try db.run("SELECT pg_advisory_xact_lock(\(chainLockKey))")
    }

    /// The second key of `user`'s advisory lock: FNV-1a of the name, the same in every instance and release. Two
    /// users that share a key only wait for each other.
    static func userLockKey(_ user: String) -> Int32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in user.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return Int32(bitPattern: hash)
    }
}

/// One use case waiting for its user group. Touched only by the thread running its group once enqueued.
private final class UserWrite: @unchecked Sendable {
    let user: String
    private let run: (PostgresStatementRunner) throws -> Void
    private let answer: (_ commitError: (any Error)?) -> Void
    private let alone: (PostgresWriter) -> Void

    init<T: Sendable>(
        user: String, _ body: @escaping @Sendable (PostgresStatementRunner) throws -> T,
        _ continuation: CheckedContinuation<T, any Error>
    ) {
        self.user = user
        let outcome = WaitingCaller(continuation)
        run = { runner in outcome.result = .success(try body(runner)) }
        answer = { commitError in outcome.answer(commitError: commitError, notRun: PostgresWriterError.notRun) }
        alone = { writer in
            Task {
                do {
                    continuation.resume(returning: try await writer.write(body))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Runs the use case; its result is kept for the caller until the group's commit.
    func perform(_ runner: PostgresStatementRunner) throws { try run(runner) }
    func settle(commitError: (any Error)?) { answer(commitError) }
    /// Hands the use case to `writer`, whose groups run each use case in a savepoint, and answers with its result.
    func runAlone(on writer: PostgresWriter) { alone(writer) }
}
