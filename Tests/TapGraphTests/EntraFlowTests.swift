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
import TapTestSupport
import Testing

@Suite("Entra mode against the Graph emulator")
struct EntraFlowTests {
    @Test func deviceSessionCompletesWhenIntuneHasTheDeviceAndTheTAPIsDeleted() async throws {
        let fixture = try await EntraFixture()
        let minted = NIOLockedValueBox("")
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(created.status == .created)
            let view = try created.decode(SessionView.self)
            let passValue = try #require(view.pass?.temporaryAccessPass)
            minted.withLockedValue { $0 = passValue }
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
        let session = try #require(
            try await fixture.store.sessions(
                matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10
            ).items.first)
        #expect(
            try await fixture.auditTypes(session.id) == [
                "session.created", "pass.issued", "device.enrolled", "session.completed", "pass.revoked",
                "pass.revocationConfirmed",
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
            fixture.emulator.addFido2Method(
                for: "grace@contoso.example", createdAt: fixture.clock.now.addingTimeInterval(-3600))
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
        let old = fixture.emulator.addPass(
            for: "ada@contoso.example", createdAt: fixture.clock.now.addingTimeInterval(-7200))
        try await fixture.application().test(.router) { client in
            var headers = EntraFixture.headers(fixture.adminToken)
            headers[HTTPField.Name("Idempotency-Key")!] = "order-4411"
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: headers,
                body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(created.status == .created)
            let value = try #require(try created.decode(SessionView.self).pass?.temporaryAccessPass)
            #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id != old)

            let replayed = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: headers,
                body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(replayed.status == .created)
            #expect(replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try replayed.decode(SessionView.self).pass?.temporaryAccessPass == nil)
            #expect(!replayed.text.contains(value))
            #expect(fixture.emulator.requests.filter { $0.route == .tapCreate }.count == 1)
        }
        await fixture.cleanUp()
    }

    @Test(arguments: [GraphEmulator.OneTapFlavour.replace, .refuse])
    func aReissueReplacesTheSessionsOwnPassAndAnApprovedPassIsCollectedFromEntra(
        flavour: GraphEmulator.OneTapFlavour
    ) async throws {
        let fixture = try await EntraFixture(flavour: flavour)
        let (session, firstValue) = try await fixture.create(EntraFixture.deviceRequest())
        let first = try #require(session.entra?.methodID)
        guard
            case .external(let reissued) = try await fixture.authority.reissuePass(
                session.id, request: PassRequest(), by: fixture.admin)
        else { Issue.record("not an Entra pass"); return }
        #expect(reissued.pass.revealed != firstValue)
        #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id == reissued.session.entra?.methodID)
        #expect(reissued.session.entra?.methodID != first)
        #expect(reissued.session.storedState == .active)
        let events = try await fixture.auditTypes(session.id)
        #expect(events.filter { $0 == "pass.revocationConfirmed" }.count == 1)

        // Four eyes: the requester collects the approved pass, and it is made in Entra only then.
        _ = try await fixture.store.patchPolicy(
            .object(["defaults": .object(["approvalRequired": true])]), by: fixture.admin)
        let (approver, _) = try await fixture.store.createOperator(
            NewOperator(name: "abe", role: .helpdesk, userPrincipalName: UserPrincipalName("abe@contoso.example")),
            by: nil)
        guard
            case .awaitingApproval(let waiting) = try await fixture.authority.createSession(
                NewSession(
                    scenario: .fido2Registration, userPrincipalName: UserPrincipalName("grace@contoso.example")!),
                by: fixture.admin, idempotency: nil, replaceExisting: false)
        else { Issue.record("no approval asked"); return }
        #expect(fixture.emulator.pass(of: "grace@contoso.example") == nil)
        _ = try await fixture.store.approve(waiting.id, by: approver.identity, proofing: nil)
        await #expect(throws: EnrollmentError.notTheRequester) {
            _ = try await fixture.authority.reissuePass(waiting.id, request: PassRequest(), by: approver.identity)
        }
        guard
            case .external(let collected) = try await fixture.authority.reissuePass(
                waiting.id, request: PassRequest(), by: fixture.admin)
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
            let sessions = try await fixture.store.sessions(
                matching: SessionFilter(), visibleTo: fixture.admin, after: nil, limit: 10)
            #expect(sessions.items.map(\.storedState) == [.cancelled])
            #expect(try await fixture.store.unresolvedProvisioningIntents().isEmpty)
        }
        await fixture.cleanUp()
    }

    @Test func anOldIntuneRecordOfTheSameSerialDoesNotCompleteANewSession() async throws {
        let fixture = try await EntraFixture()
        let before = fixture.clock.now.addingTimeInterval(-86_400 * 30)
        fixture.emulator.addManagedDevice(
            serialNumber: "C02XK1ZZJG5H", enrolledAt: before, userPrincipalName: "ada@contoso.example")
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
        fixture.emulator.addManagedDevice(
            serialNumber: "c02xk1zzjg5h", enrolledAt: fixture.clock.now, userPrincipalName: nil)
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
        #expect(
            targets.contains("/v1.0/users/o%27neil%2Bit%40contoso.example/authentication/temporaryAccessPassMethods"))
        #expect(
            targets.contains {
                $0.hasPrefix("/v1.0/deviceManagement/managedDevices?$filter=serialNumber%20eq%20%27AB-12-CD%27&")
            })
        // The same user reaches Graph intact when the key path polls fido2Methods.
        _ = try await fixture.graph.fido2Methods(of: UserPrincipalName("o'neil+it@contoso.example")!)
        #expect(targets.count < fixture.emulator.requests.count)
        #expect(
            fixture.emulator.requests.last?.target
                == "/v1.0/users/o%27neil%2Bit%40contoso.example/authentication/fido2Methods")
        #expect(try await fixture.session(session.id).storedState == .active)
        await fixture.cleanUp()
    }

    @Test func aCrashBetweenGraphsCreateAndOurCommitIsReconciledAtRestart() async throws {
        let fixture = try await EntraFixture()
        // What a crash leaves: the intent committed, the pass created in Entra, Graph's answer never recorded.
        let outcome = try await fixture.store.beginEntraSession(
            EntraFixture.deviceRequest(), by: fixture.admin, idempotency: nil,
            limits: try await fixture.authority.limits())
        guard case .provision(let intent) = outcome else { Issue.record("no intent"); return }
        let created = try await fixture.graph.createTemporaryAccessPass(
            for: intent.userPrincipalName, TemporaryAccessPassRequest(lifetimeInMinutes: intent.lifetimeInMinutes))
        #expect(fixture.emulator.pass(of: "ada@contoso.example")?.id == created.id)
        // A pass another session of ours holds is tracked, and must survive the reconciliation.
        let (other, _) = try await fixture.create(
            EntraFixture.deviceRequest(user: "grace@contoso.example", serial: "XYZ1"))

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

    @Test func anotherInstancesCreateUnderWayIsNotReconciledUntilItMustHaveEnded() async throws {
        let fixture = try await EntraFixture()
        // Instance A has written its intent and Graph has made the pass; A has not recorded the answer yet.
        let outcome = try await fixture.store.beginEntraSession(
            EntraFixture.deviceRequest(), by: fixture.admin, idempotency: nil,
            limits: try await fixture.authority.limits())
        guard case .provision(let intent) = outcome else { Issue.record("no intent"); return }
        _ = try await fixture.graph.createTemporaryAccessPass(
            for: intent.userPrincipalName, TemporaryAccessPassRequest(lifetimeInMinutes: intent.lifetimeInMinutes))
        // Instance B shares the ledger and never saw that create begin.
        let clock = fixture.clock
        let instanceB = EntraPassAuthority(
            ledger: fixture.store, graph: fixture.graph, now: { clock.now }, logger: fixture.logger,
            othersCreateFor: 600)
        #expect(await instanceB.reconcileInterruptedProvisioning() == 0)
        fixture.clock.advance(seconds: 300)
        #expect(await instanceB.reconcileInterruptedProvisioning() == 0)
        #expect(fixture.emulator.pass(of: "ada@contoso.example") != nil, "B deleted a pass it never saw created")
        // Past the time any create takes, the intent is an interrupted one whoever wrote it.
        fixture.clock.advance(seconds: 301)
        #expect(await instanceB.reconcileInterruptedProvisioning() == 1)
        #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)
        await fixture.cleanUp()
    }
}

/// The pass value is in no database page, no WAL frame and no log line.
func expectNeverStored(
    _ passValue: String, _ fixture: EntraFixture, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(!passValue.isEmpty, sourceLocation: sourceLocation)
    #expect(!fileContains(fixture.databasePath, passValue), sourceLocation: sourceLocation)
    let logs = fixture.logLines.current.joined(separator: "\n")
    #expect(!logs.isEmpty, sourceLocation: sourceLocation)
    #expect(!logs.contains(passValue), sourceLocation: sourceLocation)
    #expect(!logs.contains(fixture.secret), sourceLocation: sourceLocation)
}
