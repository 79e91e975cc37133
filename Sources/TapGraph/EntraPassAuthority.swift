import Foundation
import Logging
import NIOConcurrencyHelpers
import TapCore

/// Entra mode's pass authority: Temporary Access Passes are created and deleted in Entra ID through Graph.
///
/// A Graph call cannot sit inside a SQLite transaction, so each create is: intent written (with every local
/// check) → Graph list → (replace) → Graph create → result recorded. A crash anywhere after the intent
/// leaves it open, and ``reconcileInterruptedProvisioning()`` (at start-up, then on every retry round)
/// deletes whatever Graph created for it. Each close marks the revocation pending in its own transaction;
/// ``revokePending(session:)`` deletes the pass in Entra and confirms it, and the retrier repeats that across
/// restarts until Graph confirms.
public final class EntraPassAuthority: PassAuthority {
    let ledger: any EntraLedger
    let graph: GraphClient
    let now: @Sendable () -> Date
    let logger: Logger
    /// How long the tenant's TAP policy is trusted before it is read again.
    let policyLifetime: TimeInterval
    /// A TAP Graph created this long before or after an intent was written can be that intent's.
    let reconciliationWindow: TimeInterval
    /// An intent younger than this with no pass found in Entra is left for a later round.
    let settleTime: TimeInterval
    /// With other instances on the same ledger: how old an intent must be before this instance takes it for
    /// interrupted, since another instance's create may still be under way (its Graph calls, with their retries,
    /// end well before). `nil` when this instance is the ledger's only writer and knows its own creates.
    let othersCreateFor: TimeInterval?
    private let policy = NIOLockedValueBox<(limits: AuthorityPassLimits, readAt: Date)?>(nil)
    private let provisioning = NIOLockedValueBox<Set<PassID>>([])

    /// An authority over `ledger` (the store) and `graph`.
    public init(
        ledger: any EntraLedger, graph: GraphClient, now: @escaping @Sendable () -> Date, logger: Logger,
        policyLifetime: TimeInterval = 300, reconciliationWindow: TimeInterval = 900, settleTime: TimeInterval = 120,
        othersCreateFor: TimeInterval? = nil
    ) {
        self.settleTime = settleTime
        self.othersCreateFor = othersCreateFor
        self.ledger = ledger
        self.graph = graph
        self.now = now
        self.logger = logger
        self.policyLifetime = policyLifetime
        self.reconciliationWindow = reconciliationWindow
    }

    public var mode: PassAuthorityMode { .entra }

    /// The passes being created right now, whose intents the reconciler leaves alone.
    var passesBeingProvisioned: Set<PassID> { provisioning.withLockedValue { $0 } }

    /// Marks passes as being created right now (the reconciler leaves their intents alone), or no longer.
    func markProvisioning(_ passes: [PassID], busy: Bool) {
        provisioning.withLockedValue { set in
            if busy { set.formUnion(passes) } else { set.subtract(passes) }
        }
    }

    /// The bounds of the tenant's TAP policy, read from Graph at most every `policyLifetime`.
    public func limits() async throws -> AuthorityPassLimits {
        if let cached = policy.withLockedValue({ $0 }), now().timeIntervalSince(cached.readAt) < policyLifetime {
            return cached.limits
        }
        let limits = try await graph.temporaryAccessPassPolicy().limits
        policy.withLockedValue { $0 = (limits, now()) }
        return limits
    }

    /// The tenant's bounds for an issue; Graph's failure to say is the operator's refusal.
    func limitsForIssue() async throws -> AuthorityPassLimits {
        do {
            return try await limits()
        } catch let error as GraphError {
            throw Self.refusal(error)
        }
    }

    public func createSession(
        _ request: NewSession, by creator: OperatorIdentity, idempotency: IdempotencyClaim?, replaceExisting: Bool
    ) async throws -> CreateOutcome {
        let limits = try await limitsForIssue()
        let intent: ProvisioningIntent
        switch try await ledger.beginEntraSession(request, by: creator, idempotency: idempotency, limits: limits) {
        case .replayed(let session): return .replayed(session)
        case .awaitingApproval(let session): return .awaitingApproval(session)
        case .provision(let written): intent = written
        }
        let (session, value) = try await provision(
            intent, by: creator, replaceExisting: replaceExisting, idempotency: idempotency)
        return .createdExternally(ExternallyIssuedPass(session: session, pass: value))
    }

    /// Graph's part of an issue, after the intent is written: list the user's passes, replace them if
    /// allowed (our own are always replaced on reissue), create, record. On a Graph failure the session is
    /// cancelled; when the outcome of the create is unknown, whatever Graph made is deleted.
    private func provision(
        _ intent: ProvisioningIntent, by creator: OperatorIdentity, replaceExisting: Bool, replaceOwn: Bool = false,
        idempotency: IdempotencyClaim?
    ) async throws -> (Session, ExternalPassValue) {
        markProvisioning([intent.passID], busy: true)
        defer { markProvisioning([intent.passID], busy: false) }
        let user = intent.userPrincipalName
        var createSent = false
        do {
            let existing = try await graph.temporaryAccessPasses(of: user)
            var replaced: [String] = []
            // On reissue, the session's own earlier pass (its deletion pending) goes without asking. So does an
            // expired pass: it admits nobody, and Entra lists it until someone deletes it.
            let own =
                replaceOwn ? Set(try await ledger.pendingRevocations(session: intent.sessionID).map(\.methodID)) : []
            let live = existing.filter { !$0.usability(is: "Expired") && !own.contains($0.id) }
            if !existing.isEmpty {
                guard replaceExisting || live.isEmpty else {
                    try await ledger.failProvisioning(intent, reason: "entra_tap_exists", outcomeKnown: true)
                    throw EntraError.temporaryAccessPassExists
                }
                for method in existing {
                    try await replace(method.id, of: user, by: creator)
                    replaced.append(method.id)
                }
            }
            createSent = true
            let created: TemporaryAccessPassMethod
            do {
                created = try await graph.createTemporaryAccessPass(
                    for: user,
                    intent.graphRequest)
            } catch let error as GraphError where error.requestWasRefused && error.status != 429 {
                // Older tenants refuse a second pass instead of replacing it: one appeared since our list.
                if (try? await graph.temporaryAccessPasses(of: user).isEmpty) == false {
                    try await ledger.failProvisioning(intent, reason: "entra_tap_exists", outcomeKnown: true)
                    throw EntraError.temporaryAccessPassExists
                }
                throw error
            }
            guard let value = created.temporaryAccessPass else {
                // Created, but the value is lost: nobody can use it, so it must go.
                throw GraphError.malformedResponse("create answered without temporaryAccessPass")
            }
            let session = try await ledger.finishProvisioning(
                intent, method: intent.provisioned(created, replacing: replaced), idempotency: idempotency)
            if session.entra?.revocation == .pending {
                _ = await revokePending(session: session.id)
                throw EntraError.closedWhileProvisioning
            }
            logger.info(
                "entra.pass.created", metadata: ["session.id": "\(session.id)", "entra.method.id": "\(created.id)"])
            return (session, value)
        } catch let error as GraphError {
            let known = !createSent || error.requestWasRefused
            try? await ledger.failProvisioning(intent, reason: "graph: \(error)", outcomeKnown: known)
            if !known {
                // Whatever Graph may have made is deleted now if it can be, else by the retrier or at start-up.
                _ = try? await reconcile(intent)
            }
            throw Self.refusal(error)
        }
    }

    public func reissuePass(
        _ id: SessionID, request: PassRequest, by actor: OperatorIdentity
    ) async throws -> ReissuedPass {
        let limits = try await limitsForIssue()
        let intent = try await ledger.beginEntraReissue(id, request: request, by: actor, limits: limits)
        // The session's own earlier pass (its revocation now pending) is replaced without asking; another
        // pass the user holds is not.
        let (session, value) = try await provision(
            intent, by: actor, replaceExisting: false, replaceOwn: true, idempotency: nil)
        return .external(ExternallyIssuedPass(session: session, pass: value))
    }

    public func completeSession(_ id: SessionID, by actor: OperatorIdentity) async throws -> Session {
        let session = try await ledger.completeSession(id, by: actor)
        return await revokePending(session: session.id) ?? session
    }

    public func cancelSession(_ id: SessionID, reason: String?, by actor: OperatorIdentity) async throws -> Session {
        let session = try await ledger.cancelSession(id, reason: reason, by: actor)
        return await revokePending(session: session.id) ?? session
    }

    /// The passes of many closed sessions are deleted together, in Graph's JSON batches.
    public func finishRevocations(of sessions: [SessionID]) async {
        guard !sessions.isEmpty else { return }
        if sessions.count == 1 {
            await revokePending(session: sessions[0])
            return
        }
        let wanted = Set(sessions)
        guard let pending = try? await ledger.pendingRevocations(session: nil) else { return }
        await revokeAll(pending.filter { wanted.contains($0.sessionID) })
    }

    /// Deletes the session's pending passes in Entra now and records what Graph said; a failure leaves the
    /// revocation pending for the retrier. Answers the session as it then stands.
    @discardableResult
    public func revokePending(session: SessionID) async -> Session? {
        if let pending = try? await ledger.pendingRevocations(session: session) {
            for revocation in pending { await revoke(revocation) }
        }
        return try? await ledger.session(session, visibleTo: nil)
    }

    /// Retries every pending revocation whose next try is due, in batches. Returns how many were confirmed.
    @discardableResult
    public func retryPendingRevocations() async -> Int {
        guard let pending = try? await ledger.pendingRevocations(session: nil) else { return 0 }
        let current = now()
        return await revokeAll(pending.filter { ($0.retryAt ?? .distantPast) <= current })
    }

    /// Deletes the passes in JSON batches and records each answer; returns how many Graph confirmed.
    @discardableResult
    func revokeAll(_ revocations: [PendingRevocation]) async -> Int {
        guard !revocations.isEmpty else { return 0 }
        let answers = await graph.deleteTemporaryAccessPasses(revocations.map { ($0.userPrincipalName, $0.methodID) })
        // Recorded concurrently: the store's group commit takes many confirmations in one fsync.
        let recorded = await concurrently(Array(zip(revocations, answers))) { [self] revocation, answer -> Bool in
            do {
                let existed = try answer.get()
                try await ledger.confirmRevocation(revocation, outcome: existed ? "deleted" : "alreadyGone")
                return true
            } catch {
                await noteFailure(revocation, error)
                return false
            }
        }
        return recorded.filter { $0 }.count
    }

    /// Replaces a pass the user holds: another open session of ours is cancelled first (its revocation marked
    /// pending), then the pass is deleted in Entra.
    func replace(_ methodID: String, of user: UserPrincipalName, by actor: OperatorIdentity) async throws {
        if let ours = try await ledger.supersedeEntraPass(methodID: methodID, by: actor) {
            let existed = try await graph.deleteTemporaryAccessPass(of: user, id: methodID)
            try await ledger.confirmRevocation(ours, outcome: existed ? "deleted" : "alreadyGone")
        } else {
            try await graph.deleteTemporaryAccessPass(of: user, id: methodID)
        }
    }

    @discardableResult
    private func revoke(_ revocation: PendingRevocation) async -> Bool {
        do {
            let existed = try await graph.deleteTemporaryAccessPass(
                of: revocation.userPrincipalName, id: revocation.methodID)
            try await ledger.confirmRevocation(revocation, outcome: existed ? "deleted" : "alreadyGone")
            return true
        } catch {
            await noteFailure(revocation, error)
            return false
        }
    }

    /// A failed delete: the next try waits 15 s, doubling per attempt, at most an hour.
    private func noteFailure(_ revocation: PendingRevocation, _ error: any Error) async {
        let delay = min(3600, 15 * pow(2, Double(min(revocation.attempts, 8))))
        try? await ledger.noteRevocationFailure(
            revocation, reason: (error as? GraphError)?.description ?? "\(type(of: error))",
            retryAt: now().addingTimeInterval(delay))
        logger.warning(
            "entra.revocation.pending",
            metadata: ["session.id": "\(revocation.sessionID)", "entra.attempts": "\(revocation.attempts + 1)"])
    }

    /// Graph's failure as what the operator is told.
    static func refusal(_ error: GraphError) -> EntraError {
        switch error {
        case .refused(let status, let code, let message): .graphRefused(status: status, code: code, message: message)
        case .authentication(_, let code, _):
            .graphUnavailable("the app could not get a token (\(code)); run `tapstation entra check`")
        case .throttled(let seconds): .graphUnavailable("Graph is throttling; retry after \(seconds) s")
        case .unavailable(let reason): .graphUnavailable(reason)
        case .malformedResponse(let what): .graphUnavailable("unreadable answer: \(what)")
        }
    }
}

extension ProvisioningIntent {
    /// What Graph is asked to create for this intent (a start only when it is later than now).
    var graphRequest: TemporaryAccessPassRequest {
        TemporaryAccessPassRequest(
            startDateTime: startsLater ? startsAt : nil, lifetimeInMinutes: lifetimeInMinutes,
            isUsableOnce: isUsableOnce)
    }

    /// The pass as Graph created it: Graph's terms where it states them, the intent's otherwise.
    func provisioned(_ created: TemporaryAccessPassMethod, replacing replaced: [String]) -> ProvisionedMethod {
        ProvisionedMethod(
            methodID: created.id, startsAt: created.startDateTime ?? startsAt,
            lifetimeInMinutes: created.lifetimeInMinutes ?? lifetimeInMinutes,
            isUsableOnce: created.isUsableOnce ?? isUsableOnce, replacedMethodIDs: replaced)
    }
}
