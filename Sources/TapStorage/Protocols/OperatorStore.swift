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
}
