import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapGraph
import TapGraphEmulator
import TapStorage
import TapTestSupport
import Testing

// Entra mode when Graph refuses, fails, throttles or is slow, and the routes local mode alone has.
extension EntraFlowTests {
    @Test func aLifetimeOutsideEntrasPolicyIsRefusedBeforeAnyCallWithTheBoundNamed() async throws {
        let fixture = try await EntraFixture()
        try await fixture.application().test(.router) { client in
            let refused = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody(pass: #"{"lifetimeInMinutes": 30}"#)))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.problem?.code == "policy_violation")
            #expect(refused.problem?.field == "pass.lifetimeInMinutes")
            #expect(refused.problem?.bound == "between 60 and 480 minutes (Entra's Temporary Access Pass policy)")
            #expect(fixture.emulator.requests.allSatisfy { $0.route == .token || $0.route == .policy })
            let list = try await fixture.store.sessions(
                matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
            #expect(list.items.isEmpty)
        }
        await fixture.cleanUp()
    }

    @Test func aTokenThatExpiresMidRunIsReplacedOnce() async throws {
        let fixture = try await EntraFixture()
        let (first, _) = try await fixture.create(EntraFixture.deviceRequest())
        #expect(fixture.emulator.tokensIssued == 1)
        // Revoked early: Graph answers 401, the client fetches one new token and the call goes through.
        fixture.emulator.expireAllTokens()
        let cancelled = try await fixture.authority.cancelSession(first.id, reason: "test", by: fixture.admin)
        #expect(cancelled.entra?.revocation == .confirmed)
        #expect(fixture.emulator.tokensIssued == 2)
        #expect(fixture.emulator.requests.filter { $0.route == .tapDelete }.count == 2)
        // Aged out on our clock: refreshed before use, without a 401.
        fixture.clock.advance(minutes: 61)
        let before = fixture.emulator.requests.count
        _ = try await fixture.create(EntraFixture.deviceRequest(serial: "SECOND1"))
        #expect(fixture.emulator.tokensIssued == 3)
        #expect(fixture.emulator.requests.count > before)
        await fixture.cleanUp()
    }

    @Test func throttlingIsRetriedAfterTheRetryAfterGraphSends() async throws {
        let fixture = try await EntraFixture()
        fixture.emulator.fail(.tapList, status: 429, retryAfter: 7)
        fixture.emulator.fail(.tapCreate, status: 429, retryAfter: 3)
        let (session, _) = try await fixture.create(EntraFixture.deviceRequest())
        #expect(session.entra?.provisioning == .issued)
        #expect(fixture.sleeps.current == [.seconds(7), .seconds(3)])
        #expect(fixture.emulator.requests.filter { $0.route == .tapCreate }.count == 2)

        // Throttled past the retries: the watcher pauses the whole round until Retry-After has passed.
        fixture.emulator.fail(.managedDevices, status: 429, retryAfter: 4, count: 3)
        let report = try await fixture.watcher.pollOnce()
        #expect(report.pausedUntil == fixture.clock.now.addingTimeInterval(4))
        let calls = fixture.emulator.requests.count
        #expect(try await fixture.watcher.pollOnce().polled == 0)
        #expect(fixture.emulator.requests.count == calls)
        fixture.clock.advance(seconds: 5)
        #expect(try await fixture.watcher.pollOnce().polled == 1)

        // A Retry-After of months pauses the watcher for an hour at most.
        fixture.clock.advance(minutes: 60)
        fixture.emulator.fail(.managedDevices, status: 429, retryAfter: 10_000_000)
        #expect(try await fixture.watcher.pollOnce().pausedUntil == fixture.clock.now.addingTimeInterval(3600))
        await fixture.cleanUp()
    }

    @Test func aDeleteWhileGraphIsDownIsRetriedAfterARestart() async throws {
        let fixture = try await EntraFixture()
        let (session, passValue) = try await fixture.create(EntraFixture.deviceRequest())
        fixture.emulator.setDown(true)
        let cancelled = try await fixture.authority.cancelSession(session.id, reason: "wrong user", by: fixture.admin)
        #expect(cancelled.storedState == .cancelled)
        #expect(cancelled.entra?.revocation == .pending)
        #expect(fixture.emulator.pass(of: "ada@contoso.example") != nil)

        // Restart: nothing in memory, the pending revocation is in the database.
        try fixture.restart(reopenStore: true)
        fixture.emulator.setDown(false)
        #expect(await fixture.authority.retryPendingRevocations() == 0)  // not due yet: back-off
        fixture.clock.advance(minutes: 2)
        #expect(await fixture.authority.retryPendingRevocations() == 1)
        #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)
        #expect(try await fixture.session(session.id).entra?.revocation == .confirmed)
        let events = try await fixture.auditTypes(session.id)
        #expect(events.suffix(3) == ["session.cancelled", "pass.revoked", "pass.revocationConfirmed"])
        try expectNeverStored(passValue, fixture)
        await fixture.cleanUp()
    }

    @Test func graphRefusalsReachTheOperatorWithGraphsWordsAndTheSessionIsCancelled() async throws {
        let fixture = try await EntraFixture()
        fixture.emulator.addUser("outside@contoso.example", inPolicyScope: false)
        try await fixture.application().test(.router) { client in
            let outside = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody(user: "outside@contoso.example")))
            #expect(outside.status == .unprocessableContent)
            #expect(outside.problem?.code == "entra_refused")
            #expect(outside.problem?.detail.contains("not in scope") == true)

            let unknown = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody(user: "nobody@contoso.example", serial: "NOBODY1")))
            #expect(unknown.status == .notFound)
            #expect(unknown.problem?.code == "entra_refused")

            fixture.emulator.setDown(true)
            let down = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody(user: "grace@contoso.example", serial: "DOWN1")))
            #expect(down.status == .serviceUnavailable)
            #expect(down.problem?.code == "entra_unavailable")
        }
        let sessions = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        #expect(sessions.items.allSatisfy { $0.storedState == .cancelled })
        await fixture.cleanUp()
    }

    @Test func revokingAUserDeletesTheirTAPInTheRequest() async throws {
        let fixture = try await EntraFixture()
        let (session, _) = try await fixture.create(EntraFixture.deviceRequest())
        try await fixture.application().test(.router) { client in
            let revoked = try await client.execute(
                uri: "/v1/users/ada@contoso.example/revoke", method: .post,
                headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"reason": "phone stolen, INC-9"}"#))
            #expect(revoked.status == .ok)
            #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)
            let final = try await fixture.session(session.id)
            #expect(final.storedState == .cancelled)
            #expect(final.entra?.revocation == .confirmed)
        }
        await fixture.cleanUp()
    }

    @Test func localOnlyRoutesAnswerNotInLocalMode() async throws {
        let fixture = try await EntraFixture()
        try await fixture.application().test(.router) { client in
            let redeem = try await client.execute(
                uri: "/v1/redeem", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(
                    string: #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "ABCD-EFGH-JKMN"}"#))
            #expect(redeem.status == .conflict)
            #expect(redeem.problem?.code == "not_in_local_mode")
            let checkIn = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: EntraFixture.headers("tss_whatever"),
                body: ByteBuffer(string: #"{"serialNumber": "C02XK1ZZJG5H"}"#))
            #expect(checkIn.problem?.code == "not_in_local_mode")
            let options = try await client.execute(
                uri: "/v1/enrollment/fido2/options", method: .post, headers: EntraFixture.headers("tss_whatever"),
                body: ByteBuffer(string: "{}"))
            #expect(options.problem?.code == "not_in_local_mode")
            let page = try await client.execute(uri: "/enroll", method: .get)
            #expect(page.status == .conflict)
            #expect(page.problem?.code == "not_in_local_mode")
            // So would an MDM script's check-in by serial: the watcher completes from Intune and deletes the TAP.
            let (_, mdmToken) = try await fixture.store.createOperator(
                NewOperator(name: "mdm", role: .mdm, site: SiteName("hq")), by: nil)
            let mdmCheckIn = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: EntraFixture.headers(mdmToken.value),
                body: ByteBuffer(string: #"{"serialNumber": "C02XK1ZZJG5H"}"#))
            #expect(mdmCheckIn.problem?.code == "not_in_local_mode")
        }
        await fixture.cleanUp()
    }

    /// How Graph fails to answer a pass create in time, though it makes the pass.
    enum SlowAnswer: String, CaseIterable, Sendable {
        /// The whole answer comes after the timeout.
        case late
        /// The head comes at once, the body after the timeout: the timeout covers the whole answer.
        case stalledHalfWay
    }

    @Test(arguments: SlowAnswer.allCases)
    func aSlowGraphTimesOutAndTheCreateIsReconciled(_ slowness: SlowAnswer) async throws {
        let fixture = try await EntraFixture()
        try fixture.restart(requestTimeout: .seconds(1))
        switch slowness {
        case .late: fixture.emulator.setDelay(.seconds(2), for: .tapCreate)
        case .stalledHalfWay: fixture.emulator.setBodyStall(.seconds(4), for: .tapCreate)
        }
        // We cannot know Graph made the pass.
        await #expect(throws: EntraError.graphUnavailable("timed out")) {
            _ = try await fixture.create(EntraFixture.deviceRequest())
        }
        // The pass it made was found and deleted at once; the session is cancelled and the intent closed.
        #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)
        #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)
        let sessions = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        #expect(sessions.items.map(\.storedState) == [.cancelled])
        await fixture.cleanUp()
    }
}
