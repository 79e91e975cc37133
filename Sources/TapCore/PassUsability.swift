import Foundation

/// Why a pass can or cannot be used now, in Entra's words where they exist.
public enum MethodUsabilityReason: String, Codable, Sendable, CaseIterable {
    case enabledByPolicy = "EnabledByPolicy"
    case notYetValid = "NotYetValid"
    case expired = "Expired"
    case oneTimeUsed = "OneTimeUsed"
    case disabledByPolicy = "DisabledByPolicy"
    case revoked = "Revoked"
    case lockedOut = "LockedOut"

    /// Whether the pass admits a sign-in.
    public var isUsable: Bool { self == .enabledByPolicy }
}

/// The stored facts about a pass from which its usability is computed at the moment of use.
public struct PassTerms: Sendable, Equatable {
    /// When the pass becomes usable.
    public var startsAt: Date
    /// When the pass stops being usable (exclusive).
    public var expiresAt: Date
    /// How many sign-ins the pass admits in all.
    public var maxUses: Int
    /// How many sign-ins it has admitted so far.
    public var uses: Int
    /// Set when an operator or a completed session revoked the pass.
    public var revokedAt: Date?
    /// Set when too many wrong passes locked it.
    public var lockedAt: Date?

    /// Makes the terms of a pass.
    public init(
        startsAt: Date, expiresAt: Date, maxUses: Int, uses: Int = 0, revokedAt: Date? = nil, lockedAt: Date? = nil
    ) {
        self.startsAt = startsAt
        self.expiresAt = expiresAt
        self.maxUses = maxUses
        self.uses = uses
        self.revokedAt = revokedAt
        self.lockedAt = lockedAt
    }

    /// Sign-ins still allowed, never negative.
    public var usesRemaining: Int { max(0, maxUses - uses) }

    /// The lifetime in whole minutes.
    public var lifetimeInMinutes: Int { Int((expiresAt.timeIntervalSince(startsAt) / 60).rounded()) }

    /// The usability at `now`. Precedence when several hold:
    /// Revoked > LockedOut > OneTimeUsed > Expired > NotYetValid > DisabledByPolicy.
    public func usability(at now: Date, policyEnabled: Bool = true) -> MethodUsabilityReason {
        if revokedAt != nil { return .revoked }
        if lockedAt != nil { return .lockedOut }
        if uses >= maxUses { return .oneTimeUsed }
        if now >= expiresAt { return .expired }
        if now < startsAt { return .notYetValid }
        if !policyEnabled { return .disabledByPolicy }
        return .enabledByPolicy
    }
}
