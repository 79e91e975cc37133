import Foundation
import TapCore

/// Limits on failed redeems, kept in memory and checked before a pass is evaluated or anything is written.
///
/// Failures are counted per (client address, user), per user and per client address, each in a sliding
/// window. A key over its limit is refused for a back-off that doubles with every further failure, up to the
/// window. Only failures count, so a fleet of kiosks behind one NAT address redeeming correct passes never
/// reaches a limit. State is lost on restart, which only gives a guesser one fresh window: the database
/// lock-out (`failedAttemptLimit`) still stands.
public actor RedeemThrottle {
    /// The limits, per window.
    public struct Limits: Sendable, Equatable {
        public var perClientAndUser: Int
        public var perUser: Int
        public var perClient: Int
        public var windowSeconds: Int
        /// The most keys kept; past it the oldest are forgotten first.
        public var maximumKeys: Int

        /// Makes limits; the defaults are what docs/configuration.md documents.
        public init(perClientAndUser: Int = 5, perUser: Int = 20, perClient: Int = 50, windowSeconds: Int = 900, maximumKeys: Int = 100_000) {
            self.perClientAndUser = perClientAndUser
            self.perUser = perUser
            self.perClient = perClient
            self.windowSeconds = windowSeconds
            self.maximumKeys = maximumKeys
        }
    }

    private struct Entry {
        var failures: [Date]
        var blockedUntil: Date?
    }

    private let limits: Limits
    private let now: @Sendable () -> Date
    private var entries: [String: Entry] = [:]

    /// Makes a throttle on the given clock.
    public init(limits: Limits, now: @escaping @Sendable () -> Date) {
        self.limits = limits
        self.now = now
    }

    private func keys(client: String, user: UserPrincipalName) -> [(String, Int)] {
        [("cu\u{1F}\(client)\u{1F}\(user.value)", limits.perClientAndUser), ("u\u{1F}\(user.value)", limits.perUser),
         ("c\u{1F}\(client)", limits.perClient)]
    }

    /// Seconds to wait when any key of this attempt is blocked now; `nil` when the attempt may go ahead.
    public func retryAfter(client: String, user: UserPrincipalName) -> Int? {
        let current = now()
        let waits = keys(client: client, user: user).compactMap { key, _ -> TimeInterval? in
            guard let until = entries[key]?.blockedUntil, until > current else { return nil }
            return until.timeIntervalSince(current)
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    /// Counts a refused redeem against every key of the attempt.
    public func recordFailure(client: String, user: UserPrincipalName) {
        let current = now()
        let windowStart = current.addingTimeInterval(-TimeInterval(limits.windowSeconds))
        if entries.count >= limits.maximumKeys { evictOldest(before: windowStart) }
        for (key, limit) in keys(client: client, user: user) {
            var entry = entries[key] ?? Entry(failures: [], blockedUntil: nil)
            entry.failures = entry.failures.filter { $0 > windowStart } + [current]
            let excess = entry.failures.count - limit
            if excess >= 0 {
                // 2 s, 4 s, 8 s ... for each failure past the limit, never longer than the window.
                let backOff = min(Double(limits.windowSeconds), pow(2, Double(min(excess + 1, 20))))
                entry.blockedUntil = current.addingTimeInterval(backOff)
            }
            entries[key] = entry
        }
    }

    /// A successful redeem proves the caller knew the pass: its client-and-user and user keys start afresh.
    public func recordSuccess(client: String, user: UserPrincipalName) {
        for (key, _) in keys(client: client, user: user).prefix(2) { entries.removeValue(forKey: key) }
    }

    /// Forgets keys whose failures have all left the window and that are not blocked.
    public func prune() {
        let current = now()
        let windowStart = current.addingTimeInterval(-TimeInterval(limits.windowSeconds))
        entries = entries.filter { _, entry in
            (entry.failures.last.map { $0 > windowStart } ?? false) || (entry.blockedUntil.map { $0 > current } ?? false)
        }
    }

    /// How many keys are held (for tests and metrics).
    public var keyCount: Int { entries.count }

    private func evictOldest(before windowStart: Date) {
        prune()
        guard entries.count >= limits.maximumKeys else { return }
        let oldest = entries.sorted { ($0.value.failures.last ?? .distantPast) < ($1.value.failures.last ?? .distantPast) }
        for (key, _) in oldest.prefix(entries.count - limits.maximumKeys + 1) { entries.removeValue(forKey: key) }
    }
}
