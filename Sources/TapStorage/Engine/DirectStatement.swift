import Foundation
import GRDB
import GRDBSQLite
import TapCore

/// A value for one parameter of a statement, on either engine. Times and booleans keep their kind here so that
/// each engine stores them its own way: SQLite as ``UTCTime/text(_:)`` and 0 or 1 (GRDB's storage),
/// PostgreSQL as `timestamptz` and `boolean`.
package enum DirectValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case blob([UInt8])
    case date(Date)
    case bool(Bool)
    case null
}

/// A Swift value as a statement binds it.
package protocol DirectStorable {
    var directValue: DirectValue { get }
}

extension String: DirectStorable { package var directValue: DirectValue { .text(self) } }
extension Int: DirectStorable { package var directValue: DirectValue { .integer(Int64(self)) } }
extension Int64: DirectStorable { package var directValue: DirectValue { .integer(self) } }
extension Bool: DirectStorable { package var directValue: DirectValue { .bool(self) } }
extension Data: DirectStorable { package var directValue: DirectValue { .blob(Array(self)) } }
extension Date: DirectStorable { package var directValue: DirectValue { .date(self) } }
extension Optional: DirectStorable where Wrapped: DirectStorable {
    package var directValue: DirectValue { map(\.directValue) ?? .null }
}

extension Database {
    /// Runs a cached data-changing statement (INSERT, UPDATE, DELETE, SAVEPOINT, RELEASE) straight through
    /// SQLite's C API: typed values bound in place, one step, a reset.
    ///
    /// The statements every write use case runs (its savepoint, the audit event, row updates) went through
    /// GRDB's general path: arguments boxed as existentials, per-statement observation and scheduling
    /// checks. No transaction observer here watches row changes (see `AuditCommitObserver`), so GRDB needs
    /// to see none of these; statements that begin or end a transaction must still go through GRDB, which
    /// tracks them.
    func executeDirect(_ sql: String, _ values: [DirectValue] = []) throws {
        let handle = try boundDirect(sql, values)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw directError(code, handle) }
    }

    /// Runs a cached SELECT the same way and hands each row to `row`, read by column position. For the
    /// reads on the writer's hot path (redeem's candidates, the audit chain's tail): GRDB's cursors named
    /// every column of the statement in new Swift strings before the first row.
    func queryDirect(_ sql: String, _ values: [DirectValue] = [], _ row: (DirectRow) throws -> Void) throws {
        try queryDirect(cachedStatement(sql: sql), values, row)
    }

    /// The same over a statement the caller prepared, such as a ``varyingStatement(sql:)`` for a read whose
    /// text depends on the request (a page of sessions).
    func queryDirect(_ statement: Statement, _ values: [DirectValue], _ row: (DirectRow) throws -> Void) throws {
        let handle = try bound(statement, values)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw directError(code, handle) }
            try row(DirectRow(handle: handle))
        }
    }

    /// The cached statement for `sql`, reset, with `values` bound.
    private func boundDirect(_ sql: String, _ values: [DirectValue]) throws -> OpaquePointer {
        try bound(cachedStatement(sql: sql), values)
    }

    /// `statement`, reset, with `values` bound.
    private func bound(_ statement: Statement, _ values: [DirectValue]) throws -> OpaquePointer {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        guard Int(sqlite3_bind_parameter_count(handle)) == values.count else {
            throw DatabaseError(
                resultCode: .SQLITE_RANGE,
                message: "expected \(sqlite3_bind_parameter_count(handle)) values, got \(values.count)",
                sql: sqlText(handle))
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, Self.transient)
            case .date(let date): code = sqlite3_bind_text(handle, index, UTCTime.text(date), -1, Self.transient)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .bool(let flag): code = sqlite3_bind_int64(handle, index, flag ? 1 : 0)
            case .blob(let bytes):
                code = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient)
                }
            case .null: code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw directError(code, handle) }
        }
        return handle
    }

    private func directError(_ code: Int32, _ handle: OpaquePointer) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)),
            sql: sqlText(handle))
    }

    /// SQLite copies bound text and blobs (SQLITE_TRANSIENT), so Swift's buffers may go right after binding.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// The current row of a ``Database/queryDirect(_:_:_:)`` statement, valid only inside its closure. Reads
/// as GRDB would decode the same column: a NULL where a value must be is a corrupt row, not a default.
package struct DirectRow: StatementRow {
    fileprivate let handle: OpaquePointer

    /// The statement's text, for error messages only: GRDB's `Statement.sql` makes and trims a new string on
    /// every call, which per row of a page of 50 sessions tripled the page's time.
    private var sql: String { sqlText(handle) }

    package func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    package func text(_ index: Int) throws -> String {
        guard !isNull(index), let bytes = sqlite3_column_text(handle, Int32(index)) else {
            throw missing(index, "text")
        }
        return String(
            decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, Int32(index)))),
            as: UTF8.self)
    }

    /// Whether the column holds exactly `other`'s UTF-8, compared where SQLite keeps it (no String made).
    package func text(_ index: Int, equals other: String) -> Bool {
        guard !isNull(index), let bytes = sqlite3_column_text(handle, Int32(index)) else { return false }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        var other = other
        return other.withUTF8 { $0.count == count && ($0.isEmpty || memcmp($0.baseAddress!, bytes, count) == 0) }
    }

    package func integer(_ index: Int) throws -> Int {
        guard !isNull(index) else { throw missing(index, "integer") }
        return Int(sqlite3_column_int64(handle, Int32(index)))
    }

    package func bool(_ index: Int) throws -> Bool {
        try integer(index) != 0
    }

    package func blob(_ index: Int) throws -> Data {
        guard !isNull(index) else { throw missing(index, "blob") }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        guard count > 0, let bytes = sqlite3_column_blob(handle, Int32(index)) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// A stored time, read as ``storedTime(_:_:)`` reads it.
    package func date(_ index: Int) throws -> Date {
        guard !isNull(index) else { throw missing(index, "time") }
        guard let date = storedTime(handle, Int32(index)) else {
            throw StorageError.corruptRow("column \(index) of \(sql) is not a time")
        }
        return date
    }

    private func missing(_ index: Int, _ kind: String) -> StorageError {
        .corruptRow("column \(index) of \(sql) holds no \(kind)")
    }
}

/// The SQL text `handle` was prepared from.
private func sqlText(_ handle: OpaquePointer) -> String {
    String(cString: sqlite3_sql(handle))
}
