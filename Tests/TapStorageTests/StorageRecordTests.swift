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
            id: "device-1", serialNumber: "SN-1", platform: "windows", model: "Surface", assetTag: "A-1",
            site: "bench-1",
            enrollmentState: "pending", mdmDeviceId: "mdm-1", lastSeenAt: Self.t2, createdAt: Self.t1)
        var session = SessionRecord(
            id: "session-1", scenario: "deviceEnrollment", state: "active", site: "bench-1",
            userPrincipalName: "ada@contoso.example",
            deviceId: "device-1", createdBy: fixture.admin.id.rawValue, reason: "why",
            proofing: #"{"method":"inPerson"}"#,
            createdAt: Self.t1, updatedAt: Self.t2, completionDeadline: Self.t2, firstUsedAt: Self.t1,
            closedAt: Self.t2,
            passRequest: "{}", approval: "{}", approvalDeadline: Self.t2, privilegedSubject: true)
        var pass = PassRecord(
            id: "pass-1", sessionId: "session-1", digest: Data([1, 2, 3]), createdAt: Self.t1, startsAt: Self.t1,
            expiresAt: Self.t2,
            maxUses: 3, uses: 1, revokedAt: Self.t2, lockedAt: Self.t1, keyVersion: 2,
            issuedBy: fixture.admin.id.rawValue)
        let read = try await fixture.store.write { [session, pass] db in
            try device.insert(db)
            try session.insertRow(db)
            try pass.insertRow(db)
            return (
                try DeviceRecord.find(db, "device-1"), try SessionRecord.find(db, "session-1"),
                try PassRecord.find(db, "pass-1")
            )
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

    /// The decoders read the store's own time text from SQLite's buffer. A time another writer stored in a
    /// format GRDB knows (minutes only, a Unix time) still reads, from a statement and from a copied row
    /// alike; text that is no time is a corrupt row, not a crash or a made-up date.
    @Test func timesInOtherFormatsReadAndTextThatIsNoTimeIsACorruptRow() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let session = SessionRecord(
            id: "session-1", scenario: "fido2Registration", state: "active", site: "bench-1",
            userPrincipalName: "ada@contoso.example",
            deviceId: nil, createdBy: fixture.admin.id.rawValue, reason: nil, proofing: nil,
            createdAt: Self.t1, updatedAt: Self.t2, completionDeadline: Self.t2, firstUsedAt: nil, closedAt: nil,
            passRequest: nil, approval: nil, approvalDeadline: nil, privilegedSubject: false)
        let read = try await fixture.store.write { db in
            try session.insertRow(db)
            try db.execute(
                sql:
                    "UPDATE session SET createdAt = '2026-11-26 10:00', firstUsedAt = 1795698001 WHERE id = 'session-1'"
            )
            let copied = try #require(try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = 'session-1'"))
            return (try SessionRecord.find(db, "session-1"), try SessionRecord(row: copied))
        }
        for record in [read.0, read.1] {
            #expect(record?.createdAt == UTCTime.parse("2026-11-26 10:00:00"))
            #expect(record?.firstUsedAt == Self.t2)
            #expect(record?.updatedAt == Self.t2)
        }

        for (column, value) in [("updatedAt", "'soon'"), ("closedAt", "'26 November 2026'")] {
            // The write throws, so its transaction rolls the bad value back for the next round.
            let error = await #expect(throws: StorageError.self) {
                try await fixture.store.write { db in
                    try db.execute(sql: "UPDATE session SET \(column) = \(value) WHERE id = 'session-1'")
                    let copied = try #require(try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = 'session-1'"))
                    #expect(throws: StorageError.self) { try SessionRecord(row: copied) }
                    return try SessionRecord.find(db, "session-1")
                }
            }
            guard case .corruptRow(let what) = error else {
                Issue.record("\(column): \(String(describing: error))"); continue
            }
            #expect(what.contains(column.lowercased()))
        }
    }
}
