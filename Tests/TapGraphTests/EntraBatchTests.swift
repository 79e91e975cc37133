import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import TapAPI
import TapCore
import TapGraph
import TapGraphEmulator
import TapStorage
import Testing

@testable import TapHTTP

/// A bench's cart in Entra mode: many Temporary Access Passes created through Graph's JSON batches, watched to
/// completion in batches, and deleted in batches, against the emulator.
@Suite("Entra carts through Graph's JSON batches")
struct EntraBatchTests {
    static func user(_ index: Int) -> String { "cart\(index)@contoso.example" }
    static func serial(_ index: Int) -> String { String(format: "CART%04d", index) }

    static func cartBody(_ range: Range<Int>) -> String {
        let rows = range.map { index in
            #"{"scenario": "deviceEnrollment", "userPrincipalName": "\#(user(index))", "#
                + #""device": {"serialNumber": "\#(serial(index))", "platform": "ipados"}, "pass": {"maxUses": 1}}"#
        }
        return #"{"sessions": [\#(rows.joined(separator: ","))]}"#
    }

    static func rows(_ range: Range<Int>) -> [BatchRow] {
        range.map { .create(EntraFixture.deviceRequest(user: user($0), serial: serial($0), maxUses: 1)) }
    }

    /// The `$batch` calls the emulator saw (each holds up to 20 requests), and the requests sent on their own.
    static func calls(_ emulator: GraphEmulator) -> (batches: Int, single: [GraphEmulator.Route]) {
        let outer = emulator.requests.filter { !$0.batched && $0.route != .token }
        return (outer.filter { $0.route == .batch }.count, outer.filter { $0.route != .batch }.map(\.route))
    }

    @Test func aCartOf200IsMadeInBatchesReplayedWithoutDuplicatesWatchedToCompletionAndItsPassesDeleted()
        async throws
    {
        let fixture = try await EntraFixture()
        for index in 0..<200 { fixture.emulator.addUser(Self.user(index)) }
        let body = Self.cartBody(0..<200)
        var keyed = EntraFixture.headers(fixture.adminToken)
        keyed[HTTPField.Name("Idempotency-Key")!] = "cart-7"
        let headers = keyed
        let values = NIOLockedValueBox<[String]>([])
        try await fixture.application().test(.router) { client in
            let made = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(made.status.code == 207)
            let items = try made.decode(SessionBatchResponse.self).items
            #expect(items.count == 200)
            #expect(items.allSatisfy { $0.status == 201 && $0.session?.pass?.authority == .entra })
            values.withLockedValue { $0 = items.compactMap { $0.session?.pass?.temporaryAccessPass } }
            #expect(values.current.count == 200)
            // Each value is Entra's own, for the row's user.
            for (index, item) in items.enumerated().prefix(5) {
                #expect(fixture.emulator.pass(of: Self.user(index))?.value == item.session?.pass?.temporaryAccessPass)
            }
            // The policy once, then 10 batches listing the users' passes and 10 creating them; nothing one by one.
            let calls = Self.calls(fixture.emulator)
            #expect(calls.batches == 20)
            #expect(calls.single == [.policy])

            let again = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(again.status.code == 207)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let replayed = try again.decode(SessionBatchResponse.self).items
            #expect(replayed.map { $0.session?.id } == items.map { $0.session?.id })
            #expect(replayed.allSatisfy { $0.session?.pass?.temporaryAccessPass == nil })
            #expect(Self.calls(fixture.emulator).batches == 20)
        }
        for value in values.current.prefix(3) { try expectNeverStored(value, fixture) }

        // Intune enrolls the cart; the watcher finds all 200 in a few rounds of batches and deletes their passes.
        fixture.clock.advance(minutes: 10)
        for index in 0..<200 {
            fixture.emulator.addManagedDevice(
                serialNumber: Self.serial(index), enrolledAt: fixture.clock.now, userPrincipalName: Self.user(index))
        }
        fixture.clock.advance(minutes: 1)
        var completed = 0
        var rounds: [WatchReport] = []
        while completed < 200, rounds.count < 10 {
            let report = try await fixture.watcher.pollOnce()
            rounds.append(report)
            completed += report.completed
        }
        #expect(completed == 200)
        // The fixture's budget is 100 requests a round: 50 sessions (device and pass usability each), in
        // 3 + 3 batch calls where one call per request would have been 100.
        #expect(rounds.allSatisfy { $0.graphRequests <= 100 && $0.graphCalls <= 6 })
        #expect((0..<200).allSatisfy { fixture.emulator.pass(of: Self.user($0)) == nil })
        let sessions = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 500
        ).items
        #expect(sessions.count == 200)
        #expect(sessions.allSatisfy { $0.storedState == .completed && $0.entra?.revocation == .confirmed })
        await fixture.cleanUp()
    }

    @Test func aCrashBetweenGraphsAnswerAndOurCommitIsReconciledAndTheCartIsNotMadeTwice() async throws {
        let fixture = try await EntraFixture()
        for index in 0..<40 { fixture.emulator.addUser(Self.user(index)) }
        let claim = IdempotencyClaim(key: "cart-crash", requestDigest: [7, 7])
        // What a crash leaves: the cart's intents committed, Graph's passes made, its answers never recorded.
        let begun = try await fixture.store.beginEntraBatch(
            Self.rows(0..<40), by: fixture.admin, idempotency: claim, limits: try await fixture.authority.limits(),
            describe: { _ in nil })
        guard case .begun(let rows) = begun else { Issue.record("replayed"); return }
        let intents = rows.compactMap { row -> ProvisioningIntent? in
            if case .provision(let intent, _) = row { intent } else { nil }
        }
        #expect(intents.count == 40)
        let made = await fixture.graph.createTemporaryAccessPasses(
            intents.map { ($0.userPrincipalName, TemporaryAccessPassRequest(lifetimeInMinutes: $0.lifetimeInMinutes)) })
        #expect(made.allSatisfy { (try? $0.get().temporaryAccessPass) != nil })

        try fixture.restart(reopenStore: true)
        let before = Self.calls(fixture.emulator)
        #expect(await fixture.authority.reconcileInterruptedProvisioning() == 40)
        // Two batches list the 40 users' passes and two delete the strays; nothing goes one by one.
        let after = Self.calls(fixture.emulator)
        #expect(after.batches - before.batches == 4)
        #expect(after.single == before.single)
        #expect((0..<40).allSatisfy { fixture.emulator.pass(of: Self.user($0)) == nil })
        #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)

        // The same cart sent again with its key makes nothing: it answers the sessions, cancelled.
        let replay = try await fixture.authority.createSessions(
            Self.rows(0..<40), by: fixture.admin, idempotency: claim, describe: { _ in nil })
        #expect(replay.replayed)
        #expect(
            replay.rows.allSatisfy { row in
                if case .replayed(let session) = row { session.storedState == .cancelled } else { false }
            })
        #expect((0..<40).allSatisfy { fixture.emulator.pass(of: Self.user($0)) == nil })
        await fixture.cleanUp()
    }

    @Test func eachBadRowEndsWithItsOwnOutcomeAndNoPassIsLeftInEntraWithoutASession() async throws {
        let fixture = try await EntraFixture()
        for index in 0..<8 { fixture.emulator.addUser(Self.user(index)) }
        let portal = fixture.emulator.addPass(for: Self.user(1))
        let replaced = fixture.emulator.addPass(for: Self.user(2))
        fixture.emulator.fail(.tapCreate, status: 429, retryAfter: 2, count: 1)
        fixture.emulator.glitch(.tapCreate, .missing)
        fixture.emulator.glitch(.tapCreate, .malformed)
        var long = EntraFixture.deviceRequest(user: Self.user(7), serial: Self.serial(7), maxUses: 1)
        long.pass.lifetimeInMinutes = 24 * 60
        let rows: [BatchRow] = [
            // Throttled once, then made after its own Retry-After.
            .create(EntraFixture.deviceRequest(user: Self.user(0), serial: Self.serial(0), maxUses: 1)),
            // Holds a pass made in the portal: refused, the pass untouched.
            .create(EntraFixture.deviceRequest(user: Self.user(1), serial: Self.serial(1), maxUses: 1)),
            // Entra does not know this user.
            .create(EntraFixture.deviceRequest(user: "nobody@contoso.example", serial: "NOBODY1", maxUses: 1)),
            // Its create's answer goes missing, then the next one is unreadable: outcome unknown, pass deleted.
            .create(EntraFixture.deviceRequest(user: Self.user(3), serial: Self.serial(3), maxUses: 1)),
            .create(EntraFixture.deviceRequest(user: Self.user(4), serial: Self.serial(4), maxUses: 1)),
            // A second row for the user of row 0.
            .create(EntraFixture.deviceRequest(user: Self.user(0), serial: "OTHER01", maxUses: 1)),
            // A lifetime outside the tenant's policy: refused before any Graph call.
            .create(long),
            // Holds a pass too, and the row says to replace it.
            .create(
                EntraFixture.deviceRequest(user: Self.user(2), serial: Self.serial(2), maxUses: 1),
                replaceExisting: true),
        ]
        let outcome = try await fixture.authority.createSessions(
            rows, by: fixture.admin, idempotency: nil, describe: { SessionsController.rowProblem($0) })
        let summary = outcome.rows.map { row -> String in
            switch row {
            case .createdExternally: "created"
            case .refused(let problem): problem.code
            default: "other"
            }
        }
        #expect(
            summary == [
                "created", "entra_tap_exists", "entra_refused", "entra_unavailable", "entra_unavailable",
                "entra_tap_exists", "policy_violation", "created",
            ])
        if case .refused(let problem) = outcome.rows[2] { #expect(problem.detail.contains("404")) }
        #expect(fixture.sleeps.current.contains(.seconds(2)))
        #expect(fixture.emulator.pass(of: Self.user(1))?.id == portal)
        #expect(fixture.emulator.pass(of: Self.user(2)).map { $0.id != replaced } == true)
        // The passes whose answers were lost are gone from Entra, their sessions cancelled.
        #expect(fixture.emulator.pass(of: Self.user(3)) == nil)
        #expect(fixture.emulator.pass(of: Self.user(4)) == nil)
        #expect(fixture.emulator.pass(of: Self.user(7)) == nil)
        #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)
        let sessions = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 50
        ).items
        // Rows 0 and 7 live; rows 1 to 5 were written and then cancelled; row 6 was never written.
        #expect(sessions.filter { $0.storedState == .active }.count == 2)
        #expect(sessions.filter { $0.storedState == .cancelled }.count == 5)
        await fixture.cleanUp()
    }

    @Test func aBatchCallThatTimesOutHalfWayLeavesNoPassBehind() async throws {
        let fixture = try await EntraFixture()
        for index in 0..<25 { fixture.emulator.addUser(Self.user(index)) }
        try fixture.restart(requestTimeout: .seconds(1))
        // Graph makes every pass and then answers the create batches too late.
        fixture.emulator.setDelay(.seconds(3), for: .tapCreate)
        let outcome = try await fixture.authority.createSessions(
            Self.rows(0..<25), by: fixture.admin, idempotency: nil, describe: { SessionsController.rowProblem($0) })
        #expect(
            outcome.rows.allSatisfy { row in
                if case .refused(let problem) = row { problem.code == "entra_unavailable" } else { false }
            })
        fixture.emulator.setDelay(.zero, for: .tapCreate)
        // Reconciliation already ran; a late round finds nothing left.
        fixture.clock.advance(minutes: 5)
        await fixture.authority.reconcileInterruptedProvisioning()
        #expect((0..<25).allSatisfy { fixture.emulator.pass(of: Self.user($0)) == nil })
        #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)
        await fixture.cleanUp()
    }

    @Test func aSerialWithMoreRecordsThanAPageIsFollowedToItsLastPage() async throws {
        let fixture = try await EntraFixture()
        for index in 0..<3 { fixture.emulator.addUser(Self.user(index)) }
        let made = try await fixture.authority.createSessions(
            Self.rows(0..<3), by: fixture.admin, idempotency: nil, describe: { _ in nil })
        #expect(made.rows.allSatisfy { if case .createdExternally = $0 { true } else { false } })
        // Intune pages one record at a time; the first device's serial has two old records before the new one.
        fixture.emulator.devicePageSize = 1
        let before = fixture.clock.now.addingTimeInterval(-86_400 * 30)
        for _ in 0..<2 {
            fixture.emulator.addManagedDevice(
                serialNumber: Self.serial(0), enrolledAt: before, userPrincipalName: Self.user(0))
        }
        fixture.clock.advance(minutes: 5)
        fixture.emulator.addManagedDevice(
            serialNumber: Self.serial(0), enrolledAt: fixture.clock.now, userPrincipalName: Self.user(0))
        fixture.clock.advance(minutes: 1)
        let report = try await fixture.watcher.pollOnce()
        #expect(report.completed == 1)
        #expect(
            try await fixture.store.sessions(
                matching: SessionFilter(state: .completed), visibleTo: fixture.admin, after: nil, limit: 10
            ).items.map { $0.device?.serialNumber.value } == [Self.serial(0)])
        // The two further pages were single calls that followed the batch's next link.
        let pages = fixture.emulator.requests.filter { !$0.batched && $0.route == .managedDevices }
        #expect(pages.count == 2 && pages.allSatisfy { $0.target.contains("skiptoken") })
        await fixture.cleanUp()
    }

    @Test func capsCountTheRowsBeforeAndRowsThatNeedApprovalWaitWithoutAGraphCall() async throws {
        let fixture = try await EntraFixture()
        for index in 0..<5 { fixture.emulator.addUser(Self.user(index)) }
        _ = try await fixture.store.patchPolicy(
            .object(["defaults": .object(["passesPerOperatorPerHour": 3])]), by: fixture.admin)
        let capped = try await fixture.authority.createSessions(
            Self.rows(0..<5), by: fixture.admin, idempotency: nil, describe: { SessionsController.rowProblem($0) })
        let codes = capped.rows.map { row -> String in
            switch row {
            case .createdExternally: "created"
            case .refused(let problem): problem.code
            default: "other"
            }
        }
        #expect(codes.prefix(3).allSatisfy { $0 == "created" })
        #expect(codes.suffix(2).allSatisfy { $0 != "created" && $0 != "other" })
        #expect((0..<5).filter { fixture.emulator.pass(of: Self.user($0)) != nil }.count == 3)

        _ = try await fixture.store.patchPolicy(
            .object(["defaults": .object(["passesPerOperatorPerHour": 100, "approvalRequired": true])]),
            by: fixture.admin)
        for index in 5..<7 { fixture.emulator.addUser(Self.user(index)) }
        let creates = fixture.emulator.requests.filter { $0.route == .tapCreate }.count
        let waiting = try await fixture.authority.createSessions(
            Self.rows(5..<7), by: fixture.admin, idempotency: nil, describe: { SessionsController.rowProblem($0) })
        #expect(
            waiting.rows.allSatisfy { row in
                if case .awaitingApproval(let session) = row { session.storedState == .awaitingApproval } else { false }
            })
        #expect(fixture.emulator.requests.filter { $0.route == .tapCreate }.count == creates)
        await fixture.cleanUp()
    }

    @Test func theBoardShowsACartsEntraSessionsAndAPassWhoseDeletionIsPending() async throws {
        let fixture = try await EntraFixture()
        for index in 0..<3 { fixture.emulator.addUser(Self.user(index)) }
        let rows: [BatchRow] = (0..<3).map { index in
            var request = EntraFixture.deviceRequest(user: Self.user(index), serial: Self.serial(index), maxUses: 1)
            request.site = SiteName("bench-1")
            return .create(request)
        }
        let made = try await fixture.authority.createSessions(
            rows, by: fixture.admin, idempotency: nil, describe: { _ in nil })
        let ids = made.rows.compactMap { row -> SessionID? in
            if case .createdExternally(let issued) = row { issued.session.id } else { nil }
        }
        #expect(ids.count == 3)
        let (_, board) = try await fixture.store.createOperator(
            NewOperator(name: "bench board", role: .board, site: SiteName("bench-1")), by: nil)
        // The first device is enrolling (its one-time pass used); the second finished while Graph was down.
        fixture.emulator.usePass(of: Self.user(0))
        _ = try await fixture.watcher.pollOnce()
        fixture.emulator.setDown(true)
        _ = try await fixture.authority.completeSession(ids[1], by: fixture.admin)
        fixture.emulator.setDown(false)

        try await fixture.application().test(.router) { client in
            let signedIn = try await client.execute(
                uri: "/board", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(board.value)"))
            let cookie = try #require(signedIn.headers[.setCookie])
            let cookieHeader: HTTPFields = [.cookie: String(cookie.prefix { $0 != ";" })]
            func rows() async throws -> [String: [String: String]] {
                let data = try await client.execute(uri: "/board/sessions", method: .get, headers: cookieHeader)
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: data.body)) as? [String: Any])
                let sessions = try #require(object["sessions"] as? [[String: Any]])
                return Dictionary(
                    uniqueKeysWithValues: sessions.map { row in
                        (
                            row["serialNumber"] as? String ?? "",
                            row.compactMapValues { $0 as? String }
                        )
                    })
            }
            var board = try await rows()
            #expect(board[Self.serial(0)]?["state"] == "inProgress")
            #expect(board[Self.serial(1)]?["state"] == "completed")
            #expect(board[Self.serial(1)]?["entraPassDeletion"] == "pending")
            #expect(board[Self.serial(2)]?["state"] == "active")
            #expect(board[Self.serial(2)]?["entraPassDeletion"] == nil)
            // Once Graph confirms the deletion the finished session leaves the board, as a local one does.
            fixture.clock.advance(minutes: 5)
            #expect(await fixture.authority.retryPendingRevocations() == 1)
            board = try await rows()
            #expect(board[Self.serial(1)] == nil)
            #expect(board.count == 2)
        }
        await fixture.cleanUp()
    }

    @Test func passesOfManyClosedSessionsAreDeletedInBatchesAndRetriedTogether() async throws {
        let fixture = try await EntraFixture()
        for index in 0..<30 { fixture.emulator.addUser(Self.user(index)) }
        let made = try await fixture.authority.createSessions(
            Self.rows(0..<30), by: fixture.admin, idempotency: nil, describe: { _ in nil })
        let ids = made.rows.compactMap { row -> SessionID? in
            if case .createdExternally(let issued) = row { issued.session.id } else { nil }
        }
        #expect(ids.count == 30)
        // Graph is down while the bench cancels the cart: each deletion stays pending.
        fixture.emulator.setDown(true)
        for id in ids { _ = try await fixture.authority.cancelSession(id, reason: "cart recalled", by: fixture.admin) }
        #expect(try await fixture.store.pendingRevocations(session: nil).count == 30)
        fixture.emulator.setDown(false)
        let before = Self.calls(fixture.emulator).batches
        fixture.clock.advance(minutes: 5)
        #expect(await fixture.authority.retryPendingRevocations() == 30)
        #expect(Self.calls(fixture.emulator).batches - before == 2)
        #expect((0..<30).allSatisfy { fixture.emulator.pass(of: Self.user($0)) == nil })
        #expect(try await fixture.store.pendingRevocations(session: nil).isEmpty)
        await fixture.cleanUp()
    }
}
