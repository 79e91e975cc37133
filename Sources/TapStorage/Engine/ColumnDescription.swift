import Foundation
import GRDB
import TapCore

// A hot record lists its columns once, in `visitColumns(_:)`: the name as the schema spells it and the property
// that holds it. Everything else (GRDB row decoding, encoding, the SELECT, INSERT and UPDATE lists, the
// change diff and the positional reader) walks that list with a visitor. The visitors are generic structs
// whose `visit` is always inlined, so a release build specialises each walk into the same straight-line
// property reads and writes the hand-written coding had (no key-path call is left in the release object).
// Without the inlining, every column cost a key-path projection through the Swift runtime.

/// A record whose table columns are listed once, in ``visitColumns(_:)``, from which all its row coding derives.
protocol ColumnDescribed: StoredRecord {
    /// A record with placeholder values that the readers overwrite column by column.
    static var blank: Self { get }
    /// The names and SQL derived from ``visitColumns(_:)``, built once per type.
    static var columns: ColumnTable<Self> { get }
    /// Hands every column to `visitor`, in table order: the order of the SELECT list and of positional reads.
    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws
}

/// What walks a described record's columns: each call names one column and the property that holds it.
protocol ColumnVisitor<Record> {
    associatedtype Record
    /// Visits the column `name`, held in `property`.
    @inline(__always)
    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) throws
}

/// The column names and statements of a described record, derived from its column list once.
struct ColumnTable<Record: ColumnDescribed>: Sendable {
    /// The names in table order, as the schema spells them.
    let names: [String]
    /// The same names lower-cased: a GRDB row finds a lower-case name without a failed lookup first (the
    /// decoders' share of a page of 50 sessions fell by a tenth in perf when they asked this way).
    let lookupNames: [String]
    /// `INSERT` of every column, prepared once per connection.
    let insertSQL: String
    /// `UPDATE` of every column but the key, by key, prepared once per connection.
    let updateSQL: String
    /// `SELECT` of every column, in table order, without a WHERE clause.
    let selectSQL: String
    /// `INSERT` of every column that updates every other column of an existing row with the same key.
    let upsertSQL: String

    init() {
        var collector = ColumnNames<Record>()
        try? Record.visitColumns(&collector)  // collecting names throws nothing
        names = collector.names
        lookupNames = names.map { $0.lowercased() }
        let table = Record.databaseTableName
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        insertSQL = "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders))"
        let assignments = names.filter { $0 != Record.keyColumn }.map { "\($0) = ?" }.joined(separator: ", ")
        updateSQL = "UPDATE \(table) SET \(assignments) WHERE \(Record.keyColumn) = ?"
        selectSQL = "SELECT \(names.joined(separator: ", ")) FROM \(table)"
        let replacements = names.filter { $0 != Record.keyColumn }.map { "\($0) = excluded.\($0)" }
        upsertSQL =
            insertSQL + " ON CONFLICT (\(Record.keyColumn)) DO UPDATE SET " + replacements.joined(separator: ", ")
    }

    /// The names as a SELECT list in table order, each qualified by `table` when given (for a join).
    func selection(of table: String? = nil) -> String {
        names.map { column in table.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }
}

extension ColumnDescribed {
    /// The column names in the order ``init(direct:startingAt:)`` reads them.
    static var columnNames: [String] { columns.names }

    /// The columns as a SELECT list, each qualified by `table` when given (for a join).
    static func selection(of table: String? = nil) -> String { columns.selection(of: table) }

    /// Decodes a GRDB row by column name (GRDB's `FetchableRecord` decoding).
    init(row: Row) throws {
        var reader = NamedColumnReader(record: Self.blank, row: row, names: Self.columns.lookupNames)
        try Self.visitColumns(&reader)
        self = reader.record
    }

    /// Reads a ``Database/queryDirect(_:_:_:)`` row by position from `start`, in the order of ``columnNames``.
    init(direct row: any StatementRow, startingAt start: Int) throws {
        var reader = PositionalColumnReader(record: Self.blank, row: row, index: start)
        try Self.visitColumns(&reader)
        self = reader.record
    }

    /// Encodes every column for GRDB's persistence methods, times as the store's text.
    func encode(to container: inout PersistenceContainer) throws {
        var writer = ContainerWriter(record: self, container: container)
        try Self.visitColumns(&writer)
        container = writer.container
    }

    /// The row whose key is `key`, on either engine.
    static func load(_ db: any StatementRunner, _ key: some DirectStorable) throws -> Self? {
        try loadFirst(db, "WHERE \(keyColumn) = ?", [key.directValue])
    }

    /// The first row `clause` (what follows `FROM table`: WHERE, ORDER BY, LIMIT) selects.
    static func loadFirst(_ db: any StatementRunner, _ clause: String, _ values: [DirectValue] = []) throws -> Self? {
        try db.queryFirst(columns.selectSQL + " " + clause, values) { try Self(direct: $0, startingAt: 0) }
    }

    /// Every row `clause` selects, in its order; `varying` when the clause's text depends on the request
    /// (see ``StatementRunner/queryVarying(_:_:_:)``).
    static func loadAll(
        _ db: any StatementRunner, _ clause: String = "", _ values: [DirectValue] = [], varying: Bool = false
    ) throws -> [Self] {
        var all: [Self] = []
        let sql = columns.selectSQL + " " + clause
        let read: (any StatementRow) throws -> Void = { all.append(try Self(direct: $0, startingAt: 0)) }
        try varying ? db.queryVarying(sql, values, read) : db.query(sql, values, read)
        return all
    }

    /// Inserts through a statement prepared once per connection.
    func insertRow(_ db: any StatementRunner) throws {
        var values = ColumnValues(record: self, key: Self.keyColumn, keepingKey: true)
        try Self.visitColumns(&values)
        try db.write(Self.columns.insertSQL, values.values, row: Self.row(values.keyValue))
    }

    /// Deletes the row with this record's key.
    func deleteRow(_ db: any StatementRunner) throws {
        var values = ColumnValues(record: self, key: Self.keyColumn)
        try Self.visitColumns(&values)
        try db.write(
            "DELETE FROM \(Self.databaseTableName) WHERE \(Self.keyColumn) = ?", [values.keyValue],
            row: Self.row(values.keyValue))
    }

    /// Inserts the row, or replaces every column of the row with its key.
    func upsertRow(_ db: any StatementRunner) throws {
        var values = ColumnValues(record: self, key: Self.keyColumn, keepingKey: true)
        try Self.visitColumns(&values)
        try db.write(Self.columns.upsertSQL, values.values, row: Self.row(values.keyValue))
    }

    /// The row of this table with `key`, for ``StatementRunner/write(_:_:row:)``.
    static func row(_ key: DirectValue) -> RowKey { RowKey(databaseTableName, key) }

    /// Writes back the columns that differ from `original`, or every column without one. SQLite maintains
    /// every index and checks every foreign key that covers a column named in SET, changed or not: writing
    /// all 17 columns to move a redeemed session to `inProgress` rewrote seven index entries and looked up
    /// two parent rows. Each distinct SET list is its own cached statement; the use cases make a handful.
    func updateRow(_ db: any StatementRunner, from original: Self? = nil) throws {
        guard let original else { return try updateAllColumns(db) }
        var changes = ChangedColumns(record: self, original: original, key: Self.keyColumn)
        try Self.visitColumns(&changes)
        guard !changes.isKeyChanged else { return try updateAllColumns(db) }
        guard !changes.names.isEmpty else { return }
        let assignments = changes.names.map { "\($0) = ?" }.joined(separator: ", ")
        try db.write(
            "UPDATE \(Self.databaseTableName) SET \(assignments) WHERE \(Self.keyColumn) = ?",
            changes.values + [changes.keyValue], row: Self.row(changes.keyValue))
    }

    /// Writes every column but the key back through a statement prepared once per connection.
    private func updateAllColumns(_ db: any StatementRunner) throws {
        var values = ColumnValues(record: self, key: Self.keyColumn)
        try Self.visitColumns(&values)
        try db.write(Self.columns.updateSQL, values.values + [values.keyValue], row: Self.row(values.keyValue))
    }
}

/// Collects the column names.
private struct ColumnNames<Record>: ColumnVisitor {
    var names: [String] = []

    @inline(__always)
    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) {
        names.append(name)
    }
}

/// Fills a record from a GRDB row, column by column, by lower-cased name.
private struct NamedColumnReader<Record>: ColumnVisitor {
    var record: Record
    let row: Row
    let names: [String]
    var index = 0

    @inline(__always)
    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) throws {
        record[keyPath: property] = try Value.read(row, column: names[index])
        index += 1
    }
}

/// Fills a record from a direct row, column by column, by position.
private struct PositionalColumnReader<Record>: ColumnVisitor {
    var record: Record
    let row: any StatementRow
    var index: Int

    @inline(__always)
    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) throws {
        record[keyPath: property] = try Value.read(row, at: index)
        index += 1
    }
}

/// Puts every column of a record into a GRDB persistence container.
private struct ContainerWriter<Record>: ColumnVisitor {
    let record: Record
    var container: PersistenceContainer

    @inline(__always)
    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) {
        container[name] = record[keyPath: property].directValue.databaseValue
    }
}

/// The values to bind, in column order; with a `key`, that column's value is kept apart for a WHERE clause.
private struct ColumnValues<Record>: ColumnVisitor {
    let record: Record
    let key: String
    /// Whether the key's value is also among ``values``, in its column's place (an INSERT's), or only in
    /// ``keyValue`` (an UPDATE's WHERE).
    let keepingKey: Bool
    var values: [DirectValue] = []
    var keyValue = DirectValue.null

    init(record: Record, key: String, keepingKey: Bool = false) {
        self.record = record
        self.key = key
        self.keepingKey = keepingKey
        values.reserveCapacity(24)
    }

    @inline(__always)
    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) {
        let value = record[keyPath: property].directValue
        if name == key {
            keyValue = value
            if !keepingKey { return }
        }
        values.append(value)
    }
}

/// The columns in which `record` differs from `original`, and the key to write them under.
private struct ChangedColumns<Record>: ColumnVisitor {
    let record: Record
    let original: Record
    let key: String
    var names: [String] = []
    var values: [DirectValue] = []
    var keyValue = DirectValue.null
    var isKeyChanged = false

    @inline(__always)
    mutating func visit<Value: ColumnValue>(_ name: String, _ property: WritableKeyPath<Record, Value>) {
        let value = record[keyPath: property]
        let changed = value != original[keyPath: property]
        if name == key {
            keyValue = value.directValue
            isKeyChanged = changed
        } else if changed {
            names.append(name)
            values.append(value.directValue)
        }
    }
}

extension DirectValue {
    /// The same storage as GRDB's value.
    var databaseValue: DatabaseValue {
        switch self {
        case .text(let text): text.databaseValue
        case .date(let date): UTCTime.text(date).databaseValue
        case .integer(let number): number.databaseValue
        case .bool(let flag): (flag ? 1 : 0).databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        case .null: .null
        }
    }
}
