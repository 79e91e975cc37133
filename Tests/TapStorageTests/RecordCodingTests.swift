import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// The two decoders derived from a record's column list (GRDB's `FetchableRecord` decoding by name and the
/// positional reader) read every column of varied rows alike, and what they read is what was written.
@Suite("Record coding from one column list")
struct RecordCodingTests {
    /// Times the store keeps exactly: milliseconds, the epoch, a leap day, the last millisecond it can write.
    static let times = [
        "1970-01-01 00:00:00.000", "2000-02-29 23:59:59.999", "2026-11-26 10:00:00.123", "9999-12-31 23:59:59.999",
    ].map { UTCTime.parse($0)! }

    @Test func everyDescribedColumnIsAStoredPropertyAndATableColumn() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await fixture.store.pool().read { db in
            try Self.expectComplete(OperatorRecord.self, db)
            try Self.expectComplete(DeviceRecord.self, db)
            try Self.expectComplete(SessionRecord.self, db)
            try Self.expectComplete(PassRecord.self, db)
            try Self.expectComplete(SessionTokenRecord.self, db)
            try Self.expectComplete(RedeemFailureRecord.self, db)
            try Self.expectComplete(AuditEventRecord.self, db)
            try Self.expectComplete(IdempotencyRecord.self, db)
            try Self.expectComplete(EntraPassRecord.self, db)
            try Self.expectComplete(KioskEnrolmentCodeRecord.self, db)
            try Self.expectComplete(SecurityKeyRecord.self, db)
            try Self.expectComplete(ChallengeRecord.self, db)
            try Self.expectComplete(ConsoleInvitationRecord.self, db)
            try Self.expectComplete(OperatorPasskeyRecord.self, db)
            try Self.expectComplete(ConsoleChallengeRecord.self, db)
            try Self.expectComplete(ConsoleSessionRecord.self, db)
            try Self.expectComplete(ConsoleLoginRecord.self, db)
            try Self.expectComplete(ConsoleIdentityRecord.self, db)
            try Self.expectComplete(IssuanceLockRecord.self, db)
            try Self.expectComplete(PolicyRecord.self, db)
        }
    }

    @Test func variedRowsDecodeAlikeByNameAndByPosition() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        _ = try await fixture.deviceSession()  // audit events of a real create
        let admin = fixture.admin.id.rawValue
        let t = Self.times
        let operators = [
            OperatorRecord(
                id: "op-bare", name: "b", role: "admin", site: nil, userPrincipalName: nil, tokenDigest: Data([0]),
                allowedSubjects: "[]", allowedSources: "[]", createdAt: t[0], createdBy: nil, expiresAt: nil,
                revokedAt: nil, keyVersion: 1, previousTokenDigest: nil, previousTokenKeyVersion: nil,
                previousTokenExpiresAt: nil),
            OperatorRecord(
                id: "op-full", name: "Kiosk Åsa Öberg 🔑 «3»", role: "kiosk", site: "hél-1",
                userPrincipalName: "åsa@contoso.example", tokenDigest: Data(repeating: 0xFF, count: 32),
                allowedSubjects: #"["*@contoso.example"]"#, allowedSources: #"["10.0.0.0/8"]"#, createdAt: t[1],
                createdBy: admin, expiresAt: t[3], revokedAt: t[2],
                keyVersion: Int(Int32.max), previousTokenDigest: Data([0, 1]), previousTokenKeyVersion: 7,
                previousTokenExpiresAt: t[3]),
        ]
        let devices = [
            DeviceRecord(
                id: "dev-bare", serialNumber: "S", platform: "other", model: nil, assetTag: nil, site: "",
                enrollmentState: "pending", mdmDeviceId: nil, lastSeenAt: nil, createdAt: t[0]),
            DeviceRecord(
                id: "dev-full", serialNumber: "F9FZK0ZZQ1GC", platform: "ipados", model: "iPad (10th gen) — 日本",
                assetTag: "A\tB\ne\u{301}", site: "hél-1", enrollmentState: "enrolled", mdmDeviceId: "mdm-ü",
                lastSeenAt: t[3], createdAt: t[1]),
        ]
        let sessions = [
            SessionRecord(
                id: "ses-bare", scenario: "fido2Registration", state: "active", site: "s", userPrincipalName: "a@b",
                deviceId: nil, createdBy: admin, reason: nil, proofing: nil, createdAt: t[0], updatedAt: t[0],
                completionDeadline: t[1], firstUsedAt: nil, closedAt: nil, passRequest: nil, approval: nil,
                approvalDeadline: nil, privilegedSubject: false),
            SessionRecord(
                id: "ses-full", scenario: "deviceEnrollment", state: "awaitingApproval", site: "hél-1",
                userPrincipalName: "åsa@contoso.example", deviceId: "dev-full", createdBy: admin,
                reason: "new starter ✓ \"quoted\"", proofing: #"{"method":"inPerson"}"#, createdAt: t[1],
                updatedAt: t[2], completionDeadline: t[3], firstUsedAt: t[1], closedAt: t[2], passRequest: "{}",
                approval: #"{"deadline":"x"}"#, approvalDeadline: t[3], privilegedSubject: true),
        ]
        let passes = [
            PassRecord(
                id: "pass-bare", sessionId: "ses-bare", digest: Data(), createdAt: t[0], startsAt: t[0],
                expiresAt: t[1], maxUses: 1, uses: 0, revokedAt: nil, lockedAt: nil, keyVersion: 1, issuedBy: nil),
            PassRecord(
                id: "pass-full", sessionId: "ses-full", digest: Data((0..<32).map { UInt8($0) }), createdAt: t[1],
                startsAt: t[2], expiresAt: t[3], maxUses: 50, uses: 50, revokedAt: t[3], lockedAt: t[2], keyVersion: 3,
                issuedBy: admin),
        ]
        let tokens = [
            SessionTokenRecord(
                digest: Data([1]), sessionId: "ses-bare", createdAt: t[0], expiresAt: t[1], revokedAt: nil,
                keyVersion: 1),
            SessionTokenRecord(
                digest: Data([2, 0]), sessionId: "ses-full", createdAt: t[1], expiresAt: t[3], revokedAt: t[2],
                keyVersion: 9),
        ]
        let failures = [
            RedeemFailureRecord(userPrincipalName: "a@b", count: 0, unreported: 0, firstAt: t[0], lastAt: t[0]),
            RedeemFailureRecord(
                userPrincipalName: "åsa@contoso.example", count: Int(Int32.max) + 1, unreported: 3, firstAt: t[1],
                lastAt: t[3], addresses: "10.0.0.0/24 2001:db8::/48"),
        ]
        try await fixture.store.pool().write { db in
            for record in operators { try record.insertRow(db) }
            for record in devices { try record.insertRow(db) }
            for record in sessions { try record.insertRow(db) }
            for record in passes { try record.insertRow(db) }
            for record in tokens { try record.insertRow(db) }
            for record in failures { try record.insertRow(db) }
        }
        try await fixture.store.pool().read { db in
            try Self.expectDecodersAgree(operators, db)
            try Self.expectDecodersAgree(devices, db)
            try Self.expectDecodersAgree(sessions, db)
            try Self.expectDecodersAgree(passes, db)
            try Self.expectDecodersAgree(tokens, db)
            try Self.expectDecodersAgree(failures, db)
            let events = try Self.expectDecodersAgree([AuditEventRecord](), db)
            #expect(events >= 3)
        }
    }

    /// Every column the list names is a table column, every table column and stored property is listed.
    static func expectComplete<Record: ColumnDescribed>(_ type: Record.Type, _ db: Database) throws {
        let tableColumns = try db.columns(in: Record.databaseTableName).map(\.name)
        #expect(Set(Record.columnNames) == Set(tableColumns), "\(Record.self)")
        #expect(Record.columnNames.count == tableColumns.count, "\(Record.self)")
        #expect(Mirror(reflecting: Record.blank).children.count == Record.columnNames.count, "\(Record.self)")
    }

    /// Reads the table both ways, checks that they agree column by column and that each `written` row reads back
    /// as written; returns how many rows were read.
    @discardableResult
    static func expectDecodersAgree<Record: ColumnDescribed>(_ written: [Record], _ db: Database) throws -> Int {
        let order = " ORDER BY \(Record.keyColumn)"
        let byName = try Record.fetchAll(db, sql: "SELECT * FROM \"\(Record.databaseTableName)\"" + order)
        var byPosition: [Record] = []
        try db.queryDirect("SELECT \(Record.selection()) FROM \"\(Record.databaseTableName)\"" + order, []) { row in
            byPosition.append(try Record(direct: row, startingAt: 0))
        }
        #expect(byName.count == byPosition.count)
        for (named, positional) in zip(byName, byPosition) {
            let differing = try differences(named, positional)
            #expect(differing.isEmpty, "\(Record.self): \(differing) differ by name and by position")
        }
        for record in written {
            var key = KeyValue<Record>(record: record)
            try Record.visitColumns(&key)
            let read = byPosition.first { other in
                var otherKey = KeyValue<Record>(record: other)
                try? Record.visitColumns(&otherKey)
                return otherKey.value == key.value
            }
            let found = try #require(read, "\(Record.self) \(key.value)")
            let changed = try differences(record, found)
            #expect(changed.isEmpty, "\(Record.self) \(key.value): \(changed) differ from what was written")
        }
        return byName.count
    }

    /// The names of the columns in which `left` and `right` differ.
    static func differences<Record: ColumnDescribed>(_ left: Record, _ right: Record) throws -> [String] {
        var comparison = FieldComparison(left: left, right: right)
        try Record.visitColumns(&comparison)
        #expect(comparison.visited == Record.columnNames.count)
        return comparison.differing
    }
}

/// Compares two records column by column.
private struct FieldComparison<Record>: ColumnVisitor {
    let left: Record
    let right: Record
    var differing: [String] = []
    var visited = 0

    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) {
        visited += 1
        if left[keyPath: property] != right[keyPath: property] { differing.append(name) }
    }
}

/// The key column's value of a record, as text for messages and matching.
private struct KeyValue<Record: ColumnDescribed>: ColumnVisitor {
    let record: Record
    var value = ""

    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) {
        if name == Record.keyColumn { value = "\(record[keyPath: property])" }
    }
}
