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
/// 3. the chain's lock, exclusively, only at the group's end: the head row's, taken by the statement that reads
///    the chain's tail (``lockChain(_:)``). The use cases' audit events are held back
///    (``AuditChainState/heldBack``), then written after that tail in one statement, so the chain's order is
///    still the order of commits, and the lock is held for that statement and the commit.
///
/// Each group takes its locks in two statements after `BEGIN` (``beginSQL(users:)``), reads ahead for its use
/// cases and holds their writes back (``UserGroupBatch``), and notifies the other instances of the new head in the
/// statement that writes it: eight round trips a group, whatever its size.
///
/// A use case runs without a savepoint of its own: one that fails (rare: a refusal is an answer, not an error)
/// rolls its group back, and the group goes to ``PostgresWriter``, which runs each use case in a savepoint. A
/// group PostgreSQL aborts as a serialisation failure or a deadlock runs again whole, as there.
package final class PostgresUserGroups: Sendable {
    /// Groups one instance runs at once, each on its own connection and thread. Since a group's round trips no
    /// longer grow with its size, fewer, larger groups wait less for the chain's lock: 1, 2 and 3 measured, and 2
    /// was best on one instance and near best on two (docs/decisions.md).
    static let concurrentGroups = 2
    /// Most use cases per group.
    static let maximumGroupSize = 64
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
    /// Use cases whose first read the group answered from its read ahead, for the tests.
    let readsAnsweredAhead = NIOLockedValueBox(0)

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
    /// `firstRead`, when given, is the query `body` runs first, with `user` as its only value: the group runs it for
    /// every such user at once (``UserGroupBatch``).
    package func write<T: Sendable>(
        user: String, firstRead: String? = nil, _ body: @escaping @Sendable (PostgresStatementRunner) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            if waiting.add(UserWrite(user: user, firstRead: firstRead, body, continuation)) {
                Task { await self.drain() }
            }
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
        let batch = UserGroupBatch()
        let runner = PostgresStatementRunner(
            connection: connection, logger: logger, transactionChain: chain, batch: batch)
        let begin = Self.beginSQL(users: group.map(\.user))
        let firstReads = Self.firstReads(of: group)
        var attempt = 1
        while true {
            chain.beginHoldingBack(lockChain: Self.lockChain, headReturning: PostgresFeed.announceHead)
            batch.reset()
            do {
                for statement in begin { try runner.run(statement) }
                for (sql, users) in firstReads { try runner.readAhead(sql, for: users) }
                for write in group {
                    batch.beginUseCase(of: write.user)
                    defer { batch.endUseCase() }
                    try write.perform(runner)
                }
                // A use case that read the chain wrote what was held back then, and appended at once after it: the
                // head it announced with those is not the last.
                let wroteEarly = !chain.holdingBack && chain.lastAppended != nil
                try writer.chain.appendHeldBack(runner)
                if wroteEarly { try runner.run(PostgresFeed.announceHeadSQL) }
                try runner.sendHeldBack()
                if let failure = batch.failure { throw failure }
                try runner.run("COMMIT")
                readsAnsweredAhead.withLockedValue { $0 += batch.readsAnswered }
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

    /// The users whose first use case in `group` names its first read, by that read, in order of arrival.
    static func firstReads(of group: [UserWrite]) -> [(sql: String, users: [String])] {
        var seen = Set<String>()
        var reads: [(sql: String, users: [String])] = []
        for write in group where seen.insert(write.user).inserted {
            guard let sql = write.firstRead else { continue }
            if let index = reads.firstIndex(where: { $0.sql == sql }) {
                reads[index].users.append(write.user)
            } else {
                reads.append((sql, [write.user]))
            }
        }
        return reads
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

    /// Locks the chain for the group's end and answers its tail: the head row, `FOR UPDATE`. Under READ COMMITTED a
    /// statement that waited for the row's lock answers the row as the group before it committed it, so the read
    /// and the lock are one round trip. (When a group held the chain's lock for three statements and its commit,
    /// an advisory lock with the tail read after it measured as fast. Now that the group's writes go in one
    /// statement, the lock's hold is what groups queue for, and the round trip it saves is a third of it.)
    static func lockChain(_ db: any StatementRunner) throws -> ChainLink? {
        try db.queryFirst("SELECT seq, mac FROM auditHead WHERE id = 1 FOR UPDATE") { row in
            (Int64(try row.integer(0)), Array(try row.blob(1)))
        }
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
final class UserWrite: @unchecked Sendable {
    let user: String
    let firstRead: String?
    private let run: (PostgresStatementRunner) throws -> Void
    private let answer: (_ commitError: (any Error)?) -> Void
    private let alone: (PostgresWriter) -> Void

    init<T: Sendable>(
        user: String, firstRead: String?, _ body: @escaping @Sendable (PostgresStatementRunner) throws -> T,
        _ continuation: CheckedContinuation<T, any Error>
    ) {
        self.user = user
        self.firstRead = firstRead
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
