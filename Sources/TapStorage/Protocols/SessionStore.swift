import Foundation
import TapCore

/// Sessions and their passes: creating, reissuing, closing and reading them, and the policy that shapes them.
///
/// Each write is one atomic use case that keeps the rules of DESIGN.md; a pass value is returned only by the
/// call that minted it.
public protocol SessionStore: Sendable {
    /// Creates a session (and, unless policy wants an approval first, its pass), or replays an idempotent create.
    func createSession(
        _ request: NewSession, by creator: OperatorIdentity, idempotency: IdempotencyClaim?
    ) async throws -> CreateOutcome

    /// Creates the sessions of a batch, each row on its own, all under the batch's idempotency key.
    func createSessions(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotency: IdempotencyClaim?,
        describe: @escaping @Sendable (any Error) -> BatchRowProblem?
    ) async throws -> BatchOutcome

    /// Mints a pass for a session: an approved request's first, or a fresh one replacing a dead or unwanted pass.
    func reissuePass(_ id: SessionID, request: PassRequest, by actor: OperatorIdentity) async throws -> IssuedPass

    /// Cancels a session and revokes its pass in the same transaction.
    func cancelSession(_ id: SessionID, reason: String?, by actor: OperatorIdentity) async throws -> Session

    /// Completes a session by hand and revokes its pass in the same transaction.
    func completeSession(_ id: SessionID, by actor: OperatorIdentity) async throws -> Session

    /// One session as `viewer` may see it (`nil` viewer: the system); `nil` when not found or not visible.
    func session(_ id: SessionID, visibleTo viewer: OperatorIdentity?) async throws -> Session?

    /// A page of the sessions `viewer` may see that match `filter`, after `cursor`.
    func sessions(
        matching filter: SessionFilter, visibleTo viewer: OperatorIdentity, after cursor: SessionID?, limit: Int
    ) async throws -> Page<Session>

    /// The open sessions of one site, oldest first, with each one's last step, for the board.
    func boardEntries(site: SiteName, limit: Int) async throws -> [BoardEntry]

    /// The policy in force.
    func policy() async throws -> Policy

    /// The policy in force with its version and who changed it last.
    func versionedPolicy() async throws -> VersionedPolicy

    /// Applies a JSON merge patch to the policy, validated whole, and records who changed what. With
    /// `expectedVersion`, refuses (`policyChanged`) when someone saved another version since it was read.
    func patchPolicy(
        _ patch: JSONValue, by actor: OperatorIdentity, expectedVersion: Int?
    ) async throws
        -> VersionedPolicy
}

/// The policy document with its version: 0 for the standard policy nobody changed yet, one more at each save.
public struct VersionedPolicy: Sendable, Equatable {
    public var policy: Policy
    public var version: Int
    public var updatedAt: Date?
    public var updatedBy: OperatorID?

    /// Makes a versioned policy.
    public init(policy: Policy, version: Int, updatedAt: Date?, updatedBy: OperatorID?) {
        self.policy = policy
        self.version = version
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

extension SessionStore {
    /// Applies a merge patch whatever version is in force (the CLI, tests).
    @discardableResult
    public func patchPolicy(_ patch: JSONValue, by actor: OperatorIdentity) async throws -> VersionedPolicy {
        try await patchPolicy(patch, by: actor, expectedVersion: nil)
    }
}
