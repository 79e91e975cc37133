import Foundation
import NIOConcurrencyHelpers
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// Two instances' throttles that tell each other what they count: failures spread over the instances meet one
/// count, and a success on one starts the caller afresh on both. (PostgresFeedTests proves the transport.)
@Suite("Redeem throttle across instances")
struct SharedThrottleTests {
    static let user = UserPrincipalName("ada@contoso.example")!
    static let limits = RedeemThrottle.Limits(perClientAndUser: 3, perUser: 100, perClient: 100, windowSeconds: 900)

    /// News between `count` instances in this process: what one tells reaches every one, as PostgreSQL's
    /// notifications do (the teller drops its own).
    static func linkedPeers(_ count: Int) -> [PeerNews] {
        let members = NIOLockedValueBox<[PeerNews]>([])
        let peers = (0..<count).map { _ in
            PeerNews { payload in for member in members.withLockedValue({ $0 }) { member.heard(payload) } }
        }
        members.withLockedValue { $0 = peers }
        return peers
    }

    @Test func failuresOnOneInstanceThrottleTheCallerOnAnother() async throws {
        let clock = TestClock()
        let peers = Self.linkedPeers(2)
        let first = RedeemThrottle(limits: Self.limits, now: { clock.now }, peers: peers[0])
        let second = RedeemThrottle(limits: Self.limits, now: { clock.now }, peers: peers[1])
        for _ in 0..<3 { await first.recordFailure(client: "198.51.100.7", user: Self.user, guardsLockOut: true) }
        #expect(await first.retryAfter(client: "198.51.100.7", user: Self.user) != nil)
        try await eventually { await second.retryAfter(client: "198.51.100.7", user: Self.user) != nil }
        // Another user at that address is not held back by these failures.
        let grace = try #require(UserPrincipalName("grace@contoso.example"))
        #expect(await second.retryAfter(client: "198.51.100.7", user: grace) == nil)
    }

    @Test func aSuccessOnOneInstanceStartsTheCallerAfreshOnTheOther() async throws {
        let clock = TestClock()
        let peers = Self.linkedPeers(2)
        let first = RedeemThrottle(limits: Self.limits, now: { clock.now }, peers: peers[0])
        let second = RedeemThrottle(limits: Self.limits, now: { clock.now }, peers: peers[1])
        for _ in 0..<2 { await second.recordFailure(client: "198.51.100.7", user: Self.user) }
        try await eventually { await first.keyCount == 3 }
        await first.recordSuccess(client: "198.51.100.7", user: Self.user)
        // The client-and-user and user keys are gone on both; the address's own count stays.
        try await eventually { await second.keyCount == 1 }
    }

    @Test func onlyTheThrottlesWellFormedMessagesAreCounted() {
        let failure = PeerMessage.failure(group: "198.51.100.7", user: "ada@contoso.example", guardsLockOut: true)
        #expect(PeerMessage(failure.text) == failure)
        let success = PeerMessage.success(group: "2001:db8:1:2::/64", user: "ada@contoso.example")
        #expect(PeerMessage(success.text) == success)
        for text in [
            "", "throttle", "throttle\u{1F}failure\u{1F}198.51.100.7\u{1F}ada@contoso.example",
            "throttle\u{1F}failure\u{1F}198.51.100.7\u{1F}not a user\u{1F}1",
            "throttle\u{1F}failure\u{1F}\u{1F}ada@contoso.example\u{1F}1",
            "throttle\u{1F}failure\u{1F}198.51.100.7\u{1F}ada@contoso.example\u{1F}yes",
            "other\u{1F}success\u{1F}198.51.100.7\u{1F}ada@contoso.example",
        ] {
            #expect(PeerMessage(text) == nil, "\(text.debugDescription)")
        }
    }

    /// Polls `condition` for up to two seconds: news crosses a task on the way.
    func eventually(_ condition: () async -> Bool) async throws {
        for _ in 0..<100 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the condition did not hold within two seconds")
    }
}
