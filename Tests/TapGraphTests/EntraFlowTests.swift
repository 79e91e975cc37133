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

@Suite("Entra mode against the Graph emulator")
struct EntraFlowTests {
    @Test func deviceSessionCompletesWhenIntuneHasTheDeviceAndTheTAPIsDeleted() async throws {
        let fixture = try await EntraFixture()
        let minted = Box("")
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(created.status == .created)
            let view = try created.decode(SessionView.self)
            let passValue = try #require(view.pass?.temporaryAccessPass)
            minted.withLock { $0 = passValue }
            let tap = try #require(fixture.emulator.pass(of: "ada@contoso.example"))
            #expect(tap.value == passValue)
            // maxUses 2: Entra cannot count uses, so the pass is not one-time, and the answer says so.
            #expect(tap.isUsableOnce == false)
            #expect(view.pass?.authority == .entra)
            #expect(view.entra?.usesCounted == false)
            #expect(view.entra?.methodId == tap.id)
            #expect(view.entra?.provisioning == .issued)
            #expect(view.entra?.revocation == nil)

            // Nothing yet in Intune: the watcher polls and leaves the session open.
            #expect(try await fixture.watcher.pollOnce().completed == 0)
            fixture.clock.advance(minutes: 20)
            fixture.emulator.addManagedDevice(
                serialNumber: "C02XK1ZZJG5H", enrolledAt: fixture.clock.now, userPrincipalName: "Ada@contoso.example",
                complianceState: "compliant")
            fixture.clock.advance(minutes: 1)
            let report = try await fixture.watcher.pollOnce()
            #expect(report.completed == 1)
            #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)

            let read = try await client.execute(
                uri: "/v1/sessions/\(view.id)", method: .get, headers: EntraFixture.headers(fixture.adminToken))
            let final = try read.decode(SessionView.self)
            #expect(final.state == .completed)
            #expect(final.device?.enrollmentState == .enrolled)
            #expect(final.device?.mdmDeviceId != nil)
            #expect(final.entra?.revocation == .confirmed)
            #expect(final.pass?.temporaryAccessPass == nil)
            #expect(!read.text.contains(passValue))
        }
        let session = try #require(try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10).items.first)
        #expect(try await fixture.auditTypes(session.id) == [
            "session.created", "pass.issued", "device.enrolled", "session.completed", "pass.revoked", "pass.revocationConfirmed",
        ])
        let revoked = try await fixture.auditData(session.id)[4]
        #expect(revoked.contains(#""revocation":"pending""#))
        try expectNeverStored(minted.current, fixture)
        await fixture.cleanUp()
    }

    @Test func keySessionCompletesWhenTheUserRegistersAFIDO2Key() async throws {
        let fixture = try await EntraFixture()
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.keyBody()))
            #expect(created.status == .created)
            let view = try created.decode(SessionView.self)
            let passValue = try #require(view.pass?.temporaryAccessPass)
            #expect(fixture.emulator.pass(of: "grace@contoso.example")?.isUsableOnce == true)

            // A key registered before the session began does not count.
            fixture.emulator.addFido2Method(for: "grace@contoso.example", createdAt: fixture.clock.now.addingTimeInterval(-3600))
            fixture.clock.advance(minutes: 2)
            fixture.emulator.usePass(of: "grace@contoso.example")
            var report = try await fixture.watcher.pollOnce()
            #expect(report.completed == 0)
            #expect(report.markedInProgress == 1)
            #expect(try await fixture.session(view.id).storedState == .inProgress)

            fixture.clock.advance(minutes: 3)
            fixture.emulator.addFido2Method(for: "grace@contoso.example", createdAt: fixture.clock.now)
            fixture.clock.advance(seconds: 30)
            report = try await fixture.watcher.pollOnce()
            #expect(report.completed == 1)
            #expect(fixture.emulator.pass(of: "grace@contoso.example") == nil)
            let final = try await fixture.session(view.id)
            #expect(final.storedState == .completed)
            #expect(final.entra?.revocation == .confirmed)
            let types = try await fixture.auditTypes(view.id)
            #expect(types.contains("key.registered"))
            #expect(types.contains("pass.used"))
            try expectNeverStored(passValue, fixture)
        }
        await fixture.cleanUp()
    }

    @Test(arguments: [GraphEmulator.OneTapFlavour.replace, .refuse])
    func anExistingTAPIsRefusedUnlessTheOperatorAsksToReplaceIt(flavour: GraphEmulator.OneTapFlavour) async throws {
        let fixture = try await EntraFixture(flavour: flavour)
        let portalPass = fixture.emulator.addPass(for: "ada@contoso.example")
        try await fixture.application().test(.router) { client in
            let refused = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(refused.status == .conflict)
            #expect(refused.problem?.code == "entra_tap_exists")
            #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id == portalPass)
            #expect(!fixture.emulator.requests.contains { $0.route == .tapCreate })

            let replaced = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody(serial: "C02XK1ZZJG6H", replace: true)))
            #expect(replaced.status == .created)
            let view = try replaced.decode(SessionView.self)
            let now = try #require(fixture.emulator.pass(of: "ada@contoso.example"))
            #expect(now.id != portalPass)
            #expect(view.entra?.methodId == now.id)

            // Replacing a pass of ours cancels the session that held it and confirms that pass's deletion.
            let again = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody(serial: "C02XK1ZZJG7H", replace: true)))
            #expect(again.status == .created)
            let first = try await fixture.session(view.id)
            #expect(first.storedState == .cancelled)
            #expect(first.entra?.revocation == .confirmed)
        }
        await fixture.cleanUp()
    }

    @Test func anExpiredTAPDoesNotBlockANewSessionAndAnIdempotentRetryGetsNoValue() async throws {
        let fixture = try await EntraFixture(flavour: .refuse)
        let old = fixture.emulator.addPass(for: "ada@contoso.example", createdAt: fixture.clock.now.addingTimeInterval(-7200))
        try await fixture.application().test(.router) { client in
            var headers = EntraFixture.headers(fixture.adminToken)
            headers[HTTPField.Name("Idempotency-Key")!] = "order-4411"
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: headers, body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(created.status == .created)
            let value = try #require(try created.decode(SessionView.self).pass?.temporaryAccessPass)
            #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id != old)

            let replayed = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: headers, body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(replayed.status == .created)
            #expect(replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try replayed.decode(SessionView.self).pass?.temporaryAccessPass == nil)
            #expect(!replayed.text.contains(value))
            #expect(fixture.emulator.requests.filter { $0.route == .tapCreate }.count == 1)
        }
        await fixture.cleanUp()
    }

    @Test(arguments: [GraphEmulator.OneTapFlavour.replace, .refuse])
    func aReissueReplacesTheSessionsOwnPassAndAnApprovedPassIsCollectedFromEntra(flavour: GraphEmulator.OneTapFlavour) async throws {
        let fixture = try await EntraFixture(flavour: flavour)
        let (session, firstValue) = try await fixture.create(EntraFixture.deviceRequest())
        let first = try #require(session.entra?.methodID)
        guard case .external(let reissued) = try await fixture.authority.reissuePass(session.id, request: PassRequest(), by: fixture.admin)
        else { Issue.record("not an Entra pass"); return }
        #expect(reissued.pass.revealed != firstValue)
        #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id == reissued.session.entra?.methodID)
        #expect(reissued.session.entra?.methodID != first)
        #expect(reissued.session.storedState == .active)
        let events = try await fixture.auditTypes(session.id)
        #expect(events.filter { $0 == "pass.revocationConfirmed" }.count == 1)

        // Four eyes: the requester collects the approved pass, and it is made in Entra only then.
        _ = try await fixture.store.patchPolicy(.object(["defaults": .object(["approvalRequired": true])]), by: fixture.admin)
        let (approver, _) = try await fixture.store.createOperator(
            NewOperator(name: "abe", role: .helpdesk, userPrincipalName: UserPrincipalName("abe@contoso.example")), by: nil)
        guard case .awaitingApproval(let waiting) = try await fixture.authority.createSession(
            NewSession(scenario: .fido2Registration, userPrincipalName: UserPrincipalName("grace@contoso.example")!),
            by: fixture.admin, idempotency: nil, replaceExisting: false)
        else { Issue.record("no approval asked"); return }
        #expect(fixture.emulator.pass(of: "grace@contoso.example") == nil)
        _ = try await fixture.store.approve(waiting.id, by: approver.identity, proofing: nil)
        await #expect(throws: EnrollmentError.notTheRequester) {
            _ = try await fixture.authority.reissuePass(waiting.id, request: PassRequest(), by: approver.identity)
        }
        guard case .external(let collected) = try await fixture.authority.reissuePass(waiting.id, request: PassRequest(), by: fixture.admin)
        else { Issue.record("not an Entra pass"); return }
        #expect(fixture.emulator.pass(of: "grace@contoso.example")?.value == collected.pass.revealed)
        #expect(collected.session.storedState == .active)
        try expectNeverStored(collected.pass.revealed, fixture)
        await fixture.cleanUp()
    }

    @Test(arguments: [GraphEmulator.OneTapFlavour.replace, .refuse])
    func aPassMadeInThePortalBetweenOurListAndOurCreate(flavour: GraphEmulator.OneTapFlavour) async throws {
        let fixture = try await EntraFixture(flavour: flavour)
        fixture.emulator.raceNextCreate(for: "ada@contoso.example")
        switch flavour {
        case .replace:
            // Current Entra: the create replaces the portal's pass; ours is the one left.
            let (session, _) = try await fixture.create(EntraFixture.deviceRequest())
            #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id == session.entra?.methodID)
        case .refuse:
            // Older Entra refuses the second pass: the operator is told the user has one.
            await #expect(throws: EntraError.temporaryAccessPassExists) {
                _ = try await fixture.create(EntraFixture.deviceRequest())
            }
            let sessions = try await fixture.store.sessions(matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
            #expect(sessions.items.map(\.storedState) == [.cancelled])
            #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)
        }
        await fixture.cleanUp()
    }

    @Test func anOldIntuneRecordOfTheSameSerialDoesNotCompleteANewSession() async throws {
        let fixture = try await EntraFixture()
        let before = fixture.clock.now.addingTimeInterval(-86_400 * 30)
        fixture.emulator.addManagedDevice(serialNumber: "C02XK1ZZJG5H", enrolledAt: before, userPrincipalName: "ada@contoso.example")
        let (session, _) = try await fixture.create(EntraFixture.deviceRequest())
        fixture.clock.advance(minutes: 5)
        // Enrolled after the session began, but by someone else: not this session's enrollment either.
        fixture.emulator.addManagedDevice(
            serialNumber: "C02XK1ZZJG5H", enrolledAt: fixture.clock.now, userPrincipalName: "mallory@contoso.example")
        fixture.clock.advance(minutes: 1)
        #expect(try await fixture.watcher.pollOnce().completed == 0)
        #expect(try await fixture.session(session.id).storedState == .active)
        #expect(fixture.emulator.pass(of: "ada@contoso.example") != nil)

        // A record with no user (a userless enrollment) after the session began does complete it.
        fixture.emulator.addManagedDevice(serialNumber: "c02xk1zzjg5h", enrolledAt: fixture.clock.now, userPrincipalName: nil)
        fixture.clock.advance(minutes: 1)
        #expect(try await fixture.watcher.pollOnce().completed == 1)
        #expect(try await fixture.session(session.id).storedState == .completed)
        await fixture.cleanUp()
    }

    @Test func enrolledAndCompliantWaitsForCompliance() async throws {
        let fixture = try await EntraFixture()
        fixture.rule = .enrolledAndCompliant
        try fixture.restart()
        let (session, _) = try await fixture.create(EntraFixture.deviceRequest())
        fixture.clock.advance(minutes: 1)
        fixture.emulator.addManagedDevice(
            serialNumber: "C02XK1ZZJG5H", enrolledAt: fixture.clock.now, userPrincipalName: "ada@contoso.example",
            complianceState: "noncompliant")
        fixture.clock.advance(minutes: 1)
        #expect(try await fixture.watcher.pollOnce().completed == 0)
        fixture.emulator.addManagedDevice(
            serialNumber: "C02XK1ZZJG5H", enrolledAt: fixture.clock.now, userPrincipalName: "ada@contoso.example")
        fixture.clock.advance(minutes: 1)
        #expect(try await fixture.watcher.pollOnce().completed == 1)
        #expect(try await fixture.session(session.id).storedState == .completed)
        await fixture.cleanUp()
    }

    @Test func oddUserNamesAndSerialsReachGraphEncoded() async throws {
        let fixture = try await EntraFixture()
        let (session, _) = try await fixture.create(
            EntraFixture.deviceRequest(user: "o'neil+it@contoso.example", serial: "ab-12-cd"))
        #expect(fixture.emulator.pass(of: "o'neil+it@contoso.example") != nil)
        _ = try await fixture.watcher.pollOnce()
        let targets = fixture.emulator.requests.map(\.target)
        #expect(targets.contains("/v1.0/users/o%27neil%2Bit%40contoso.example/authentication/temporaryAccessPassMethods"))
        #expect(targets.contains { $0.hasPrefix("/v1.0/deviceManagement/managedDevices?$filter=serialNumber%20eq%20%27AB-12-CD%27&") })
        // The same user reaches Graph intact when the key path polls fido2Methods.
        _ = try await fixture.graph.fido2Methods(of: UserPrincipalName("o'neil+it@contoso.example")!)
        #expect(targets.count < fixture.emulator.requests.count)
        #expect(fixture.emulator.requests.last?.target == "/v1.0/users/o%27neil%2Bit%40contoso.example/authentication/fido2Methods")
        #expect(try await fixture.session(session.id).storedState == .active)
        await fixture.cleanUp()
    }

    @Test func aCrashBetweenGraphsCreateAndOurCommitIsReconciledAtRestart() async throws {
        let fixture = try await EntraFixture()
        // What a crash leaves: the intent committed, the pass created in Entra, Graph's answer never recorded.
        let outcome = try await fixture.store.beginEntraSession(
            EntraFixture.deviceRequest(), by: fixture.admin, idempotency: nil, limits: try await fixture.authority.limits())
        guard case .provision(let intent) = outcome else { Issue.record("no intent"); return }
        let created = try await fixture.graph.createTemporaryAccessPass(
            for: intent.userPrincipalName, TemporaryAccessPassRequest(lifetimeInMinutes: intent.lifetimeInMinutes))
        #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id == created.id)
        // A pass another session of ours holds is tracked, and must survive the reconciliation.
        let (other, _) = try await fixture.create(EntraFixture.deviceRequest(user: "grace@contoso.example", serial: "XYZ1"))

        try fixture.restart(reopenStore: true)
        #expect(await fixture.authority.reconcileInterruptedProvisioning() == 1)
        #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)
        #expect(fixture.emulator.pass(of: "grace@contoso.example") != nil)
        let session = try await fixture.session(intent.sessionID)
        #expect(session.storedState == .cancelled)
        #expect(session.entra?.provisioning == .failed)
        #expect(try await fixture.session(other.id).storedState == .active)
        #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)
        await fixture.cleanUp()
    }

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
            let list = try await fixture.store.sessions(matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
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
        let sessions = try await fixture.store.sessions(matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        #expect(sessions.items.allSatisfy { $0.storedState == .cancelled })
        await fixture.cleanUp()
    }

    @Test func revokingAUserDeletesTheirTAPInTheRequest() async throws {
        let fixture = try await EntraFixture()
        let (session, _) = try await fixture.create(EntraFixture.deviceRequest())
        try await fixture.application().test(.router) { client in
            let revoked = try await client.execute(
                uri: "/v1/users/ada@contoso.example/revoke", method: .post, headers: EntraFixture.headers(fixture.adminToken),
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
                body: ByteBuffer(string: #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "ABCD-EFGH-JKMN"}"#))
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
            // A batch would mint local passes row by row; in Entra mode each row needs Graph, not built yet.
            let batch = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"sessions": [{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example"}]}"#))
            #expect(batch.problem?.code == "not_in_local_mode")
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
        await #expect(throws: EntraError.graphUnavailable("timed out")) { _ = try await fixture.create(EntraFixture.deviceRequest()) }
        // The pass it made was found and deleted at once; the session is cancelled and the intent closed.
        #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)
        #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)
        let sessions = try await fixture.store.sessions(matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
        #expect(sessions.items.map(\.storedState) == [.cancelled])
        await fixture.cleanUp()
    }
}

/// The pass value is in no database page, no WAL frame and no log line.
func expectNeverStored(_ passValue: String, _ fixture: EntraFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(!passValue.isEmpty, sourceLocation: sourceLocation)
    #expect(!fileContains(fixture.databasePath, passValue), sourceLocation: sourceLocation)
    let logs = fixture.logLines.current.joined(separator: "\n")
    #expect(!logs.isEmpty, sourceLocation: sourceLocation)
    #expect(!logs.contains(passValue), sourceLocation: sourceLocation)
    #expect(!logs.contains(fixture.secret), sourceLocation: sourceLocation)
}
