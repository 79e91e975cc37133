import Foundation
import Testing
import TapCore
import TapTestSupport
@testable import TapStorage

@Suite("Audit chain")
struct AuditChainTests {
    /// A store with a completed enrollment: a dozen chained events.
    private func populated() async throws -> StoreFixture {
        let fixture = try await StoreFixture()
        let issued = try await fixture.deviceSession()
        _ = try await fixture.redeem(issued)
        _ = try await fixture.store.checkInDevice(session: issued.session.id, serialNumber: SerialNumber("C02XK1ZZJG5H")!, mdmDeviceID: nil)
        return fixture
    }

    @Test func anUntouchedChainVerifies() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        #expect(try await fixture.store.verifyAudit() == .intact(events: 7))
    }

    @Test func theApplicationCannotUpdateOrDeleteEvents() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        #expect(throws: (any Error).self) { try fixture.tamper("UPDATE auditEvent SET actor = 'x' WHERE seq = 3") }
        #expect(throws: (any Error).self) { try fixture.tamper("DELETE FROM auditEvent WHERE seq = 3") }
    }

    @Test func anEditedEventIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_update")
        try fixture.tamper("UPDATE auditEvent SET actor = 'someone-else' WHERE seq = 4")
        guard case .broken(let sequence, _) = try await fixture.store.verifyAudit() else {
            Issue.record("edit not detected")
            return
        }
        #expect(sequence == 4)
    }

    @Test func aDeletedEventIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq = 3")
        #expect(try await fixture.store.verifyAudit() == .broken(sequence: 3, reason: "event 3 is missing (next is 4)"))
    }

    @Test func aDeletedFirstEventIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq = 1")
        guard case .broken(1, _) = try await fixture.store.verifyAudit() else {
            Issue.record("deleting the first event was not detected")
            return
        }
    }

    @Test func aCutOffTailIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq >= 6")
        guard case .broken(_, let reason) = try await fixture.store.verifyAudit() else {
            Issue.record("truncation not detected")
            return
        }
        #expect(reason.contains("cut off"))
    }

    @Test func aRewoundHeadIsDetected() async throws {
        let fixture = try await populated()
        defer { fixture.cleanUp() }
        // Cut the tail and point the head at the new last event, without the key to MAC the head.
        try fixture.tamper("DROP TRIGGER auditEvent_no_delete")
        try fixture.tamper("DELETE FROM auditEvent WHERE seq >= 6")
        try fixture.tamper("UPDATE auditHead SET seq = 5, mac = (SELECT mac FROM auditEvent WHERE seq = 5)")
        guard case .broken(_, let reason) = try await fixture.store.verifyAudit() else {
            Issue.record("a rewound head was accepted")
            return
        }
        #expect(reason.contains("head was altered"))
    }

    @Test func eventsNeverHoldThePassOrTokens() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession()
        let token = try #require(try await fixture.redeem(issued).token)
        let events = try await fixture.store.auditEvents(limit: 100)
        for event in events {
            #expect(!event.data.contains(issued.pass.normalized))
            #expect(!event.data.contains(issued.pass.grouped))
            #expect(!event.data.contains(token.value))
        }
    }
}
