import Foundation
import TapCore

extension EnrollmentStore {
    /// Most rows in one batch.
    public static let maximumBatchRows = StoreLimits.maximumBatchRows

    /// Creates the sessions of a batch, each row in its own savepoint so that a refused row leaves the others
    /// standing, all in one transaction with the batch's idempotency key.
    ///
    /// `describe` words a row's error as the HTTP layer would answer a single create; an error it cannot word
    /// (`nil`: not a refusal but a failure) fails the whole batch, and nothing of it is stored. A replay
    /// answers every row as the first answer did, with the sessions as they are now and never a pass value.
    public func createSessions(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotency: IdempotencyClaim?,
        describe: @escaping @Sendable (any Error) -> BatchRowProblem?
    ) async throws -> BatchOutcome {
        try await perform { db in
            if let replay = try batchReplay(of: idempotency, by: creator, db: db) { return replay }
            let outcomes = try eachRow(rows, describe: describe, db: db) { request, _ -> BatchRowOutcome in
                switch try createSessionRow(request, by: creator, db: db) {
                case .created(let issued): return .created(issued)
                case .awaitingApproval(let session), .replayed(let session): return .awaitingApproval(session)
                // A local create never answers `createdExternally`; Entra's batches go through `beginEntraBatch`.
                case .createdExternally: throw GroupCommitError.transactionAborted
                }
            } refused: {
                .refused($0)
            }
            if let idempotency {
                try storeBatchKey(
                    idempotency, by: creator,
                    items: outcomes.map { outcome -> StoredBatchItem in
                        switch outcome {
                        case .created(let issued): StoredBatchItem(sessionId: issued.session.id.rawValue, problem: nil)
                        case .createdExternally(let issued):
                            StoredBatchItem(sessionId: issued.session.id.rawValue, problem: nil)
                        case .awaitingApproval(let session), .replayed(let session):
                            StoredBatchItem(sessionId: session.id.rawValue, problem: nil)
                        case .refused(let problem): StoredBatchItem(sessionId: nil, problem: problem)
                        }
                    }, db: db)
            }
            return BatchOutcome(rows: outcomes, replayed: false)
        }
    }

    /// Runs `body` for each row to create in its own savepoint, so that a refused row (an error `describe` can
    /// word) rolls back that row alone and is answered by `refused`; any other error fails the whole batch.
    func eachRow<Outcome>(
        _ rows: [BatchRow], describe: (any Error) -> BatchRowProblem?, db: any StatementRunner,
        _ body: (NewSession, Bool) throws -> Outcome, refused: (BatchRowProblem) -> Outcome
    ) throws -> [Outcome] {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(rows.count)
        for row in rows {
            switch row {
            case .refused(let problem):
                outcomes.append(refused(problem))
            case .create(let request, let replaceExisting):
                try db.run("SAVEPOINT batchRow")
                do {
                    let outcome = try body(request, replaceExisting)
                    try db.run("RELEASE SAVEPOINT batchRow")
                    outcomes.append(outcome)
                } catch let failure {
                    // The row's writes are undone alone; if even that fails (SQLite rolled the transaction back
                    // on a full disk), so does the batch.
                    do {
                        try db.run("ROLLBACK TO SAVEPOINT batchRow")
                        try db.run("RELEASE SAVEPOINT batchRow")
                    } catch {
                        throw failure
                    }
                    guard let problem = describe(failure) else { throw failure }
                    outcomes.append(refused(problem))
                }
            }
        }
        return outcomes
    }

    /// The answer a batch with this key gave, as its sessions stand now (never a pass value); `nil` for a new key.
    func batchReplay(
        of idempotency: IdempotencyClaim?, by creator: OperatorIdentity, db: any StatementRunner
    ) throws
        -> BatchOutcome?
    {
        guard let idempotency, let items = try storedBatchItems(idempotency, by: creator, db: db) else { return nil }
        let rows: [BatchRowOutcome] = try items.map { item in
            if let id = item.sessionId {
                return .replayed(try parse(try Self.session(id: id, db: db), "batch session"))
            }
            return .refused(try parse(item.problem, "batch problem"))
        }
        return BatchOutcome(rows: rows, replayed: true)
    }

    /// The rows a batch key remembers; a key sent with another request's digest is refused.
    func storedBatchItems(
        _ idempotency: IdempotencyClaim, by creator: OperatorIdentity, db: any StatementRunner
    ) throws -> [StoredBatchItem]? {
        guard
            let earlier = try db.queryFirst(
                "SELECT requestDigest, items FROM batchIdempotencyKey WHERE operatorId = ? AND key = ?",
                bind(creator.id.rawValue, idempotency.key), { (digest: Array(try $0.blob(0)), items: try $0.text(1)) })
        else { return nil }
        guard keyring.constantTimeEqual(earlier.digest, idempotency.requestDigest) else {
            throw EnrollmentError.idempotencyMismatch
        }
        return try decodeJSON([StoredBatchItem].self, earlier.items, what: "batch items")
    }

    func storeBatchKey(
        _ idempotency: IdempotencyClaim, by creator: OperatorIdentity, items: [StoredBatchItem],
        db: any StatementRunner
    ) throws {
        try db.run(
            "INSERT INTO batchIdempotencyKey (operatorId, key, requestDigest, items, createdAt) VALUES (?, ?, ?, ?, ?)",
            bind(
                creator.id.rawValue, idempotency.key, Data(idempotency.requestDigest), encodeJSON(items),
                world.currentSecond()))
    }
}

/// One row of a batch as its idempotency key remembers it: the session made, or the refusal.
struct StoredBatchItem: Codable {
    var sessionId: String?
    var problem: BatchRowProblem?
}
