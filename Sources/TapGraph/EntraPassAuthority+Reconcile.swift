import Foundation
import TapCore

/// Reconciliation: an intent whose Graph outcome was never recorded (a crash, a timeout, a lost answer) may
/// have a pass in Entra that nobody will ever see. Whatever Graph holds for the intent's user that we do not
/// track, created around the intent's time, is deleted, and the intent is closed (its session cancelled).
extension EntraPassAuthority {
    /// Reconciles every open intent except those being created right now, in JSON batches: one listing per
    /// intent's user and one delete per stray pass, 20 to a call. Returns how many intents were closed. With
    /// other instances on the ledger, an intent younger than ``othersCreateFor`` may be one of theirs under way,
    /// whose pass this instance never saw created: it is left alone until it is older.
    @discardableResult
    public func reconcileInterruptedProvisioning() async -> Int {
        guard let intents = try? await ledger.unresolvedProvisioningIntents() else { return 0 }
        let busy = passesBeingProvisioned
        let settledBefore = othersCreateFor.map { now().addingTimeInterval(-$0) }
        return await reconcile(
            intents.filter { intent in
                !busy.contains(intent.passID) && settledBefore.map { intent.createdAt <= $0 } ?? true
            })
    }

    /// Reconciles `intents` together; returns how many were closed.
    @discardableResult
    func reconcile(_ intents: [ProvisioningIntent]) async -> Int {
        guard !intents.isEmpty else { return 0 }
        let tracked: Set<String>
        do {
            tracked = try await ledger.trackedEntraMethodIDs()
        } catch {
            logger.warning("entra.reconcile.failed", metadata: ["error.type": "\(type(of: error))"])
            return 0
        }
        let listings = await graph.temporaryAccessPasses(of: intents.map(\.userPrincipalName))
        var plans: [(intent: ProvisioningIntent, strays: [String])] = []
        for (intent, listing) in zip(intents, listings) {
            switch listing {
            case .success(let methods): plans.append((intent, strays(of: intent, in: methods, tracked: tracked)))
            case .failure(let error): noteFailure(intent, error)
            }
        }
        let deletions = plans.flatMap { plan in plan.strays.map { (plan.intent.userPrincipalName, $0) } }
        let deleted = await graph.deleteTemporaryAccessPasses(deletions)
        var answers = deleted[...]
        var closed = 0
        for plan in plans {
            let mine = answers.prefix(plan.strays.count)
            answers = answers.dropFirst(plan.strays.count)
            // An intent whose strays were not all deleted stays open for the next round.
            if let error = mine.lazy.compactMap({ if case .failure(let error) = $0 { error } else { nil } }).first {
                noteFailure(plan.intent, error)
                continue
            }
            do {
                if try await close(plan.intent, deleted: plan.strays) { closed += 1 }
            } catch {
                noteFailure(plan.intent, error)
            }
        }
        return closed
    }

    /// Reconciles one intent with single calls (the path of a single create whose outcome is unknown).
    /// `true` when it was closed.
    @discardableResult
    func reconcile(_ intent: ProvisioningIntent) async throws -> Bool {
        let methods = try await graph.temporaryAccessPasses(of: intent.userPrincipalName)
        let strays = strays(of: intent, in: methods, tracked: try await ledger.trackedEntraMethodIDs())
        for id in strays { try await graph.deleteTemporaryAccessPass(of: intent.userPrincipalName, id: id) }
        return try await close(intent, deleted: strays)
    }

    /// The passes Graph holds for the intent's user that no session of ours tracks and that were created
    /// around the intent's time (a portal admin's pass of another day is not ours to delete).
    private func strays(
        of intent: ProvisioningIntent, in methods: [TemporaryAccessPassMethod], tracked: Set<String>
    ) -> [String] {
        let earliest = intent.createdAt.addingTimeInterval(-120)
        let latest = intent.createdAt.addingTimeInterval(reconciliationWindow)
        return methods.filter { method in
            guard !tracked.contains(method.id) else { return false }
            guard let created = method.createdDateTime else { return true }
            return created >= earliest && created <= latest
        }.map(\.id)
    }

    /// Closes the intent once its strays are deleted. A young intent with nothing found stays open: a create
    /// that timed out may still land.
    private func close(_ intent: ProvisioningIntent, deleted: [String]) async throws -> Bool {
        if deleted.isEmpty, now().timeIntervalSince(intent.createdAt) < settleTime { return false }
        try await ledger.resolveProvisioningIntent(intent, deletedMethodIDs: deleted)
        logger.notice(
            "entra.intent.reconciled",
            metadata: ["session.id": "\(intent.sessionID)", "entra.deleted": "\(deleted.count)"])
        return true
    }

    private func noteFailure(_ intent: ProvisioningIntent, _ error: any Error) {
        logger.warning(
            "entra.reconcile.failed",
            metadata: ["session.id": "\(intent.sessionID)", "error.type": "\(type(of: error))"])
    }
}
