import Foundation

/// Which system mints, checks and revokes passes.
public enum PassAuthorityMode: String, Sendable, Codable, CaseIterable {
    /// TapStation itself (the embedded default): passes are minted inside the store's transactions.
    case local
    /// Microsoft Entra ID through Microsoft Graph: Temporary Access Passes are created and deleted there.
    case entra
}

/// Who mints and revokes the passes of sessions. Sessions, devices, keys, audit and policy are ours in both
/// modes; only the pass is the authority's.
///
/// HTTP handlers and CLI commands call these, never the store's issuing use cases directly, so that a
/// session's pass always comes from the configured authority.
public protocol PassAuthority: Sendable {
    /// Which authority this is.
    var mode: PassAuthorityMode { get }

    /// Creates a session and has its pass minted. `replaceExisting` lets Entra mode delete a Temporary
    /// Access Pass the user already holds; local mode ignores it (a user may hold several open sessions).
    func createSession(
        _ request: NewSession, by creator: OperatorIdentity, idempotency: IdempotencyClaim?, replaceExisting: Bool
    ) async throws -> CreateOutcome

    /// Creates the sessions of a batch (a bench's cart), each row checked and answered on its own, under one
    /// idempotency key. `describe` words a row's refusal as a single create would be answered; an error it
    /// cannot word fails the whole batch.
    func createSessions(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotency: IdempotencyClaim?,
        describe: @escaping @Sendable (any Error) -> BatchRowProblem?
    ) async throws -> BatchOutcome

    /// Mints a pass for an existing session (collection after approval, or a reissue).
    func reissuePass(_ id: SessionID, request: PassRequest, by actor: OperatorIdentity) async throws -> ReissuedPass

    /// Completes a session by hand; its pass dies (in Entra mode: is marked for deletion, then deleted).
    func completeSession(_ id: SessionID, by actor: OperatorIdentity) async throws -> Session

    /// Cancels a session; its pass dies (in Entra mode: is marked for deletion, then deleted).
    func cancelSession(_ id: SessionID, reason: String?, by actor: OperatorIdentity) async throws -> Session

    /// Sessions another use case closed (a user's revocation): their passes die now where the authority is
    /// outside our transactions. A failure leaves the work to the authority's retries.
    func finishRevocations(of sessions: [SessionID]) async
}

/// A pass minted for an existing session, by whichever authority.
public enum ReissuedPass: Sendable {
    /// Ours: the value in our alphabet.
    case local(IssuedPass)
    /// Entra's: the value as Entra made it.
    case external(ExternallyIssuedPass)

    /// The session as it stands with its new pass.
    public var session: Session {
        switch self {
        case .local(let issued): issued.session
        case .external(let issued): issued.session
        }
    }
}

/// A pass value an outside authority generated, in that authority's alphabet. It exists only in the one
/// answer that created it: it is never stored, hashed or logged, and its description hides it.
public struct ExternalPassValue: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The value as the authority gave it; read only to put it in the one answer.
    public let revealed: String

    /// Wraps a value.
    public init(_ value: String) { revealed = value }

    public var description: String { "<temporary access pass>" }
    public var debugDescription: String { description }
}

/// A session with the value of the pass an outside authority created for it.
public typealias ExternallyIssuedPass = MintedPass<ExternalPassValue>

/// Where an Entra pass stands: whether Graph created it, and whether its deletion is confirmed.
public struct EntraPassStatus: Sendable, Equatable {
    /// How far the creation got.
    public enum Provisioning: String, Sendable, Codable {
        /// The intent is written; Graph's answer is not (yet) recorded. Reconciled at start-up.
        case provisioning
        /// Graph created the Temporary Access Pass and we recorded its id.
        case issued
        /// Graph did not create it, or whatever it created was deleted during reconciliation.
        case failed
    }

    /// Whether the Temporary Access Pass is gone from Entra.
    public enum Revocation: String, Sendable, Codable {
        /// The session closed in our database; Graph has not confirmed the deletion yet (retried).
        case pending
        /// Graph deleted it (or no longer had it).
        case confirmed
    }

    /// The authentication method id Graph gave the pass.
    public var methodID: String?
    public var provisioning: Provisioning
    /// `nil` while the pass lives.
    public var revocation: Revocation?
    /// Entra cannot count uses: a pass for more than one use is usable any number of times in its lifetime.
    public var isUsableOnce: Bool

    /// Makes a status.
    public init(methodID: String?, provisioning: Provisioning, revocation: Revocation?, isUsableOnce: Bool) {
        self.methodID = methodID
        self.provisioning = provisioning
        self.revocation = revocation
        self.isUsableOnce = isUsableOnce
    }
}

/// Bounds an outside authority puts on a pass, checked with our own policy before anything is written or
/// called ("the effective policy is ours intersected with Entra's").
public struct AuthorityPassLimits: Sendable, Equatable {
    /// Whether the authority issues passes at all (Entra: the method's `state` is `enabled`).
    public var isEnabled: Bool
    public var minimumLifetimeInMinutes: Int
    public var maximumLifetimeInMinutes: Int
    /// The authority makes every pass one-time.
    public var requiresUsableOnce: Bool
    /// Names the authority in a violation's bound ("Entra's Temporary Access Pass policy").
    public var source: String

    /// Makes limits.
    public init(
        isEnabled: Bool, minimumLifetimeInMinutes: Int, maximumLifetimeInMinutes: Int, requiresUsableOnce: Bool,
        source: String
    ) {
        self.isEnabled = isEnabled
        self.minimumLifetimeInMinutes = minimumLifetimeInMinutes
        self.maximumLifetimeInMinutes = maximumLifetimeInMinutes
        self.requiresUsableOnce = requiresUsableOnce
        self.source = source
    }

    /// The first bound `plan` breaks, if any.
    public func violation(of plan: PassPlan) -> PolicyViolation? {
        guard isEnabled else { return PolicyViolation(field: "pass", bound: "the method enabled in \(source)") }
        let range = minimumLifetimeInMinutes...maximumLifetimeInMinutes
        guard range.contains(plan.lifetimeInMinutes) else {
            return PolicyViolation(
                field: "pass.lifetimeInMinutes",
                bound: "between \(range.lowerBound) and \(range.upperBound) minutes (\(source))")
        }
        if requiresUsableOnce, plan.maxUses != 1 {
            return PolicyViolation(field: "pass.maxUses", bound: "1 (\(source) makes every pass one-time)")
        }
        return nil
    }
}
