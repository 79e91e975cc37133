import GRDB
import NIOConcurrencyHelpers

/// Group commit: write use cases that arrive while a transaction is committing wait for the next one, and
/// run together in it, each inside its own savepoint. One fsync then makes a whole group durable.
///
/// Durability is unchanged: a caller is answered only after the transaction holding its writes has
/// committed (with `synchronous = FULL`). Isolation is unchanged too: the writes run one after another on
/// SQLite's single writer, so each sees the ones before it, exactly as separate transactions would. A use
/// case that throws rolls back its savepoint only; the others in the group still commit.
final class GroupCommit: Sendable {
    /// Most use cases per transaction, so that one group cannot hold the writer for long.
    static let maximumGroupSize = 128

    private let pool: DatabasePool
    private let state = NIOLockedValueBox(State())
    /// Wraps each group's use cases inside its transaction (the store defers the audit head row to the end).
    private let aroundGroup: @Sendable (Database, () throws -> Void) throws -> Void

    private struct State {
        var queue: [PendingWrite] = []
        /// Whether a group is scheduled on the writer; it keeps scheduling the next while work is queued.
        var scheduled = false
    }

    init(pool: DatabasePool, aroundGroup: @escaping @Sendable (Database, () throws -> Void) throws -> Void) {
        self.pool = pool
        self.aroundGroup = aroundGroup
    }

    /// Runs `body` in the next group's transaction and returns its result once that transaction committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(PendingWrite(body, continuation))
        }
    }

    private func enqueue(_ write: PendingWrite) {
        let schedule = state.withLockedValue { state -> Bool in
            state.queue.append(write)
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule { scheduleGroup() }
    }

    /// One group per trip through GRDB's writer queue, so other writes (the sweeper, admin changes) get
    /// their turn between groups.
    private func scheduleGroup() {
        pool.asyncWriteWithoutTransaction { db in
            let group = self.state.withLockedValue { state -> [PendingWrite] in
                let count = min(state.queue.count, Self.maximumGroupSize)
                let group = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                return group
            }
            self.commit(group, db)
            let more = self.state.withLockedValue { state -> Bool in
                state.scheduled = !state.queue.isEmpty
                return state.scheduled
            }
            if more { self.scheduleGroup() }
        }
    }

    private func commit(_ group: [PendingWrite], _ db: Database) {
        guard !group.isEmpty else { return }
        do {
            try db.inTransaction(.immediate) {
                try aroundGroup(db) {
                    for write in group {
                        // An error SQLite itself answers by rolling the whole transaction back (disk full, I/O)
                        // leaves no transaction to continue in; the rest of the group fails with the commit.
                        guard db.isInsideTransaction else { throw GroupCommitError.transactionAborted }
                        // A failed use case whose writes could not be undone must not be committed with the rest.
                        guard write.perform(db) else { throw GroupCommitError.transactionAborted }
                    }
                    guard db.isInsideTransaction else { throw GroupCommitError.transactionAborted }
                }
                return .commit
            }
        } catch {
            for write in group { write.settle(commitError: error) }
            return
        }
        for write in group { write.settle(commitError: nil) }
    }
}

enum GroupCommitError: Error, CustomStringConvertible {
    case transactionAborted

    var description: String { "SQLite rolled the transaction back; nothing of it was stored" }
}

/// One use case waiting for its group. Touched only on GRDB's writer queue once enqueued.
private final class PendingWrite: @unchecked Sendable {
    /// Runs the use case in its savepoint; false when it failed and its writes could not be undone.
    private let run: (Database) -> Bool
    private let answer: (_ commitError: (any Error)?) -> Void

    init<T: Sendable>(
        _ body: @escaping @Sendable (Database) throws -> T, _ continuation: CheckedContinuation<T, any Error>
    ) {
        // Written by `run`, answered by `settle`, both on the writer queue, one after the other.
        let outcome = WaitingCaller(continuation)
        run = { db in
            // A savepoint of our own through prepared-once statements run directly: GRDB's `inSavepoint`
            // prepares its SAVEPOINT and RELEASE statements anew each time, twice per use case on the writer.
            do {
                try db.executeDirect("SAVEPOINT useCase")
            } catch {
                outcome.result = .failure(error)
                return true  // nothing was written
            }
            do {
                let value = try body(db)
                try db.executeDirect("RELEASE SAVEPOINT useCase")
                outcome.result = .success(value)
                return true
            } catch {
                outcome.result = .failure(error)
                // Undo this use case's writes only.
                do {
                    try db.executeDirect("ROLLBACK TRANSACTION TO SAVEPOINT useCase")
                    try db.executeDirect("RELEASE SAVEPOINT useCase")
                    return true
                } catch {
                    return false
                }
            }
        }
        answer = { commitError in outcome.answer(commitError: commitError, notRun: GroupCommitError.transactionAborted)
        }
    }

    func perform(_ db: Database) -> Bool { run(db) }
    func settle(commitError: (any Error)?) { answer(commitError) }
}

/// A write use case's result inside its group, and the caller waiting for it; both engines' writers keep one
/// per use case and answer it once the group's transaction has ended.
package final class WaitingCaller<T: Sendable>: @unchecked Sendable {
    /// The use case's own outcome, once it ran (`nil` before, and again when a retried group starts over).
    package var result: Result<T, any Error>?
    private let continuation: CheckedContinuation<T, any Error>

    package init(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation = continuation
    }

    /// Answers the caller: its own outcome when the group committed, the commit's error when it did not (its
    /// writes are gone with the transaction), and `notRun` when the group ended before reaching it.
    package func answer(commitError: (any Error)?, notRun: any Error) {
        switch (result, commitError) {
        case (.success, let error?), (nil, let error?): continuation.resume(throwing: error)
        case (let result?, _): continuation.resume(with: result)
        case (nil, nil): continuation.resume(throwing: notRun)
        }
    }
}
