import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing
@testable import TapStorage

/// The hand-written row coding of Records+RowCoding.swift keeps every field, written either way.
@Suite("Record row coding")
struct StorageRecordTests {
    static let t1 = Date(timeIntervalSince1970: 1_795_694_400)  // whole seconds compare exactly after a round trip
    static let t2 = Date(timeIntervalSince1970: 1_795_698_001)

    @Test func sessionsAndPassesSurviveInsertUpdateAndFind() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let device = DeviceRecord(
            id: "device-1", serialNumber: "SN-1", platform: "windows", model: "Surface", assetTag: "A-1", site: "bench-1",
            enrollmentState: "pending", mdmDeviceId: "mdm-1", lastSeenAt: Self.t2, createdAt: Self.t1)
        var session = SessionRecord(
            id: "session-1", scenario: "deviceEnrollment", state: "active", site: "bench-1", userPrincipalName: "ada@contoso.example",
            deviceId: "device-1", createdBy: fixture.admin.id.rawValue, reason: "why", proofing: #"{"method":"inPerson"}"#,
            createdAt: Self.t1, updatedAt: Self.t2, completionDeadline: Self.t2, firstUsedAt: Self.t1, closedAt: Self.t2,
            passRequest: "{}", approval: "{}", approvalDeadline: Self.t2, privilegedSubject: true)
        var pass = PassRecord(
            id: "pass-1", sessionId: "session-1", digest: Data([1, 2, 3]), createdAt: Self.t1, startsAt: Self.t1, expiresAt: Self.t2,
            maxUses: 3, uses: 1, revokedAt: Self.t2, lockedAt: Self.t1, keyVersion: 2, issuedBy: fixture.admin.id.rawValue)
        let read = try await fixture.store.write { [session, pass] db in
            try device.insert(db)
            try session.insertRow(db)
            try pass.insertRow(db)
            return (try DeviceRecord.find(db, "device-1"), try SessionRecord.find(db, "session-1"), try PassRecord.find(db, "pass-1"))
        }
        #expect(read.0 == device)
        #expect(read.1 == session)
        #expect(read.2 == pass)

        session.state = "inProgress"
        session.closedAt = nil
        session.privilegedSubject = false
        pass.uses = 2
        pass.revokedAt = nil
        let updated = try await fixture.store.write { [session, pass] db in
            try session.updateRow(db)
            try pass.updateRow(db)
            return (try SessionRecord.find(db, "session-1"), try PassRecord.find(db, "pass-1"))
        }
        #expect(updated.0 == session)
        #expect(updated.1 == pass)
    }
}
