import Foundation
import GRDB
import GRDBSQLite
import TapCore

/// A value for one parameter of a ``Database/executeDirect(_:_:)`` statement.
enum DirectValue {
    case text(String)
    case integer(Int64)
    case blob([UInt8])
    case null
}

/// A Swift value as ``Database/executeDirect(_:_:)`` binds it: the same storage GRDB gives it (times as
/// ``UTCTime/text(_:)``, booleans as 0 and 1).
protocol DirectStorable {
    var directValue: DirectValue { get }
}

extension String: DirectStorable { var directValue: DirectValue { .text(self) } }
extension Int: DirectStorable { var directValue: DirectValue { .integer(Int64(self)) } }
extension Int64: DirectStorable { var directValue: DirectValue { .integer(self) } }
extension Bool: DirectStorable { var directValue: DirectValue { .integer(self ? 1 : 0) } }
extension Data: DirectStorable { var directValue: DirectValue { .blob(Array(self)) } }
extension Date: DirectStorable { var directValue: DirectValue { .text(UTCTime.text(self)) } }
extension Optional: DirectStorable where Wrapped: DirectStorable {
    var directValue: DirectValue { map(\.directValue) ?? .null }
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
        let statement = try cachedStatement(sql: sql)
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        guard Int(sqlite3_bind_parameter_count(handle)) == values.count else {
            throw DatabaseError(resultCode: .SQLITE_RANGE, message: "expected \(sqlite3_bind_parameter_count(handle)) values, got \(values.count)", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, Self.transient)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
            case .null: code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw directError(code, sql) }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw directError(code, sql) }
    }

    private func directError(_ code: Int32, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }

    /// SQLite copies bound text and blobs (SQLITE_TRANSIENT), so Swift's buffers may go right after binding.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
