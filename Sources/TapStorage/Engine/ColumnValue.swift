import Foundation
import GRDB
import GRDBSQLite
import TapCore

/// A Swift type one column of a described record holds, read and bound as the store stores it.
protocol ColumnValue: DirectStorable, Equatable, Sendable {
    /// The value in column `index` of a row read by position.
    static func read(_ row: any StatementRow, at index: Int) throws -> Self
    /// The value in `column` (lower-cased) of a GRDB row.
    static func read(_ row: Row, column: String) throws -> Self
}

/// A column value that is never NULL; an `Optional` of one is a nullable column.
protocol RequiredColumnValue: ColumnValue {
    /// The value in `column` of a GRDB row, `nil` for NULL.
    static func readIfPresent(_ row: Row, column: String) throws -> Self?
}

extension RequiredColumnValue where Self: DatabaseValueConvertible & StatementColumnConvertible {
    static func read(_ row: Row, column: String) throws -> Self { try row.decode(Self.self, forColumn: column) }
    static func readIfPresent(_ row: Row, column: String) throws -> Self? {
        try row.decode(Self?.self, forColumn: column)
    }
}

extension String: RequiredColumnValue {
    static func read(_ row: any StatementRow, at index: Int) throws -> String { try row.text(index) }
}

extension Int: RequiredColumnValue {
    static func read(_ row: any StatementRow, at index: Int) throws -> Int { try row.integer(index) }
}

extension Int64: RequiredColumnValue {
    static func read(_ row: any StatementRow, at index: Int) throws -> Int64 { Int64(try row.integer(index)) }
}

extension Bool: RequiredColumnValue {
    static func read(_ row: any StatementRow, at index: Int) throws -> Bool { try row.bool(index) }
}

extension Data: RequiredColumnValue {
    static func read(_ row: any StatementRow, at index: Int) throws -> Data { try row.blob(index) }
}

extension Date: RequiredColumnValue {
    static func read(_ row: any StatementRow, at index: Int) throws -> Date { try row.date(index) }
    static func read(_ row: Row, column: String) throws -> Date { try row.storedDate(column) }
    static func readIfPresent(_ row: Row, column: String) throws -> Date? { try row.storedOptionalDate(column) }
}

extension Optional: ColumnValue where Wrapped: RequiredColumnValue {
    static func read(_ row: any StatementRow, at index: Int) throws -> Wrapped? {
        row.isNull(index) ? nil : try Wrapped.read(row, at: index)
    }

    static func read(_ row: Row, column: String) throws -> Wrapped? { try Wrapped.readIfPresent(row, column: column) }
}

extension Row {
    /// A stored time, read with ``UTCTime/parse(utf8:)`` from SQLite's own text when it is the store's text
    /// (it always is for rows TapStorage wrote) and with GRDB's general reading otherwise. GRDB's reading goes
    /// through Foundation's calendar for every date column, a visible share of decoding a session row.
    func storedDate(_ column: String) throws -> Date {
        guard let date = try storedOptionalDate(column) else { throw StorageError.corruptRow("\(column) is empty") }
        return date
    }

    /// A stored time as ``storedDate(_:)`` reads it, `nil` for NULL.
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
        if case .string(let text) = value.storage, let date = UTCTime.parse(text) {
            return StoredTimeColumn(date: date)
        }
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
