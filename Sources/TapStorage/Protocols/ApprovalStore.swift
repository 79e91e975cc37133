import Foundation
import TapCore

/// Trusted issuance: approvals by a second operator, issuance counts and locks, and revoking a user's all.
public protocol ApprovalStore: Sendable {
    /// Sessions awaiting approval that `viewer` may decide on.
    func pendingApprovals(visibleTo viewer: OperatorIdentity) async throws -> [Session]

    /// Approves a session (by someone other than its creator) and mints its pass.
    func approve(_ id: SessionID, by approver: OperatorIdentity, proofing: Proofing?) async throws -> Session

    /// Refuses a session awaiting approval.
    func reject(_ id: SessionID, by approver: OperatorIdentity, reason: String) async throws -> Session

    /// Passes each operator issued in the last hour and the last day.
    func issuanceCounts() async throws -> [OperatorID: (lastHour: Int, lastDay: Int)]

    /// Forbids issuing passes for `user` until `until`.
    func lockIssuance(for user: UserPrincipalName, until: Date, reason: String, by actor: OperatorIdentity) async throws

    /// The user's issuance locks in force that `viewer` may see (a site's own and every-site ones), newest first.
    func issuanceLocks(for user: UserPrincipalName, visibleTo viewer: OperatorIdentity) async throws -> [IssuanceLock]

    /// Lifts an issuance lock; `false` when there was none.
    func unlockIssuance(for user: UserPrincipalName, by actor: OperatorIdentity) async throws -> Bool

    /// Cancels every open session of `user` that `actor` may see, killing their passes and tokens; returns them.
    func revokeEverything(
        of user: UserPrincipalName, reason: String, by actor: OperatorIdentity
    ) async throws
        -> [SessionID]
}

/// A user's issuance lock in force: no pass for them until `lockedUntil`.
public struct IssuanceLock: Sendable, Equatable {
    /// The site it holds at, or `nil` for every site (set by a global operator).
    public var site: SiteName?
    public var lockedUntil: Date
    public var reason: String
    public var lockedBy: OperatorID?

    public init(site: SiteName?, lockedUntil: Date, reason: String, lockedBy: OperatorID?) {
        self.site = site
        self.lockedUntil = lockedUntil
        self.reason = reason
        self.lockedBy = lockedBy
    }
}
