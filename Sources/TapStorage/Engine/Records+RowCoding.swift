import Foundation
import GRDB
import GRDBSQLite
import TapCore

// Hand-written row coding for the records read and written on every request. GRDB's Codable-based coding
// builds a dictionary through the Encoder protocol per row; profiles of session creation showed it as the
// largest single cost inside the write transaction (bench/README.md). Column names are those of
// Records.swift; StorageRecordTests checks that every field survives a round trip.
//
// The decoders name columns in lower case: a GRDB row finds a column by its lower-cased name, and a
// mixed-case name costs a failed lookup and a lower-casing per column and row before the lookup that hits
// (a tenth of the server's time serving a page of 50 sessions, in perf).

extension OperatorRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        name = try row.decode(forColumn: "name")
        role = try row.decode(forColumn: "role")
        site = try row.decode(forColumn: "site")
        userPrincipalName = try row.decode(forColumn: "userprincipalname")
        tokenDigest = try row.decode(forColumn: "tokendigest")
        allowedSubjects = try row.decode(forColumn: "allowedsubjects")
        allowedSources = try row.decode(forColumn: "allowedsources")
        createdAt = try row.storedDate("createdat")
        createdBy = try row.decode(forColumn: "createdby")
        expiresAt = try row.storedOptionalDate("expiresat")
        revokedAt = try row.storedOptionalDate("revokedat")
        keyVersion = try row.decode(forColumn: "keyversion")
        previousTokenDigest = try row.decode(forColumn: "previoustokendigest")
        previousTokenKeyVersion = try row.decode(forColumn: "previoustokenkeyversion")
        previousTokenExpiresAt = try row.storedOptionalDate("previoustokenexpiresat")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        container["role"] = role
        container["site"] = site
        container["userPrincipalName"] = userPrincipalName
        container["tokenDigest"] = tokenDigest
        container["allowedSubjects"] = allowedSubjects
        container["allowedSources"] = allowedSources
        container["createdAt"] = UTCTime.text(createdAt)
        container["createdBy"] = createdBy
        container["expiresAt"] = expiresAt.map(UTCTime.text)
        container["revokedAt"] = revokedAt.map(UTCTime.text)
        container["keyVersion"] = keyVersion
        container["previousTokenDigest"] = previousTokenDigest
        container["previousTokenKeyVersion"] = previousTokenKeyVersion
        container["previousTokenExpiresAt"] = previousTokenExpiresAt.map(UTCTime.text)
    }
}

extension DeviceRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        serialNumber = try row.decode(forColumn: "serialnumber")
        platform = try row.decode(forColumn: "platform")
        model = try row.decode(forColumn: "model")
        assetTag = try row.decode(forColumn: "assettag")
        site = try row.decode(forColumn: "site")
        enrollmentState = try row.decode(forColumn: "enrollmentstate")
        mdmDeviceId = try row.decode(forColumn: "mdmdeviceid")
        lastSeenAt = try row.storedOptionalDate("lastseenat")
        createdAt = try row.storedDate("createdat")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["serialNumber"] = serialNumber
        container["platform"] = platform
        container["model"] = model
        container["assetTag"] = assetTag
        container["site"] = site
        container["enrollmentState"] = enrollmentState
        container["mdmDeviceId"] = mdmDeviceId
        container["lastSeenAt"] = lastSeenAt.map(UTCTime.text)
        container["createdAt"] = UTCTime.text(createdAt)
    }
}

extension SessionRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        scenario = try row.decode(forColumn: "scenario")
        state = try row.decode(forColumn: "state")
        site = try row.decode(forColumn: "site")
        userPrincipalName = try row.decode(forColumn: "userprincipalname")
        deviceId = try row.decode(forColumn: "deviceid")
        createdBy = try row.decode(forColumn: "createdby")
        reason = try row.decode(forColumn: "reason")
        proofing = try row.decode(forColumn: "proofing")
        createdAt = try row.storedDate("createdat")
        updatedAt = try row.storedDate("updatedat")
        completionDeadline = try row.storedDate("completiondeadline")
        firstUsedAt = try row.storedOptionalDate("firstusedat")
        closedAt = try row.storedOptionalDate("closedat")
        passRequest = try row.decode(forColumn: "passrequest")
        approval = try row.decode(forColumn: "approval")
        approvalDeadline = try row.storedOptionalDate("approvaldeadline")
        privilegedSubject = try row.decode(forColumn: "privilegedsubject")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["scenario"] = scenario
        container["state"] = state
        container["site"] = site
        container["userPrincipalName"] = userPrincipalName
        container["deviceId"] = deviceId
        container["createdBy"] = createdBy
        container["reason"] = reason
        container["proofing"] = proofing
        container["createdAt"] = UTCTime.text(createdAt)
        container["updatedAt"] = UTCTime.text(updatedAt)
        container["completionDeadline"] = UTCTime.text(completionDeadline)
        container["firstUsedAt"] = firstUsedAt.map(UTCTime.text)
        container["closedAt"] = closedAt.map(UTCTime.text)
        container["passRequest"] = passRequest
        container["approval"] = approval
        container["approvalDeadline"] = approvalDeadline.map(UTCTime.text)
        container["privilegedSubject"] = privilegedSubject
    }
}

extension PassRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        sessionId = try row.decode(forColumn: "sessionid")
        digest = try row.decode(forColumn: "digest")
        createdAt = try row.storedDate("createdat")
        startsAt = try row.storedDate("startsat")
        expiresAt = try row.storedDate("expiresat")
        maxUses = try row.decode(forColumn: "maxuses")
        uses = try row.decode(forColumn: "uses")
        revokedAt = try row.storedOptionalDate("revokedat")
        lockedAt = try row.storedOptionalDate("lockedat")
        keyVersion = try row.decode(forColumn: "keyversion")
        issuedBy = try row.decode(forColumn: "issuedby")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["sessionId"] = sessionId
        container["digest"] = digest
        container["createdAt"] = UTCTime.text(createdAt)
        container["startsAt"] = UTCTime.text(startsAt)
        container["expiresAt"] = UTCTime.text(expiresAt)
        container["maxUses"] = maxUses
        container["uses"] = uses
        container["revokedAt"] = revokedAt.map(UTCTime.text)
        container["lockedAt"] = lockedAt.map(UTCTime.text)
        container["keyVersion"] = keyVersion
        container["issuedBy"] = issuedBy
    }
}

extension SessionRecord {
    /// Inserts through a statement prepared once per connection (a new row per create or reissue).
    func insertRow(_ db: Database) throws {
        try db.executeDirect(
            "INSERT INTO session (id, scenario, state, site, userPrincipalName, deviceId, createdBy, reason, proofing, createdAt, updatedAt, completionDeadline, firstUsedAt, closedAt, passRequest, approval, approvalDeadline, privilegedSubject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                id.directValue, scenario.directValue, state.directValue, site.directValue, userPrincipalName.directValue, deviceId.directValue, createdBy.directValue,
                reason.directValue, proofing.directValue, createdAt.directValue, updatedAt.directValue,
                completionDeadline.directValue, firstUsedAt.directValue, closedAt.directValue,
                passRequest.directValue, approval.directValue, approvalDeadline.directValue, privilegedSubject.directValue,
            ])
    }
}

extension PassRecord {
    /// Inserts through a statement prepared once per connection (a new row per create or reissue).
    func insertRow(_ db: Database) throws {
        try db.executeDirect(
            "INSERT INTO pass (id, sessionId, digest, createdAt, startsAt, expiresAt, maxUses, uses, revokedAt, lockedAt, keyVersion, issuedBy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                id.directValue, sessionId.directValue, digest.directValue, createdAt.directValue, startsAt.directValue,
                expiresAt.directValue, maxUses.directValue, uses.directValue, revokedAt.directValue,
                lockedAt.directValue, keyVersion.directValue, issuedBy.directValue,
            ])
    }
}

extension SessionRecord {
    /// Writes back the columns that differ from `original`, or every column without one. SQLite maintains
    /// every index and checks every foreign key that covers a column named in SET, changed or not: writing
    /// all 17 columns to move a redeemed session to `inProgress` rewrote seven index entries and looked up
    /// two parent rows.
    func updateRow(_ db: Database, from original: SessionRecord? = nil) throws {
        guard let original, original.id == id else { return try updateAllColumns(db) }
        var changes = ChangedColumns()
        changes.note("scenario", scenario, original.scenario)
        changes.note("state", state, original.state)
        changes.note("site", site, original.site)
        changes.note("userPrincipalName", userPrincipalName, original.userPrincipalName)
        changes.note("deviceId", deviceId, original.deviceId)
        changes.note("createdBy", createdBy, original.createdBy)
        changes.note("reason", reason, original.reason)
        changes.note("proofing", proofing, original.proofing)
        changes.note("createdAt", createdAt, original.createdAt)
        changes.note("updatedAt", updatedAt, original.updatedAt)
        changes.note("completionDeadline", completionDeadline, original.completionDeadline)
        changes.note("firstUsedAt", firstUsedAt, original.firstUsedAt)
        changes.note("closedAt", closedAt, original.closedAt)
        changes.note("passRequest", passRequest, original.passRequest)
        changes.note("approval", approval, original.approval)
        changes.note("approvalDeadline", approvalDeadline, original.approvalDeadline)
        changes.note("privilegedSubject", privilegedSubject, original.privilegedSubject)
        try changes.write(table: "session", id: id, db)
    }

    /// Writes every column back through a statement prepared once per connection.
    private func updateAllColumns(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE session SET scenario = ?, state = ?, site = ?, userPrincipalName = ?, deviceId = ?, createdBy = ?, reason = ?, proofing = ?, createdAt = ?, updatedAt = ?, completionDeadline = ?, firstUsedAt = ?, closedAt = ?, passRequest = ?, approval = ?, approvalDeadline = ?, privilegedSubject = ? WHERE id = ?")
            .execute(arguments: [scenario, state, site, userPrincipalName, deviceId, createdBy, reason, proofing, UTCTime.text(createdAt), UTCTime.text(updatedAt), UTCTime.text(completionDeadline), firstUsedAt.map(UTCTime.text), closedAt.map(UTCTime.text), passRequest, approval, approvalDeadline.map(UTCTime.text), privilegedSubject, id])
    }
}

extension PassRecord {
    /// Writes back the columns that differ from `original`, or every column without one (see
    /// ``SessionRecord/updateRow(_:from:)``): a redeem changes `uses` only.
    func updateRow(_ db: Database, from original: PassRecord? = nil) throws {
        guard let original, original.id == id else { return try updateAllColumns(db) }
        var changes = ChangedColumns()
        changes.note("sessionId", sessionId, original.sessionId)
        changes.note("digest", digest, original.digest)
        changes.note("createdAt", createdAt, original.createdAt)
        changes.note("startsAt", startsAt, original.startsAt)
        changes.note("expiresAt", expiresAt, original.expiresAt)
        changes.note("maxUses", maxUses, original.maxUses)
        changes.note("uses", uses, original.uses)
        changes.note("revokedAt", revokedAt, original.revokedAt)
        changes.note("lockedAt", lockedAt, original.lockedAt)
        changes.note("keyVersion", keyVersion, original.keyVersion)
        changes.note("issuedBy", issuedBy, original.issuedBy)
        try changes.write(table: "pass", id: id, db)
    }

    /// Writes every column back through a statement prepared once per connection.
    private func updateAllColumns(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE pass SET sessionId = ?, digest = ?, createdAt = ?, startsAt = ?, expiresAt = ?, maxUses = ?, uses = ?, revokedAt = ?, lockedAt = ?, keyVersion = ?, issuedBy = ? WHERE id = ?")
            .execute(arguments: [sessionId, digest, UTCTime.text(createdAt), UTCTime.text(startsAt), UTCTime.text(expiresAt), maxUses, uses, revokedAt.map(UTCTime.text), lockedAt.map(UTCTime.text), keyVersion, issuedBy, id])
    }
}

extension SessionRecord: PositionallyRead {
    /// The columns ``init(direct:startingAt:)`` reads, in order, for queries that select a session beside
    /// another row (qualify each with the table name).
    static let columnNames = [
        "id", "scenario", "state", "site", "userPrincipalName", "deviceId", "createdBy", "reason", "proofing", "createdAt",
        "updatedAt", "completionDeadline", "firstUsedAt", "closedAt", "passRequest", "approval", "approvalDeadline",
        "privilegedSubject",
    ]

    /// Reads by position from `start`, in the order of ``columnNames``.
    init(direct row: DirectRow, startingAt start: Int) throws {
        id = try row.text(start)
        scenario = try row.text(start + 1)
        state = try row.text(start + 2)
        site = try row.text(start + 3)
        userPrincipalName = try row.text(start + 4)
        deviceId = try row.optionalText(start + 5)
        createdBy = try row.text(start + 6)
        reason = try row.optionalText(start + 7)
        proofing = try row.optionalText(start + 8)
        createdAt = try row.date(start + 9)
        updatedAt = try row.date(start + 10)
        completionDeadline = try row.date(start + 11)
        firstUsedAt = try row.optionalDate(start + 12)
        closedAt = try row.optionalDate(start + 13)
        passRequest = try row.optionalText(start + 14)
        approval = try row.optionalText(start + 15)
        approvalDeadline = try row.optionalDate(start + 16)
        privilegedSubject = try row.bool(start + 17)
    }
}

extension PassRecord: PositionallyRead {
    /// The columns ``init(direct:startingAt:)`` reads, in order.
    static let columnNames = [
        "id", "sessionId", "digest", "createdAt", "startsAt", "expiresAt", "maxUses", "uses", "revokedAt", "lockedAt", "keyVersion",
        "issuedBy",
    ]

    /// Reads by position from `start`, in the order of ``columnNames``.
    init(direct row: DirectRow, startingAt start: Int) throws {
        id = try row.text(start)
        sessionId = try row.text(start + 1)
        digest = try row.blob(start + 2)
        createdAt = try row.date(start + 3)
        startsAt = try row.date(start + 4)
        expiresAt = try row.date(start + 5)
        maxUses = try row.integer(start + 6)
        uses = try row.integer(start + 7)
        revokedAt = try row.optionalDate(start + 8)
        lockedAt = try row.optionalDate(start + 9)
        keyVersion = try row.integer(start + 10)
        issuedBy = try row.optionalText(start + 11)
    }
}

/// A record that `init(direct:startingAt:)` reads by position, in the order of `columnNames`.
protocol PositionallyRead {
    static var columnNames: [String] { get }
}

extension PositionallyRead {
    /// `columnNames` as a SELECT list, each qualified by `table` when given (for a join).
    static func selection(of table: String? = nil) -> String {
        columnNames.map { column in table.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }
}

/// The SET list of an UPDATE that names only changed columns; times stored as the same text as inserts.
/// Each distinct list is its own cached statement, and the use cases produce a handful of them.
private struct ChangedColumns {
    private var names: [String] = []
    private var values: [DirectValue] = []

    mutating func note<Value: DirectStorable & Equatable>(_ name: String, _ new: Value, _ old: Value) {
        guard new != old else { return }
        names.append(name)
        values.append(new.directValue)
    }

    func write(table: String, id: String, _ db: Database) throws {
        guard !names.isEmpty else { return }
        let assignments = names.map { "\($0) = ?" }.joined(separator: ", ")
        try db.executeDirect("UPDATE \(table) SET \(assignments) WHERE id = ?", values + [id.directValue])
    }
}

extension Row {
    /// A stored time, read with ``UTCTime/parse(utf8:)`` from SQLite's own text when it is the store's text
    /// (it always is for rows TapStorage wrote) and with GRDB's general reading otherwise. GRDB's reading goes
    /// through Foundation's calendar for every date column, a visible share of decoding a session row.
    func storedDate(_ column: String) throws -> Date {
        guard let date = try storedOptionalDate(column) else { throw StorageError.corruptRow("\(column) is empty") }
        return date
    }

    func storedOptionalDate(_ column: String) throws -> Date? {
        guard let stored = try decode(StoredTimeColumn?.self, forColumn: column) else { return nil }
        guard let date = stored.date else { throw StorageError.corruptRow("\(column) is not a time") }
        return date
    }
}

/// A time column as the row decoders read it. From a statement it is parsed in SQLite's own text buffer, so
/// no `String` is made per column (ten times per session and pass in a page of 50). `date` is `nil` when the
/// column holds something that is not a time, which the decoders report as a corrupt row.
struct StoredTimeColumn: DatabaseValueConvertible, StatementColumnConvertible {
    var date: Date?

    init(date: Date?) { self.date = date }

    init(sqliteStatement: SQLiteStatement, index: CInt) {
        date = storedTime(sqliteStatement, index)
    }

    var databaseValue: DatabaseValue { date.map { UTCTime.text($0).databaseValue } ?? .null }

    static func fromDatabaseValue(_ value: DatabaseValue) -> StoredTimeColumn? {
        // NULL is no value at all (an optional column's `nil`), not a value that is no time.
        if value.isNull { return nil }
        if case .string(let text) = value.storage, let date = UTCTime.parse(text) { return StoredTimeColumn(date: date) }
        return StoredTimeColumn(date: Date.fromDatabaseValue(value))
    }
}

/// The time in column `index` of `statement`'s current row: the store's text parsed where SQLite holds it,
/// anything else (another text format, a number) as GRDB reads it; `nil` when it is not a time.
func storedTime(_ statement: SQLiteStatement, _ index: CInt) -> Date? {
    if sqlite3_column_type(statement, index) == SQLITE_TEXT, let text = sqlite3_column_text(statement, index) {
        let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index)))
        if let date = UTCTime.parse(utf8: bytes) { return date }
    }
    return Date.fromDatabaseValue(DatabaseValue(sqliteStatement: statement, index: index))
}
