import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

@Suite("Abuse limits")
struct AbuseLimitTests {
    static let user = UserPrincipalName("ada@contoso.example")!

    /// A fido2Registration session for ``user``, created by the fixture's admin.
    private static func issuePass(_ fixture: HTTPFixture) async throws -> IssuedPass {
        let admin = try await fixture.store.operators().first { $0.identity.name == "admin" }!.identity
        guard
            case .created(let issued) = try await fixture.store.createSession(
                NewSession(scenario: .fido2Registration, userPrincipalName: Self.user), by: admin)
        else { throw CancellationError() }
        return issued
    }

    @Test func aGuesserIsThrottledBeforeEvaluationWithBackOff() async throws {
        let clock = TestClock()
        let throttle = RedeemThrottle(
            limits: .init(perClientAndUser: 3, perUser: 100, perClient: 100, windowSeconds: 900), now: { clock.now })
        for _ in 0..<2 { await throttle.recordFailure(client: "198.51.100.7", user: Self.user) }
        #expect(await throttle.retryAfter(client: "198.51.100.7", user: Self.user) == nil)
        await throttle.recordFailure(client: "198.51.100.7", user: Self.user)
        #expect(await throttle.retryAfter(client: "198.51.100.7", user: Self.user) == 2)
        #expect(
            await throttle.retryAfter(client: "203.0.113.9", user: Self.user) == nil, "another client is not blocked")
        clock.advance(seconds: 2)
        await throttle.recordFailure(client: "198.51.100.7", user: Self.user)
        #expect(await throttle.retryAfter(client: "198.51.100.7", user: Self.user) == 4, "back-off doubles")
        clock.advance(seconds: 901)
        #expect(await throttle.retryAfter(client: "198.51.100.7", user: Self.user) == nil)
        await throttle.prune()
        #expect(await throttle.keyCount == 0)
    }

    @Test func aFleetBehindOneAddressRedeemingGoodPassesIsNeverLimited() async throws {
        let fixture = try await HTTPFixture(redeemLimits: .init(perClientAndUser: 2, perUser: 3, perClient: 4))
        defer { fixture.cleanUp() }
        let admin = try await fixture.store.operators().first { $0.identity.name == "admin" }!.identity
        try await fixture.application().test(.router) { client in
            for index in 0..<30 {
                let user = UserPrincipalName("user\(index)@contoso.example")!
                guard
                    case .created(let issued) = try await fixture.store.createSession(
                        NewSession(scenario: .fido2Registration, userPrincipalName: user), by: admin)
                else { throw CancellationError() }
                let response = try await client.redeem(issued.pass.grouped, user: "\(user)")
                #expect(response.status == .ok, "redeem \(index) from the shared address was refused")
            }
        }
    }

    @Test func overTheLimitTheAnswerIs429AndNothingIsEvaluatedOrWritten() async throws {
        let fixture = try await HTTPFixture(
            redeemLimits: .init(perClientAndUser: 3, perUser: 100, perUserBeforeDelay: 100, perClient: 100))
        defer { fixture.cleanUp() }
        let issued = try await Self.issuePass(fixture)
        try await fixture.application().test(.router) { client in
            for _ in 0..<3 { #expect(try await client.redeem("2222-2222-2222").status == .unauthorized) }
            let eventsBefore = try await fixture.store.auditEvents(limit: 1000).count
            let throttled = try await client.redeem(issued.pass.grouped)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.problemCode == "rate_limited")
            // A redeem failure counts toward the user's lock-out: the address waits out the whole window.
            #expect(throttled.headers[.retryAfter] == "900")
            #expect(try await fixture.store.auditEvents(limit: 1000).count == eventsBefore)
            let session = try await fixture.store.session(issued.session.id, visibleTo: nil)
            #expect(session?.pass?.uses == 0, "the right pass was evaluated while throttled")
            fixture.clock.advance(seconds: 900)
            #expect(try await client.redeem(issued.pass.grouped).status == .ok)
        }
    }

    /// Counts how many failures one client gets through in `seconds`, trying once a second whenever not blocked.
    private func failuresGotThrough(
        _ throttle: RedeemThrottle, clock: TestClock, client: (Int) -> String, seconds: Int
    ) async -> Int {
        var through = 0
        for second in 0..<seconds {
            if await throttle.retryAfter(client: client(second), user: Self.user) == nil {
                await throttle.recordFailure(client: client(second), user: Self.user, guardsLockOut: true)
                through += 1
            }
            clock.advance(seconds: 1)
        }
        return through
    }

    @Test func oneAddressCannotReachTheUserLockOutWithinTheWindow() async throws {
        let clock = TestClock()
        let limits = RedeemThrottle.Limits()
        #expect(
            limits.perClientAndUser * 3 <= Policy.standard.defaults.failedAttemptLimit!,
            "the address limit is not well below the user's")
        let throttle = RedeemThrottle(limits: limits, now: { clock.now })
        let through = await failuresGotThrough(
            throttle, clock: clock, client: { _ in "198.51.100.7" }, seconds: limits.windowSeconds)
        #expect(through == limits.perClientAndUser)
        #expect(through < Policy.standard.defaults.failedAttemptLimit!)
    }

    @Test func anIPv6AddressCountsByItsSlash64() async throws {
        let clock = TestClock()
        let limits = RedeemThrottle.Limits()
        let throttle = RedeemThrottle(limits: limits, now: { clock.now })
        // A new address out of the same /64 for every try gets no further than one address.
        let through = await failuresGotThrough(
            throttle, clock: clock, client: { "2001:db8:1:2::\(String($0 + 1, radix: 16))" },
            seconds: limits.windowSeconds)
        #expect(through == limits.perClientAndUser)
        #expect(await throttle.retryAfter(client: "2001:db8:1:2:ffff::1", user: Self.user) != nil)
        #expect(
            await throttle.retryAfter(client: "2001:db8:1:3::1", user: Self.user) == nil,
            "another /64 is another network")
    }

    @Test func eachFailureAfterTheSecondDelaysTheUsersNextAttemptLongerUntilTheLockOut() async throws {
        let clock = TestClock()
        let throttle = RedeemThrottle(limits: RedeemThrottle.Limits(), now: { clock.now })
        var waits: [Int?] = []
        // Strangers from many networks, one try each, each as soon as the user's delay allows.
        for index in 0..<9 {
            let client = "203.0.113.\(index + 1)"
            if let wait = await throttle.retryAfter(client: client, user: Self.user) {
                clock.advance(seconds: Double(wait))
            }
            await throttle.recordFailure(client: client, user: Self.user, guardsLockOut: true)
            waits.append(await throttle.retryAfter(client: "192.0.2.200", user: Self.user))
        }
        #expect(waits == [nil, 1, 2, 4, 8, 16, 32, 64, 128])
        #expect(
            await throttle.retryAfter(client: "192.0.2.200", user: UserPrincipalName("bob@contoso.example")!) == nil)
    }

    @Test func theUsersDelayIsA429BeforeThePassIsEvaluated() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let issued = try await Self.issuePass(fixture)
        try await fixture.application().test(.router) { client in
            for _ in 0..<2 { #expect(try await client.redeem("2222-2222-2222").status == .unauthorized) }
            // The right pass and a wrong one get the same answer while the user waits: nothing is evaluated.
            for pass in [issued.pass.grouped, "2222-2222-2222"] {
                let delayed = try await client.redeem(pass)
                #expect(delayed.status == .tooManyRequests)
                #expect(delayed.problemCode == "rate_limited")
                #expect(delayed.headers[.retryAfter] == "1")
            }
            #expect(try await fixture.store.session(issued.session.id, visibleTo: nil)?.pass?.uses == 0)
            fixture.clock.advance(seconds: 1)
            #expect(try await client.redeem(issued.pass.grouped).status == .ok)
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() {
        let resolver = ClientAddressResolver(trustedProxies: [AddressBlock("10.0.0.0/8")!, AddressBlock("::1")!])
        #expect(resolver.resolve(peer: "203.0.113.5", forwardedFor: "198.51.100.1") == "203.0.113.5")
        #expect(resolver.resolve(peer: "10.0.0.2", forwardedFor: "198.51.100.1") == "198.51.100.1")
        #expect(resolver.resolve(peer: "10.0.0.2", forwardedFor: "1.2.3.4, 198.51.100.1, 10.0.0.3") == "198.51.100.1")
        #expect(resolver.resolve(peer: "10.0.0.2", forwardedFor: "198.51.100.1, not-an-address") == "10.0.0.2")
        #expect(resolver.resolve(peer: "10.0.0.2", forwardedFor: nil) == "10.0.0.2")
        #expect(resolver.resolve(peer: nil, forwardedFor: "198.51.100.1") == "unknown")
    }

    @Test func overLongURLsAreRefused() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/sessions?userPrincipalName=" + String(repeating: "a", count: 9000), method: .get,
                headers: HTTPFixture.headers(fixture.adminToken))
            #expect(response.status == .uriTooLong)
            #expect(response.problemCode == "uri_too_long")
        }
    }
}
