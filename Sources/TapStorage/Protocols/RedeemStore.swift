import Foundation
import TapCore

/// The device's side of a pass: signing in with it, and finding the session its session token stands for.
///
/// Redeem is atomic: under any concurrency a pass with N uses admits exactly N sign-ins.
public protocol RedeemStore: Sendable {
    /// Checks a presented pass and, when it is usable, spends one use and returns a session token.
    func redeem(user: UserPrincipalName, pass presented: PresentedPass, client: String?) async throws -> RedeemOutcome

    /// The session a session token was issued for, while that token is still good.
    func sessionForToken(_ token: BearerToken) async throws -> Session?
}
