import Foundation

/// How long console sessions and invitations live (docs/configuration.md, `TAPSTATION_CONSOLE_*`).
public struct ConsoleSettings: Sendable, Equatable {
    /// A console session ends after this long without a request.
    public var idleTimeout: TimeInterval = 30 * 60
    /// A console session ends this long after sign-in, however busy.
    public var absoluteLifetime: TimeInterval = 12 * 3600
    /// How long an invitation code may be used to register a first passkey.
    public var invitationLifetime: TimeInterval = 24 * 3600
    /// Approving a pass (and, later, every admin action) needs a passkey proof at most this old.
    public var stepUpAge: TimeInterval = 5 * 60

    /// What the sign-in page's single sign-on button names (`Sign in with …`), when single sign-on is configured.
    public var singleSignOnLabel = "your organisation's account"

    /// Makes settings with the documented defaults.
    public init() {}
}
