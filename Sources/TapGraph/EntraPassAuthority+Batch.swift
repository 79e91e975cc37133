import Foundation
import TapCore

/// A bench's cart in Entra mode: every row checked and its intent written in one transaction, then the users'
/// passes listed, and the passes created, through Graph's JSON batches of 20, each answer read on its own. A
/// crash after Graph's create and before our commit leaves the intents open, and reconciliation deletes what
/// Graph made for them, as for a single create.
extension EntraPassAuthority {
    public func createSessions(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotency: IdempotencyClaim?,
        describe: @escaping @Sendable (any Error) -> BatchRowProblem?
    ) async throws -> BatchOutcome {
        let limits = try await limitsForIssue()
        let begun: [EntraBatchRow]
        switch try await ledger.beginEntraBatch(
            rows, by: creator, idempotency: idempotency, limits: limits, describe: describe)
        {
        case .replayed(let outcome): return outcome
        case .begun(let rows): begun = rows
        }
        var outcomes: [BatchRowOutcome?] = begun.map { row in
            switch row {
            case .awaitingApproval(let session): .awaitingApproval(session)
            case .refused(let problem): .refused(problem)
            case .provision: nil
            }
        }
        let intents = begun.enumerated().compactMap { index, row -> BatchIntent? in
            guard case .provision(let intent, let replace) = row else { return nil }
            return BatchIntent(row: index, intent: intent, replaceExisting: replace)
        }
        var refusals: [Int: BatchRowProblem] = [:]
        for (row, result) in await provision(intents, by: creator) {
            switch result {
            case .success(let issued): outcomes[row] = .createdExternally(issued)
            case .failure(let error):
                let problem = describe(error) ?? Self.notRecorded
                outcomes[row] = .refused(problem)
                refusals[row] = problem
            }
        }
        if let idempotency {
            // A replay must answer these rows refused, as this answer does, not with their cancelled sessions.
            try? await ledger.recordBatchRefusals(refusals, idempotency: idempotency, by: creator)
        }
        logger.info(
            "entra.batch.created",
            metadata: ["batch.rows": "\(rows.count)", "batch.refusedByEntra": "\(refusals.count)"])
        return BatchOutcome(rows: outcomes.map { $0 ?? .refused(Self.notRecorded) }, replayed: false)
    }

    /// Graph's part for every intent of a batch; each row's pass or why it has none.
    private func provision(
        _ intents: [BatchIntent], by creator: OperatorIdentity
    ) async -> [(Int, Result<ExternallyIssuedPass, any Error>)] {
        markProvisioning(intents.map(\.intent.passID), busy: true)
        defer { markProvisioning(intents.map(\.intent.passID), busy: false) }
        var results: [(Int, Result<ExternallyIssuedPass, any Error>)] = []
        var unknown: [ProvisioningIntent] = []
        func fail(_ item: BatchIntent, _ error: any Error, reason: String, outcomeKnown: Bool = true) async {
            try? await ledger.failProvisioning(item.intent, reason: reason, outcomeKnown: outcomeKnown)
            if !outcomeKnown { unknown.append(item.intent) }
            results.append((item.row, .failure(error)))
        }

        // Entra holds one pass per user: a second row for a user would replace the first row's pass.
        var seenUsers = Set<String>()
        var ready: [BatchIntent] = []
        for item in intents {
            if seenUsers.insert(item.intent.userPrincipalName.value.lowercased()).inserted {
                ready.append(item)
            } else {
                await fail(item, EntraError.userTwiceInBatch, reason: "entra_user_twice_in_batch")
            }
        }

        // The users' passes as they stand, then the replacements the rows asked for.
        let listed = await graph.temporaryAccessPasses(of: ready.map(\.intent.userPrincipalName))
        var toCreate: [BatchIntent] = []
        var replacedByRow: [Int: [String]] = [:]
        for (item, listing) in zip(ready, listed) {
            switch listing {
            case .failure(let error):
                await fail(item, Self.refusal(error), reason: "graph: \(error)")
            case .success(let existing):
                let live = existing.filter { !$0.usability(is: "Expired") }
                if !live.isEmpty, !item.replaceExisting {
                    await fail(item, EntraError.temporaryAccessPassExists, reason: "entra_tap_exists")
                    continue
                }
                do {
                    for method in existing {
                        try await replace(method.id, of: item.intent.userPrincipalName, by: creator)
                    }
                    replacedByRow[item.row] = existing.map(\.id)
                    toCreate.append(item)
                } catch let error as GraphError {
                    await fail(item, Self.refusal(error), reason: "graph: \(error)")
                } catch {
                    await fail(item, error, reason: "\(type(of: error))")
                }
            }
        }

        let created = await graph.createTemporaryAccessPasses(
            toCreate.map { ($0.intent.userPrincipalName, $0.intent.graphRequest) })
        var finishing: [(item: BatchIntent, method: ProvisionedMethod, value: ExternalPassValue)] = []
        for (item, answer) in zip(toCreate, created) {
            switch answer {
            case .failure(let error) where error.requestWasRefused:
                await fail(item, Self.refusal(error), reason: "graph: \(error)")
            case .failure(let error):
                // Graph may have made the pass (a timeout, a lost or unreadable answer): reconciliation deletes it.
                await fail(item, Self.refusal(error), reason: "graph: \(error)", outcomeKnown: false)
            case .success(let method):
                guard let value = method.temporaryAccessPass else {
                    let error = GraphError.malformedResponse("create answered without temporaryAccessPass")
                    await fail(item, Self.refusal(error), reason: "graph: \(error)", outcomeKnown: false)
                    continue
                }
                finishing.append(
                    (item, item.intent.provisioned(method, replacing: replacedByRow[item.row] ?? []), value))
            }
        }
        // Recorded concurrently: the store's group commit makes a cart's rows durable in a few fsyncs.
        let finished = await concurrently(finishing) { [self] entry -> Result<Session?, any Error> in
            do {
                let session = try await ledger.finishProvisioning(
                    entry.item.intent, method: entry.method, idempotency: nil)
                guard session.entra?.revocation != .pending else {
                    _ = await revokePending(session: session.id)
                    return .success(nil)
                }
                return .success(session)
            } catch {
                return .failure(error)
            }
        }
        for (entry, outcome) in zip(finishing, finished) {
            switch outcome {
            case .success(let session?):
                results.append((entry.item.row, .success(ExternallyIssuedPass(session: session, pass: entry.value))))
            case .success(nil):
                results.append((entry.item.row, .failure(EntraError.closedWhileProvisioning)))
            case .failure(let error):
                // Not recorded: the intent stays open and reconciliation deletes the pass.
                unknown.append(entry.item.intent)
                results.append((entry.item.row, .failure(error)))
            }
        }
        await reconcile(unknown)
        return results
    }

    /// A row whose pass Graph made but we could not record (reconciliation deletes it), or, which cannot happen,
    /// a row left without an outcome: the operator tries again, and nothing was made twice.
    static let notRecorded = BatchRowProblem(
        status: 503, code: "entra_unavailable", detail: "the pass could not be recorded; try again",
        title: "Service Unavailable")
}

/// An intent of a batch, with the row it answers.
struct BatchIntent: Sendable {
    var row: Int
    var intent: ProvisioningIntent
    var replaceExisting: Bool
}
