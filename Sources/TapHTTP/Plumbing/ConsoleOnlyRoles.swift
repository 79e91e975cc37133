import NIOConcurrencyHelpers
import TapCore
import TapStorage

/// The policy's `consoleOnlyRoles`, asked on every request made with a person's bearer token, so read from the
/// store at most every few seconds rather than once per request. A change made through this process is seen at
/// once (``invalidate()``); one made through another instance within ``freshness``.
final class ConsoleOnlyRoles: Sendable {
    static let freshness: Duration = .seconds(5)

    private let store: any SessionStore
    private let cached = NIOLockedValueBox<(roles: Set<Role>, readAt: ContinuousClock.Instant)?>(nil)

    init(store: any SessionStore) {
        self.store = store
    }

    /// Whether `role`'s bearer tokens are refused now.
    func contains(_ role: Role) async throws -> Bool {
        if let known = cached.withLockedValue({ $0 }), ContinuousClock.now - known.readAt < Self.freshness {
            return known.roles.contains(role)
        }
        let roles = Set(try await store.policy().consoleOnlyRoles ?? [])
        cached.withLockedValue { $0 = (roles, ContinuousClock.now) }
        return roles.contains(role)
    }

    func invalidate() {
        cached.withLockedValue { $0 = nil }
    }
}
