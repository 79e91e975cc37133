import Foundation
import TapCore
import TapStorage

/// Limits on failed redeems, kept in memory and checked before a pass is evaluated or anything is written. With
/// several instances on one database, each tells the others what it counts (``PeerNews``), so that attempts
/// spread over the instances meet one count.
///
/// Failures are counted per (client address, user), per user and per client address, each in a sliding
/// window; an address is counted by ``AddressBlock/abuseGroup(of:)`` (IPv6 by its /64). A key over its limit is
/// refused for a back-off that doubles with every further failure, up to the window. Only failures count, so a
/// fleet of kiosks behind one NAT address redeeming correct passes never reaches a limit. State is lost on
/// restart, which only gives a guesser one fresh window: the database lock-out (`failedAttemptLimit`) still
/// stands.
///
/// Failures that count toward that lock-out (redeem's) are held tighter, so that locking a stranger out takes
/// many networks and minutes rather than five requests: an address group at `perClientAndUser` failures for a
/// user waits out the whole window, and from the user's `perUserBeforeDelay`-th failure on, each further
/// attempt for that user waits 1 s, 2 s, 4 s, 8 s... These delays depend only on failures already counted,
/// never on the pass presented, so they cannot tell a right pass from a wrong one.
public actor RedeemThrottle {
    /// The limits, per window.
    public struct Limits: Sendable, Equatable {
        public var perClientAndUser: Int
        public var perUser: Int
        /// Failures for one user, from anywhere, after which each further attempt for that user waits 1 s, 2 s,
        /// 4 s... (only for failures that count toward the database lock-out).
        public var perUserBeforeDelay: Int
        public var perClient: Int
        public var windowSeconds: Int
        /// The most keys kept; past it the oldest are forgotten first.
        public var maximumKeys: Int

        /// Makes limits; the defaults are what docs/configuration.md documents. `perClientAndUser` stays well
        /// below the policy's `failedAttemptLimit` (10 by default), so one address group alone cannot lock a
        /// user out.
        public init(
            perClientAndUser: Int = 3, perUser: Int = 20, perUserBeforeDelay: Int = 2, perClient: Int = 50,
            windowSeconds: Int = 900, maximumKeys: Int = 100_000
        ) {
            self.perClientAndUser = perClientAndUser
            self.perUser = perUser
            self.perUserBeforeDelay = perUserBeforeDelay
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
    /// The instances sharing the database, told each count.
    private let peers: PeerNews?

    /// Makes a throttle on the given clock that counts, besides its own, what the other instances on the
    /// database tell `peers` they counted, and tells them what it counts.
    public init(limits: Limits, now: @escaping @Sendable () -> Date, peers: PeerNews? = nil) {
        self.limits = limits
        self.now = now
        self.peers = peers
        peers?.listen { [weak self] message in
            guard let self, let news = PeerMessage(message) else { return }
            Task { await self.apply(news) }
        }
    }

    private enum Scope { case clientAndUser, user, client }

    private func keys(group: String, user: String) -> [(String, Scope)] {
        [("cu\u{1F}\(group)\u{1F}\(user)", .clientAndUser), ("u\u{1F}\(user)", .user), ("c\u{1F}\(group)", .client)]
    }

    /// Seconds to wait when any key of this attempt is blocked now; `nil` when the attempt may go ahead.
    public func retryAfter(client: String, user: UserPrincipalName) -> Int? {
        let current = now()
        let waits = keys(group: AddressBlock.abuseGroup(of: client), user: user.value).compactMap {
            key, _ -> TimeInterval? in
            guard let until = entries[key]?.blockedUntil, until > current else { return nil }
            return until.timeIntervalSince(current)
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    /// Counts a refused attempt against every key of the attempt. `guardsLockOut` marks a failure that also
    /// counts toward the user's database lock-out (a redeem's): see the type's summary for the tighter limits.
    /// The instances sharing the database count it too.
    public func recordFailure(client: String, user: UserPrincipalName, guardsLockOut: Bool = false) {
        let group = AddressBlock.abuseGroup(of: client)
        count(group: group, user: user.value, guardsLockOut: guardsLockOut)
        tell(PeerMessage.failure(group: group, user: user.value, guardsLockOut: guardsLockOut))
    }

    /// A successful redeem proves the caller knew the pass: its client-and-user and user keys start afresh, on
    /// every instance. The others are told only when this one had counted something: every instance counts every
    /// failure, so a caller with nothing here has nothing there, and most redeems cost the database no message.
    public func recordSuccess(client: String, user: UserPrincipalName) {
        let group = AddressBlock.abuseGroup(of: client)
        if forget(group: group, user: user.value) { tell(PeerMessage.success(group: group, user: user.value)) }
    }

    private func count(group: String, user: String, guardsLockOut: Bool) {
        let current = now()
        let window = Double(limits.windowSeconds)
        let windowStart = current.addingTimeInterval(-window)
        if entries.count >= limits.maximumKeys { evictOldest(before: windowStart) }
        for (key, scope) in keys(group: group, user: user) {
            var entry = entries[key] ?? Entry(failures: [], blockedUntil: nil)
            entry.failures = entry.failures.filter { $0 > windowStart } + [current]
            let count = entry.failures.count
            let limit =
                switch scope {
                case .clientAndUser: limits.perClientAndUser
                case .user: limits.perUser
                case .client: limits.perClient
                }
            var backOff = 0.0
            if count >= limit {
                // 2 s, 4 s, 8 s ... for each failure past the limit, never longer than the window.
                backOff = min(window, pow(2, Double(min(count - limit + 1, 20))))
            }
            if guardsLockOut, scope == .clientAndUser, count >= limit {
                // One address group must not reach the lock-out alone: at its limit it waits out the window.
                backOff = window
            }
            if guardsLockOut, scope == .user, count >= limits.perUserBeforeDelay {
                // 1 s, 2 s, 4 s ... before the user's next attempt, whoever makes it.
                backOff = max(backOff, min(window, pow(2, Double(min(count - limits.perUserBeforeDelay, 20)))))
            }
            if backOff > 0 { entry.blockedUntil = current.addingTimeInterval(backOff) }
            entries[key] = entry
        }
    }

    /// Whether there was anything to forget.
    @discardableResult
    private func forget(group: String, user: String) -> Bool {
        var forgot = false
        for (key, _) in keys(group: group, user: user).prefix(2) where entries.removeValue(forKey: key) != nil {
            forgot = true
        }
        return forgot
    }

    private func apply(_ news: PeerMessage) {
        switch news {
        case .failure(let group, let user, let guardsLockOut):
            count(group: group, user: user, guardsLockOut: guardsLockOut)
        case .success(let group, let user): forget(group: group, user: user)
        }
    }

    private func tell(_ news: PeerMessage) {
        guard let peers else { return }
        // Not awaited: the caller's answer does not wait for the other instances to hear.
        Task { await peers.tell(news.text) }
    }

    /// Forgets keys whose failures have all left the window and that are not blocked.
    public func prune() {
        let current = now()
        let windowStart = current.addingTimeInterval(-TimeInterval(limits.windowSeconds))
        entries = entries.filter { _, entry in
            (entry.failures.last.map { $0 > windowStart } ?? false)
                || (entry.blockedUntil.map { $0 > current } ?? false)
        }
    }

    /// How many keys are held (for tests and metrics).
    public var keyCount: Int { entries.count }

    private func evictOldest(before windowStart: Date) {
        prune()
        guard entries.count >= limits.maximumKeys else { return }
        let oldest = entries.sorted {
            ($0.value.failures.last ?? .distantPast) < ($1.value.failures.last ?? .distantPast)
        }
        for (key, _) in oldest.prefix(entries.count - limits.maximumKeys + 1) { entries.removeValue(forKey: key) }
    }
}

/// A count one instance tells the others: a failure (with its address group, user and kind) or a success.
enum PeerMessage: Equatable {
    case failure(group: String, user: String, guardsLockOut: Bool)
    case success(group: String, user: String)

    /// `throttle` and the parts, separated by the unit separator (which neither an address group nor a user
    /// principal name holds).
    var text: String {
        switch self {
        case .failure(let group, let user, let guardsLockOut):
            ["throttle", "failure", group, user, guardsLockOut ? "1" : "0"].joined(separator: "\u{1F}")
        case .success(let group, let user): ["throttle", "success", group, user].joined(separator: "\u{1F}")
        }
    }

    /// A message another instance told; `nil` for one that is not the throttle's or is malformed.
    init?(_ text: String) {
        let parts = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, parts[0] == "throttle", !parts[2].isEmpty, UserPrincipalName(parts[3]) != nil
        else { return nil }
        switch (parts[1], parts.count) {
        case ("failure", 5) where ["0", "1"].contains(parts[4]):
            self = .failure(group: parts[2], user: parts[3], guardsLockOut: parts[4] == "1")
        case ("success", 4): self = .success(group: parts[2], user: parts[3])
        default: return nil
        }
    }
}
