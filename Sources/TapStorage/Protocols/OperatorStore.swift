import Foundation
import TapCore

/// Operators and their tokens: creation, lookup by token, rotation, revocation and kiosk enrolment codes.
///
/// Tokens and codes are returned once, by the call that made them; the store keeps only their MACs.
public protocol OperatorStore: Sendable {
    /// Creates an operator and returns its token, once.
    func createOperator(_ request: NewOperator, by creator: OperatorIdentity?) async throws -> (Operator, BearerToken)

    /// Creates a kiosk operator with a one-time enrolment code instead of a token.
    func createKioskOperator(
        _ request: NewOperator, enrolmentCodeLifetime: TimeInterval, by creator: OperatorIdentity?
    ) async throws -> KioskEnrolmentGrant

    /// Exchanges an enrolment code, once, for its kiosk's token; `nil` for every kind of refusal.
    func exchangeKioskEnrolmentCode(_ presented: String) async throws -> (Operator, BearerToken)?

    /// Finds the operator a token belongs to.
    func operatorForToken(_ token: BearerToken) async throws -> OperatorLookup

    /// Every operator, oldest first.
    func operators() async throws -> [Operator]

    /// Revokes an operator; its token stops working at once.
    func revokeOperator(_ id: OperatorID, by actor: OperatorIdentity) async throws -> Operator

    /// Gives an operator a new token; the old one keeps working for `grace`.
    func rotateToken(
        of id: OperatorID, grace: TimeInterval, by actor: OperatorIdentity, presented: BearerToken?
    ) async throws -> (Operator, BearerToken)

    /// Number of operators that are neither revoked nor expired.
    func activeOperatorCount() async throws -> Int

    /// Gives a person another role or site (`operator.roleChanged`); ends their console sessions.
    func changeOperatorRole(
        _ id: OperatorID, to role: Role, site: SiteName?, by actor: OperatorIdentity
    ) async throws
        -> Operator

    /// Writes the last uses noted since the previous call (the newest wins).
    func recordOperatorUses(_ uses: [OperatorUse]) async throws

    /// Each operator's last use.
    func operatorUses() async throws -> [OperatorID: OperatorUse]
}

/// When and from which address an operator last used their token or console session.
public struct OperatorUse: Sendable, Equatable {
    public var operatorID: OperatorID
    public var at: Date
    /// The client address as the service resolved it (behind a proxy: the forwarded one it trusts).
    public var from: String

    /// Makes a use.
    public init(operatorID: OperatorID, at: Date, from: String) {
        self.operatorID = operatorID
        self.at = at
        self.from = from
    }
}
