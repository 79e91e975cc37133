import Foundation
import GRDB
import TapCore

/// A bench's cart in Entra mode: every row checked and its intent written in one transaction, before the Entra
/// pass authority asks Graph for any pass.
extension EnrollmentStore {
    public func beginEntraBatch(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotency: IdempotencyClaim?, limits: AuthorityPassLimits,
        describe: @escaping @Sendable (any Error) -> BatchRowProblem?
    ) async throws -> EntraBatchBegin {
        try await perform { db in
            if let replay = try batchReplay(of: idempotency, by: creator, db: db) { return .replayed(replay) }
            let begun = try eachRow(rows, describe: describe, db: db) { request, replaceExisting -> EntraBatchRow in
                switch try beginEntraRow(request, by: creator, limits: limits, db: db) {
                case .provision(let intent): return .provision(intent, replaceExisting: replaceExisting)
                case .awaitingApproval(let session): return .awaitingApproval(session)
                case .replayed: throw GroupCommitError.transactionAborted
                }
            } refused: {
                .refused($0)
            }
            if let idempotency {
                try storeBatchKey(
                    idempotency, by: creator,
                    items: begun.map { row -> StoredBatchItem in
                        switch row {
                        case .provision(let intent, _):
                            StoredBatchItem(sessionId: intent.sessionID.rawValue, problem: nil)
                        case .awaitingApproval(let session):
                            StoredBatchItem(sessionId: session.id.rawValue, problem: nil)
                        case .refused(let problem): StoredBatchItem(sessionId: nil, problem: problem)
                        }
                    }, db: db)
            }
            return .begun(begun)
        }
    }

    public func recordBatchRefusals(
        _ refusals: [Int: BatchRowProblem], idempotency: IdempotencyClaim, by creator: OperatorIdentity
    ) async throws {
        guard !refusals.isEmpty else { return }
        try await perform { db in
            guard var items = try storedBatchItems(idempotency, by: creator, db: db) else { return }
            for (index, problem) in refusals where items.indices.contains(index) {
                items[index] = StoredBatchItem(sessionId: nil, problem: problem)
            }
            try db.run(
                "UPDATE batchIdempotencyKey SET items = ? WHERE operatorId = ? AND key = ?",
                bind(encodeJSON(items), creator.id.rawValue, idempotency.key))
        }
    }
}
