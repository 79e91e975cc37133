import Foundation
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

@Suite("Batches and MDM check-in")
struct BatchAndCheckInTests {
    static func rows(_ count: Int, prefix: String = "CART") -> [BatchRow] {
        (0..<count).map { index in
            .create(
                NewSession(
                    scenario: .deviceEnrollment, userPrincipalName: UserPrincipalName("dem\(index)@contoso.example")!,
                    device: DeviceDescription(serialNumber: SerialNumber("\(prefix)-\(index)")!, platform: .ipados),
                    pass: PassRequest(preset: "apple-ade")))
        }
    }

    static let describe: @Sendable (any Error) -> BatchRowProblem? = { error in
        guard let error = error as? EnrollmentError else { return nil }
        return BatchRowProblem(status: 409, code: "\(error)".prefix(20).description, detail: "refused")
    }

    @Test func aRetriedBatchCreatesExactlyOneSessionPerRowAndNeverResendsPasses() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.operatorIdentity(.bench)
        let claim = IdempotencyClaim(key: "cart-7", requestDigest: Array(repeating: 7, count: 32))
        let first = try await fixture.store.createSessions(
            Self.rows(40), by: bench, idempotency: claim, describe: Self.describe)
        #expect(!first.replayed)
        let created = first.rows.compactMap { row -> IssuedPass? in
            if case .created(let issued) = row { return issued }
            return nil
        }
        #expect(created.count == 40)
        // The same request again (a client that timed out and retried), twice.
        for _ in 0..<2 {
            let again = try await fixture.store.createSessions(
                Self.rows(40), by: bench, idempotency: claim, describe: Self.describe)
            #expect(again.replayed)
            #expect(again.rows.count == 40)
            for (index, row) in again.rows.enumerated() {
                guard case .replayed(let session) = row else {
                    Issue.record("row \(index) was not replayed")
                    continue
                }
                #expect(session.id == created[index].session.id)
            }
        }
        let page = try await fixture.store.sessions(matching: SessionFilter(), visibleTo: bench, after: nil, limit: 200)
        #expect(page.items.count == 40)
        // Another body under the same key is refused.
        await #expect(throws: EnrollmentError.idempotencyMismatch) {
            _ = try await fixture.store.createSessions(
                Self.rows(3), by: bench,
                idempotency: IdempotencyClaim(key: "cart-7", requestDigest: Array(repeating: 8, count: 32)),
                describe: Self.describe)
        }
    }

    @Test func aRefusedRowLeavesTheOthersStandingAndIsReplayedAsRefused() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.operatorIdentity(.bench)
        _ = try await fixture.deviceSession(serial: "CART-1", by: bench)  // CART-1 already has an open session
        var rows = Self.rows(3)
        rows.append(
            .refused(BatchRowProblem(status: 400, code: "invalid_request", detail: "bad row", field: "platform")))
        let claim = IdempotencyClaim(key: "k", requestDigest: [1])
        let outcome = try await fixture.store.createSessions(
            rows, by: bench, idempotency: claim, describe: Self.describe)
        let kinds = outcome.rows.map { row -> String in
            switch row {
            case .created: "created"
            case .createdExternally: "created by Entra"
            case .refused(let problem): "refused \(problem.status)"
            case .replayed: "replayed"
            case .awaitingApproval: "approval"
            }
        }
        #expect(kinds == ["created", "refused 409", "created", "refused 400"])
        let replay = try await fixture.store.createSessions(
            rows, by: bench, idempotency: claim, describe: Self.describe)
        guard case .refused(let problem) = replay.rows[3] else { Issue.record("row 3 not refused"); return }
        #expect(problem.field == "platform")
    }

    @Test func anMDMTokenChecksInByItsSerialOnlyInItsOwnSite() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.operatorIdentity(.bench, site: "bench-1")
        let mdmHere = try await fixture.operatorIdentity(.mdm, site: "bench-1")
        let mdmElsewhere = try await fixture.operatorIdentity(.mdm, site: "bench-2")
        let issued = try await fixture.deviceSession(serial: "IPAD-42", by: bench)
        #expect(try await fixture.redeem(issued).isAdmitted)
        let serial = SerialNumber("IPAD-42")!
        await #expect(throws: EnrollmentError.notFound("open session for this serial number")) {
            _ = try await fixture.store.checkInDevice(serialNumber: serial, mdmDeviceID: nil, by: mdmElsewhere)
        }
        #expect(try await fixture.session(issued.session.id).storedState == .inProgress)
        let completed = try await fixture.store.checkInDevice(
            serialNumber: serial, mdmDeviceID: "intune-1", by: mdmHere)
        #expect(completed.storedState == .completed)
        #expect(completed.device?.enrollmentState == .enrolled)
        #expect(try await fixture.auditTypes(issued.session.id).contains("device.enrolled"))
        // Nothing open for that serial any more.
        await #expect(throws: EnrollmentError.notFound("open session for this serial number")) {
            _ = try await fixture.store.checkInDevice(serialNumber: serial, mdmDeviceID: nil, by: mdmHere)
        }
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test func closedSessionsArePurgedAndTheChainStillVerifiesFromItsCheckpoint() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let old = try await fixture.deviceSession(serial: "OLD-1")
        _ = try await fixture.store.cancelSession(old.session.id, reason: "done", by: fixture.admin)
        fixture.clock.advance(seconds: 40 * 86_400)
        let open = try await fixture.deviceSession(serial: "OPEN-1")
        let recent = try await fixture.deviceSession(serial: "RECENT-1")
        _ = try await fixture.store.cancelSession(recent.session.id, reason: "done", by: fixture.admin)
        #expect(try await fixture.store.verifyAudit() != .broken(sequence: 0, reason: ""))

        let report = try await fixture.store.purgeClosedSessions(olderThanDays: 30)
        #expect(report.sessions == 1)
        #expect(report.auditEvents > 0)
        #expect(try await fixture.store.session(old.session.id, visibleTo: nil) == nil)
        #expect(try await fixture.store.session(open.session.id, visibleTo: nil) != nil)
        #expect(try await fixture.store.session(recent.session.id, visibleTo: nil) != nil)
        #expect(
            try await fixture.store.auditEvents(sessionID: old.session.id, limit: 100).isEmpty, "its events were cut")
        guard case .intact = try await fixture.store.verifyAudit() else {
            Issue.record("the chain does not verify after a purge")
            return
        }
        // A second purge with nothing to do changes nothing, and the chain still holds.
        #expect(try await fixture.store.purgeClosedSessions(olderThanDays: 30) == PurgeReport())
        guard case .intact = try await fixture.store.verifyAudit() else {
            Issue.record("the chain does not verify after a second purge")
            return
        }
        // The checkpoint is covered by its own MAC; events before it can now go, events after it cannot.
        try fixture.tamper("UPDATE auditCheckpoint SET seq = seq + 1")
        guard case .broken = try await fixture.store.verifyAudit() else {
            Issue.record("an altered checkpoint went unnoticed")
            return
        }
    }

    @Test func eventsAfterTheCheckpointStayAppendOnly() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        _ = try await fixture.deviceSession()
        #expect(throws: (any Error).self) { try fixture.tamper("DELETE FROM auditEvent WHERE seq = 1") }
    }
}
