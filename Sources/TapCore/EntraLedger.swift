import Foundation

/// What the Entra pass authority needs the store to keep: the session rows as ever, plus a provisioning
/// intent before each Graph create and a revocation record after each close. Each method is one
/// transaction; none of them calls Graph (a Graph call cannot sit inside a transaction).
public protocol EntraLedger: Sendable {
    /// One session as `viewer` may see it (`nil` viewer: the system).
    func session(_ id: SessionID, visibleTo viewer: OperatorIdentity?) async throws -> Session?

    /// Completes a session by hand; an Entra pass's revocation is marked pending in the same transaction.
    func completeSession(_ id: SessionID, by actor: OperatorIdentity) async throws -> Session

    /// Cancels a session; an Entra pass's revocation is marked pending in the same transaction.
    func cancelSession(_ id: SessionID, reason: String?, by actor: OperatorIdentity) async throws -> Session

    /// Runs every check of a create (site, policy intersected with `limits`, proofing, caps, subject rules),
    /// then writes the session, its pass terms (no value, no digest) and the provisioning intent.
    func beginEntraSession(
        _ request: NewSession, by creator: OperatorIdentity, idempotency: IdempotencyClaim?, limits: AuthorityPassLimits
    ) async throws -> EntraBeginOutcome

    /// The batch form of ``beginEntraSession``: each row checked as a single create is (caps counting the rows
    /// before it), each in its own savepoint so that a refused row leaves the others standing, and every
    /// session, intent and the batch's idempotency key written in one transaction. A key seen before answers
    /// its first answer again (`replayed`).
    func beginEntraBatch(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotency: IdempotencyClaim?, limits: AuthorityPassLimits,
        describe: @escaping @Sendable (any Error) -> BatchRowProblem?
    ) async throws -> EntraBatchBegin

    /// Rows of a batch that Graph refused after ``beginEntraBatch`` wrote them: the batch's key answers them as
    /// refused from now on, as the first answer did.
    func recordBatchRefusals(
        _ refusals: [Int: BatchRowProblem], idempotency: IdempotencyClaim, by creator: OperatorIdentity
    ) async throws

    /// Runs every check of a reissue or of collecting an approved pass, revokes the session's live pass
    /// (its Entra deletion pending), and writes the new pass's terms and provisioning intent.
    func beginEntraReissue(
        _ id: SessionID, request: PassRequest, by actor: OperatorIdentity, limits: AuthorityPassLimits
    ) async throws -> ProvisioningIntent

    /// Graph created the pass: record its id and terms, the `pass.issued` event and the idempotency key.
    func finishProvisioning(
        _ intent: ProvisioningIntent, method: ProvisionedMethod, idempotency: IdempotencyClaim?
    ) async throws -> Session

    /// Graph did not create the pass, or we cannot tell: the session is cancelled. When the outcome is
    /// unknown the intent stays open for reconciliation, which deletes whatever Graph made.
    func failProvisioning(_ intent: ProvisioningIntent, reason: String, outcomeKnown: Bool) async throws

    /// Intents whose Graph outcome was never recorded (a crash, or an unknown outcome), oldest first.
    func unresolvedProvisioningIntents() async throws -> [ProvisioningIntent]

    /// Closes an intent after reconciliation deleted `deletedMethodIDs` from Entra; its session is cancelled
    /// if it is still open.
    func resolveProvisioningIntent(_ intent: ProvisioningIntent, deletedMethodIDs: [String]) async throws

    /// The Graph method ids of every Entra pass we issued whose deletion is not confirmed.
    func trackedEntraMethodIDs() async throws -> Set<String>

    /// Another session's live Entra pass with this method id is being replaced: that session is cancelled
    /// and its revocation marked pending. `nil` when no open session of ours holds it.
    func supersedeEntraPass(methodID: String, by actor: OperatorIdentity) async throws -> PendingRevocation?

    /// Revocations that Graph has not confirmed, for one session or all, oldest first.
    func pendingRevocations(session: SessionID?) async throws -> [PendingRevocation]

    /// Graph deleted the pass (or no longer had it).
    func confirmRevocation(_ revocation: PendingRevocation, outcome: String) async throws

    /// One more failed delete; the next try is due after `retryAt`.
    func noteRevocationFailure(_ revocation: PendingRevocation, reason: String, retryAt: Date) async throws

    /// Open Entra-mode sessions with a live pass, for the completion watcher.
    func watchedEntraSessions() async throws -> [WatchedEntraSession]

    /// Graph shows the pass used (`OneTimeUsed`): the session is under way.
    func recordEntraPassUsed(_ session: SessionID) async throws

    /// Graph shows the enrollment finished: the device or key is recorded and the session completes; its
    /// revocation is marked pending. `nil` when the session was no longer open.
    func completeFromEntra(_ session: SessionID, evidence: CompletionEvidence) async throws -> Session?
}

/// What writing the intent led to.
public enum EntraBeginOutcome: Sendable {
    /// Write the pass in Entra next.
    case provision(ProvisioningIntent)
    /// The same idempotent request was made before: the original session, without a pass value.
    case replayed(Session)
    /// Policy wants a second operator first.
    case awaitingApproval(Session)
}

/// What writing a batch's intents led to.
public enum EntraBatchBegin: Sendable {
    /// The rows, in order: those to create in Entra next, those waiting for approval, those refused.
    case begun([EntraBatchRow])
    /// The same batch was sent before with this key: its first answer, with the sessions as they are now.
    case replayed(BatchOutcome)
}

/// One row of a batch after its intent was written.
public enum EntraBatchRow: Sendable {
    case provision(ProvisioningIntent, replaceExisting: Bool)
    case awaitingApproval(Session)
    case refused(BatchRowProblem)
}

/// A pass we are about to ask Graph for (or asked for and have not recorded the answer).
public struct ProvisioningIntent: Sendable, Equatable {
    public var passID: PassID
    public var sessionID: SessionID
    public var userPrincipalName: UserPrincipalName
    /// When the intent was written; Graph's `createdDateTime` of the pass is after this.
    public var createdAt: Date
    public var startsAt: Date
    public var lifetimeInMinutes: Int
    public var isUsableOnce: Bool
    /// Whether the start is later than the intent (then `startDateTime` is sent).
    public var startsLater: Bool

    /// Makes an intent.
    public init(
        passID: PassID, sessionID: SessionID, userPrincipalName: UserPrincipalName, createdAt: Date, startsAt: Date,
        lifetimeInMinutes: Int, isUsableOnce: Bool, startsLater: Bool
    ) {
        self.passID = passID
        self.sessionID = sessionID
        self.userPrincipalName = userPrincipalName
        self.createdAt = createdAt
        self.startsAt = startsAt
        self.lifetimeInMinutes = lifetimeInMinutes
        self.isUsableOnce = isUsableOnce
        self.startsLater = startsLater
    }
}

/// The pass as Graph created it.
public struct ProvisionedMethod: Sendable, Equatable {
    public var methodID: String
    public var startsAt: Date
    public var lifetimeInMinutes: Int
    public var isUsableOnce: Bool
    /// Passes the user held before, deleted on the operator's `replaceExisting`.
    public var replacedMethodIDs: [String]

    /// Makes a record of a created method.
    public init(
        methodID: String, startsAt: Date, lifetimeInMinutes: Int, isUsableOnce: Bool, replacedMethodIDs: [String] = []
    ) {
        self.methodID = methodID
        self.startsAt = startsAt
        self.lifetimeInMinutes = lifetimeInMinutes
        self.isUsableOnce = isUsableOnce
        self.replacedMethodIDs = replacedMethodIDs
    }
}

/// A pass whose session closed and whose deletion Graph has not confirmed.
public struct PendingRevocation: Sendable, Equatable {
    public var passID: PassID
    public var sessionID: SessionID
    public var userPrincipalName: UserPrincipalName
    public var methodID: String
    public var attempts: Int
    /// The next try is not due before this.
    public var retryAt: Date?

    /// Makes a pending revocation.
    public init(
        passID: PassID, sessionID: SessionID, userPrincipalName: UserPrincipalName, methodID: String, attempts: Int,
        retryAt: Date?
    ) {
        self.passID = passID
        self.sessionID = sessionID
        self.userPrincipalName = userPrincipalName
        self.methodID = methodID
        self.attempts = attempts
        self.retryAt = retryAt
    }
}

/// An open Entra-mode session the completion watcher polls for.
public struct WatchedEntraSession: Sendable, Equatable {
    public var sessionID: SessionID
    public var scenario: Scenario
    public var userPrincipalName: UserPrincipalName
    public var serialNumber: SerialNumber?
    public var createdAt: Date
    public var methodID: String
    public var isUsableOnce: Bool
    public var storedState: SessionState

    /// Makes a watched session.
    public init(
        sessionID: SessionID, scenario: Scenario, userPrincipalName: UserPrincipalName, serialNumber: SerialNumber?,
        createdAt: Date, methodID: String, isUsableOnce: Bool, storedState: SessionState
    ) {
        self.sessionID = sessionID
        self.scenario = scenario
        self.userPrincipalName = userPrincipalName
        self.serialNumber = serialNumber
        self.createdAt = createdAt
        self.methodID = methodID
        self.isUsableOnce = isUsableOnce
        self.storedState = storedState
    }
}

/// What Graph showed that finished a session.
public enum CompletionEvidence: Sendable, Equatable {
    /// Intune has the device: its managed device id and the facts worth keeping (enrolled and last sync
    /// times, compliance, enrollment type, Entra device id).
    case deviceEnrolled(managedDeviceID: String, facts: [String: String])
    /// The user registered a FIDO2 key at Microsoft: its method id and facts (AAGUID, model, attestation level).
    case keyRegistered(methodID: String, facts: [String: String])
}
