import Foundation
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

@Suite("Trusted issuance")
struct TrustedIssuanceTests {
    static let ada = UserPrincipalName("ada@contoso.example")!

    private func person(
        _ fixture: StoreFixture, _ role: Role, upn: String, site: String? = nil
    ) async throws -> OperatorIdentity {
        try await fixture.store.createOperator(
            NewOperator(
                name: upn, role: role, site: site.flatMap(SiteName.init), userPrincipalName: UserPrincipalName(upn)),
            by: fixture.admin
        ).0.identity
    }

    private func setPolicy(_ fixture: StoreFixture, _ defaults: [String: JSONValue]) async throws {
        _ = try await fixture.store.patchPolicy(.object(["defaults": .object(defaults)]), by: fixture.admin)
    }

    private func request(_ proofing: Proofing? = nil, user: UserPrincipalName = ada) -> NewSession {
        NewSession(scenario: .fido2Registration, userPrincipalName: user, proofing: proofing)
    }

    @Test func proofingIsCheckedAgainstThePolicy() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await setPolicy(
            fixture, ["proofingRequired": true, "acceptedProofingMethods": .array(["inPerson", "ticket"])])
        await #expect(throws: EnrollmentError.proofing(.required)) {
            try await fixture.store.createSession(request(), by: fixture.admin)
        }
        await #expect(throws: EnrollmentError.proofing(.methodNotAccepted(.videoCall))) {
            try await fixture.store.createSession(request(Proofing(method: .videoCall)), by: fixture.admin)
        }
        await #expect(throws: EnrollmentError.proofing(.referenceMissing(.inPerson))) {
            try await fixture.store.createSession(request(Proofing(method: .inPerson)), by: fixture.admin)
        }
        for fullNumber in ["passport 123456789", "ID 12 34 56 78", "card 9876-5432"] {
            await #expect(throws: EnrollmentError.proofing(.looksLikeFullIDNumber(field: "proofing.reference"))) {
                try await fixture.store.createSession(
                    request(Proofing(method: .inPerson, reference: fullNumber)), by: fixture.admin)
            }
        }
        let good = Proofing(
            method: .inPerson, checkedBy: "tech@contoso.example", reference: "passport, last digits 4821")
        guard case .created(let issued) = try await fixture.store.createSession(request(good), by: fixture.admin) else {
            Issue.record("a good proofing record was refused")
            return
        }
        #expect(issued.session.proofing == good)
    }

    @Test func fourEyesIssuanceFromRequestToCollection() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await setPolicy(fixture, ["approvalRequired": true])
        let requester = try await person(fixture, .helpdesk, upn: "rita@contoso.example")
        let sameRequesterOtherToken = try await person(fixture, .admin, upn: "rita@contoso.example")
        let approver = try await person(fixture, .helpdesk, upn: "abe@contoso.example")
        let kioskWithoutPerson = try await fixture.operatorIdentity(.kiosk)
        // One admin made both people: they count as two only once the approval window has passed since.
        fixture.clock.advance(minutes: 61)

        guard case .awaitingApproval(let waiting) = try await fixture.store.createSession(request(), by: requester)
        else {
            Issue.record("issuance did not wait for approval")
            return
        }
        #expect(waiting.storedState == .awaitingApproval)
        #expect(waiting.pass == nil)
        #expect(try await fixture.store.pendingApprovals(visibleTo: approver).map(\.id) == [waiting.id])
        await #expect(throws: EnrollmentError.approvalRequired) {
            _ = try await fixture.store.reissuePass(waiting.id, request: PassRequest(), by: requester)
        }
        await #expect(throws: EnrollmentError.selfApproval) {
            _ = try await fixture.store.approve(waiting.id, by: requester, proofing: nil)
        }
        await #expect(throws: EnrollmentError.selfApproval) {
            _ = try await fixture.store.approve(waiting.id, by: sameRequesterOtherToken, proofing: nil)
        }
        await #expect(throws: EnrollmentError.approverNotAPerson) {
            _ = try await fixture.store.approve(waiting.id, by: fixture.admin, proofing: nil)
        }
        _ = kioskWithoutPerson  // a kiosk cannot reach the approve route at all: see the authorization matrix

        let approved = try await fixture.store.approve(waiting.id, by: approver, proofing: nil)
        #expect(approved.storedState == .active)
        #expect(approved.pass == nil, "the approver must never see a pass")
        #expect(approved.approval?.decision == .approved)
        #expect(approved.approval?.decidedBy == approver.id)
        await #expect(throws: EnrollmentError.invalidStateTransition(from: .active, action: "approve")) {
            _ = try await fixture.store.approve(waiting.id, by: approver, proofing: nil)
        }
        await #expect(throws: EnrollmentError.notTheRequester) {
            _ = try await fixture.store.reissuePass(waiting.id, request: PassRequest(), by: approver)
        }
        let collected = try await fixture.store.reissuePass(waiting.id, request: PassRequest(), by: requester)
        #expect(try await fixture.redeem(collected).isAdmitted)
        #expect(
            try await fixture.auditTypes(waiting.id) == [
                "session.created", "session.approved", "pass.issued", "pass.used",
            ])
        let issuedBy = try await fixture.store.auditEvents(sessionID: waiting.id, type: .passIssued, limit: 5).first?
            .actor
        #expect(issuedBy == requester.id.rawValue)
    }

    /// An admin who makes a person's token sees it, so four-eyes does not count the pair as two people: not
    /// when one made the other, nor when one admin made both within the approval window.
    @Test func anApproverMadeByTheRequesterOrWithAFreshPuppetIsRefused() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await setPolicy(fixture, ["approvalRequired": true, "approvalTimeoutInMinutes": 30])
        let mallory = try await person(fixture, .admin, upn: "mallory@contoso.example")
        fixture.clock.advance(minutes: 31)
        let madeByMallory = try await fixture.store.createOperator(
            NewOperator(name: "bob", role: .helpdesk, userPrincipalName: UserPrincipalName("bob@contoso.example")),
            by: mallory
        ).0.identity
        let alsoMadeByMallory = try await fixture.store.createOperator(
            NewOperator(name: "eve", role: .helpdesk, userPrincipalName: UserPrincipalName("eve@contoso.example")),
            by: mallory
        ).0.identity
        func ask(by requester: OperatorIdentity, for user: String) async throws -> Session {
            guard
                case .awaitingApproval(let waiting) = try await fixture.store.createSession(
                    request(user: UserPrincipalName(user)!), by: requester)
            else { throw CancellationError() }
            return waiting
        }
        // Mallory asks and approves with the token she made, and the other way round.
        let first = try await ask(by: mallory, for: "ada@contoso.example")
        await #expect(throws: EnrollmentError.tiedApproval) {
            _ = try await fixture.store.approve(first.id, by: madeByMallory, proofing: nil)
        }
        let second = try await ask(by: madeByMallory, for: "carl@contoso.example")
        await #expect(throws: EnrollmentError.tiedApproval) {
            _ = try await fixture.store.approve(second.id, by: mallory, proofing: nil)
        }
        // Two fresh tokens of one admin: refused within the window, two people after it.
        let third = try await ask(by: alsoMadeByMallory, for: "dora@contoso.example")
        await #expect(throws: EnrollmentError.tiedApproval) {
            _ = try await fixture.store.approve(third.id, by: madeByMallory, proofing: nil)
        }
        fixture.clock.advance(minutes: 29)
        await #expect(throws: EnrollmentError.tiedApproval) {
            _ = try await fixture.store.approve(third.id, by: madeByMallory, proofing: nil)
        }
        fixture.clock.advance(minutes: 1)
        let later = try await ask(by: alsoMadeByMallory, for: "dora2@contoso.example")
        #expect(
            try await fixture.store.approve(later.id, by: madeByMallory, proofing: nil).approval?.decision == .approved)
        // A person made at the console (not by Mallory, nor by her creator) approves Mallory's request at once.
        let abe = try await fixture.store.createOperator(
            NewOperator(name: "abe", role: .helpdesk, userPrincipalName: UserPrincipalName("abe@contoso.example")),
            by: nil
        ).0.identity
        let fourth = try await ask(by: mallory, for: "erin@contoso.example")
        #expect(try await fixture.store.approve(fourth.id, by: abe, proofing: nil).approval?.decision == .approved)
    }

    @Test func anApproverOfAnotherSiteCannotSeeTheRequest() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await setPolicy(fixture, ["approvalRequired": true])
        let requester = try await person(fixture, .helpdesk, upn: "rita@contoso.example", site: "site-1")
        let elsewhere = try await person(fixture, .helpdesk, upn: "otto@contoso.example", site: "site-2")
        guard case .awaitingApproval(let waiting) = try await fixture.store.createSession(request(), by: requester)
        else {
            throw CancellationError()
        }
        #expect(try await fixture.store.pendingApprovals(visibleTo: elsewhere).isEmpty)
        await #expect(throws: EnrollmentError.notFound("session")) {
            _ = try await fixture.store.approve(waiting.id, by: elsewhere, proofing: nil)
        }
        await #expect(throws: EnrollmentError.notFound("session")) {
            _ = try await fixture.store.reject(waiting.id, by: elsewhere, reason: "not mine")
        }
    }

    @Test func approverProofingRejectionAndTimeout() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await setPolicy(
            fixture, ["approvalRequired": true, "approverProofingRequired": true, "approvalTimeoutInMinutes": 30])
        let requester = try await person(fixture, .helpdesk, upn: "rita@contoso.example")
        let approver = try await person(fixture, .admin, upn: "abe@contoso.example")
        fixture.clock.advance(minutes: 31)  // past the approval window since one admin made both people
        guard case .awaitingApproval(let first) = try await fixture.store.createSession(request(), by: requester),
            case .awaitingApproval(let second) = try await fixture.store.createSession(
                request(user: UserPrincipalName("bob@contoso.example")!), by: requester)
        else { throw CancellationError() }
        await #expect(throws: EnrollmentError.proofing(.required)) {
            _ = try await fixture.store.approve(first.id, by: approver, proofing: nil)
        }
        let rejected = try await fixture.store.reject(
            first.id, by: approver, reason: "caller could not answer the callback")
        #expect(rejected.storedState == .rejected)
        #expect(rejected.approval?.reason == "caller could not answer the callback")
        await #expect(throws: EnrollmentError.invalidStateTransition(from: .rejected, action: "approve")) {
            _ = try await fixture.store.approve(first.id, by: approver, proofing: Proofing(method: .videoCall))
        }
        fixture.clock.advance(minutes: 30)
        await #expect(throws: EnrollmentError.invalidStateTransition(from: .rejected, action: "approve")) {
            _ = try await fixture.store.approve(second.id, by: approver, proofing: Proofing(method: .videoCall))
        }
        _ = try await fixture.store.sweep()
        let timedOut = try await fixture.session(second.id)
        #expect(timedOut.storedState == .rejected)
        #expect(timedOut.approval?.reason == "timeout")
    }

    @Test func privilegedUsersAlwaysNeedASecondOperator() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        _ = try await fixture.store.patchPolicy(
            .object(["privilegedSubjects": .array(["*@admins.contoso.example"])]), by: fixture.admin)
        let outcome = try await fixture.store.createSession(
            request(user: UserPrincipalName("root@admins.contoso.example")!), by: fixture.admin)
        guard case .awaitingApproval(let session) = outcome else {
            Issue.record("a privileged user's pass was minted without approval")
            return
        }
        #expect(session.isPrivilegedSubject)
    }

    @Test func capsAdmitExactlyTheCapUnderConcurrency() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await setPolicy(fixture, ["passesPerOperatorPerHour": 5])
        let bench = try await fixture.operatorIdentity(.bench)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        _ = try await fixture.store.createSession(
                            NewSession(
                                scenario: .fido2Registration,
                                userPrincipalName: UserPrincipalName("u\(index)@contoso.example")!),
                            by: bench)
                        return true
                    } catch EnrollmentError.issuanceCapReached(let cap, let limit) {
                        #expect(cap == "passesPerOperatorPerHour" && limit == 5)
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 5)
        #expect(try await fixture.store.issuanceCounts()[bench.id]?.lastHour == 5)
        fixture.clock.advance(minutes: 61)
        _ = try await fixture.store.createSession(request(user: UserPrincipalName("later@contoso.example")!), by: bench)
    }

    @Test func incidentToolsRevokeEverythingAndLockIssuance() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let first = try await fixture.deviceSession(serial: "A-1")
        let second = try await fixture.deviceSession(serial: "A-2")
        let token = try #require(try await fixture.redeem(first).token)
        let cancelled = try await fixture.store.revokeEverything(
            of: Self.ada, reason: "suspected social engineering", by: fixture.admin)
        #expect(Set(cancelled) == [first.session.id, second.session.id])
        #expect(try await fixture.store.sessionForToken(token) == nil)
        #expect(try await !fixture.redeem(second).isAdmitted)

        try await fixture.store.lockIssuance(
            for: Self.ada, until: fixture.clock.now.addingTimeInterval(3600), reason: "investigation", by: fixture.admin
        )
        await #expect(throws: EnrollmentError.issuanceLocked(until: fixture.clock.now.addingTimeInterval(3600))) {
            _ = try await fixture.store.createSession(request(), by: fixture.admin)
        }
        #expect(try await fixture.store.unlockIssuance(for: Self.ada, by: fixture.admin))
        _ = try await fixture.store.createSession(request(), by: fixture.admin)
    }

    @Test func rotatedTokensWorkThroughTheGracePeriodOnly() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let (kiosk, oldToken) = try await fixture.store.createOperator(
            NewOperator(name: "k", role: .kiosk, site: SiteName("s")), by: fixture.admin)
        let (_, newToken) = try await fixture.store.rotateToken(of: kiosk.identity.id, grace: 600, by: kiosk.identity)
        guard case .valid = try await fixture.store.operatorForToken(oldToken),
            case .valid = try await fixture.store.operatorForToken(newToken)
        else {
            Issue.record("a token stopped working during the grace period")
            return
        }
        fixture.clock.advance(seconds: 600)
        #expect(try await fixture.store.operatorForToken(oldToken) == .unknown)
        guard case .valid = try await fixture.store.operatorForToken(newToken) else {
            Issue.record("the new token stopped working")
            return
        }
    }
}
