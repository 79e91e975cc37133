import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// The audit chain stays one verifiable chain through any mix of use cases, and the sweep moves forward what
/// time has changed: expired passes, abandoned enrollments, each with its pass revoked.
@Suite("Store conformance: audit chain and sweep")
struct AuditAndSweepConformanceTests {
    @Test(arguments: StoreFactory.all)
    func theAuditChainVerifiesAfterAMixedWorkload(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        let bench = try await fixture.machine(.bench)
        let mdm = try await fixture.machine(.mdm)
        _ = try await store.patchPolicy(
            .object(["defaults": .object(["passesPerOperatorPerHour": 50])]), by: fixture.admin)

        // Sessions created at once, redeemed right and wrong, completed three ways, cancelled, reissued.
        let sessions = try await withThrowingTaskGroup(of: (Int, IssuedPass).self) { group in
            for index in 0..<6 {
                group.addTask {
                    (index, try await fixture.deviceSession(serial: "MIX-\(index)", maxUses: 2, by: bench))
                }
            }
            return try await group.reduce(into: [(Int, IssuedPass)]()) { $0.append($1) }
        }.sorted { $0.0 < $1.0 }.map(\.1)
        // The first four are signed in with; the fifth gets a new pass, the sixth is left to expire.
        _ = try await countConcurrent(4) { index in try await fixture.redeem(sessions[index]).wasAdmitted }
        let wrong = try #require(PassCode.parse("22222222222222"))
        _ = try await store.redeem(user: ConformanceFixture.ada, pass: PresentedPass(wrong), client: "192.0.2.7")
        _ = try await store.checkInDevice(
            session: sessions[0].session.id, serialNumber: SerialNumber("MIX-0")!, mdmDeviceID: nil)
        _ = try await store.checkInDevice(serialNumber: SerialNumber("MIX-1")!, mdmDeviceID: "intune-1", by: mdm)
        _ = try await store.completeSession(sessions[2].session.id, by: fixture.admin)
        _ = try await store.cancelSession(sessions[3].session.id, reason: "wrong user", by: fixture.admin)
        _ = try await store.reissuePass(sessions[4].session.id, request: PassRequest(), by: fixture.admin)

        // Operators, incident tools, keys and refusals.
        let (kiosk, _) = try await store.createOperator(
            NewOperator(name: "kiosk 9", role: .kiosk, site: SiteName("hel-1")), by: fixture.admin)
        _ = try await store.rotateToken(of: kiosk.identity.id, grace: 60, by: fixture.admin, presented: nil)
        _ = try await store.revokeOperator(kiosk.identity.id, by: fixture.admin)
        let carl = try #require(UserPrincipalName("carl@contoso.example"))
        try await store.lockIssuance(
            for: carl, until: fixture.clock.now.addingTimeInterval(600), reason: "check", by: fixture.admin)
        _ = try await store.unlockIssuance(for: carl, by: fixture.admin)
        let keySession = try await fixture.fido2SessionUnderWay(user: carl)
        _ = try await store.beginKeyRegistration(
            session: keySession, challengeDigest: [UInt8](repeating: 9, count: 32), freshUserHandle: [3], lifetime: 300)
        _ = try await store.registerKey(Self.key([4, 5, 6]), session: keySession)
        try await store.recordRefusals([
            RefusalCount(actor: "address:192.0.2.7", code: "invalid_pass", route: "POST /v1/redeem", count: 3)
        ])

        // Time passes: the sweep expires and abandons what it must, writing events of its own.
        fixture.clock.advance(minutes: 24 * 60)
        _ = try await store.sweep(batchSize: 2)

        let head = store.feed.latest
        #expect(head > 0)
        #expect(try await store.verifyAudit(anchor: nil) == .intact(events: head))
        let anchor = try #require(try await store.currentAuditAnchor())
        #expect(anchor.sequence == head)
        #expect(try await store.auditChainProblem(anchor: anchor) == nil)
        #expect(try await store.verifyAudit(anchor: anchor) == .intact(events: head))
        let exported = try await store.auditExport(after: 0, limit: 10_000)
        #expect(exported.map(\.sequence) == Array(1...head), "the chain has no gap and no reordering")
    }

    @Test(arguments: StoreFactory.all)
    func theSweepExpiresAPassNobodyUsed(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        fixture.clock.advance(minutes: 60)
        // Usability comes from the stored times: refused before any sweep ran.
        #expect(try await !fixture.redeem(issued).wasAdmitted)
        #expect(try await fixture.session(issued.session.id).effectiveState(at: fixture.clock.now) == .expired)
        let report = try await fixture.store.sweep(batchSize: 100)
        #expect(report.sessionsAdvanced == 1)
        #expect(try await fixture.session(issued.session.id).storedState == .expired)
        #expect(try await fixture.auditTypes(issued.session.id).last == "pass.expired")
        #expect(try await fixture.store.sweep(batchSize: 100).sessionsAdvanced == 0, "a second sweep has nothing to do")
    }

    @Test(arguments: StoreFactory.all)
    func theSweepAbandonsAnEnrollmentPastItsDeadlineAndRevokesItsPass(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(maxUses: 2)
        let token = try #require(try await fixture.redeem(issued).sessionToken)
        #expect(try await fixture.store.sessionForToken(token) != nil)
        fixture.clock.advance(minutes: 24 * 60)
        #expect(try await fixture.store.sessionForToken(token) == nil)
        _ = try await fixture.store.sweep(batchSize: 100)
        let session = try await fixture.session(issued.session.id)
        #expect(session.storedState == .abandoned)
        #expect(session.pass?.usability(at: fixture.clock.now) == .revoked)
        #expect(try await fixture.auditTypes(issued.session.id).suffix(2) == ["session.abandoned", "pass.revoked"])
        #expect(try await !fixture.redeem(issued).wasAdmitted)
    }

    @Test(arguments: StoreFactory.all)
    func closingASessionRevokesItsPassAndItsTokens(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let completed = try await fixture.deviceSession(serial: "DONE-1", maxUses: 2)
        let token = try #require(try await fixture.redeem(completed).sessionToken)
        let done = try await fixture.store.checkInDevice(
            session: completed.session.id, serialNumber: SerialNumber("done-1")!, mdmDeviceID: nil)
        #expect(done.storedState == .completed)
        #expect(done.pass?.usability(at: fixture.clock.now) == .revoked)
        #expect(try await fixture.store.sessionForToken(token) == nil)
        #expect(try await !fixture.redeem(completed).wasAdmitted)

        let cancelled = try await fixture.deviceSession(serial: "GONE-1", maxUses: 2)
        let closed = try await fixture.store.cancelSession(
            cancelled.session.id, reason: "wrong user", by: fixture.admin)
        #expect(closed.storedState == .cancelled)
        #expect(closed.pass?.usability(at: fixture.clock.now) == .revoked)
        #expect(try await !fixture.redeem(cancelled).wasAdmitted)
    }

    static func key(_ id: [UInt8]) -> NewSecurityKey {
        NewSecurityKey(
            credentialID: id, publicKeyCOSE: [0xA0], algorithm: -7, signCount: 0,
            aaguid: "00000000-0000-0000-0000-000000000000", userHandle: [3],
            attestation: KeyAttestation(format: "none", type: "none", trust: "unattested"), transports: ["usb"],
            backupEligible: false, backupState: false, userVerified: true)
    }
}
