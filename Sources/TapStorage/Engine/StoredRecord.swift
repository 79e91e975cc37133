import Foundation
import GRDB
import TapCore

/// What every table's record shares: fast date storage, and lookups by key through cached statements.
///
/// GRDB's defaults build and prepare SQL for each `fetchOne(key:)` and format dates with a shared
/// `DateFormatter`; on the write path of every request both showed up in profiles (bench/README.md).
protocol StoredRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    /// The primary-key column that ``find(_:_:)`` looks up.
    static var keyColumn: String { get }
}

extension StoredRecord {
    static var keyColumn: String { "id" }

    /// Dates are stored as GRDB stores them (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), written without a formatter.
    static var databaseDateEncodingStrategy: DatabaseDateEncodingStrategy {
        .custom { UTCTime.text($0) }
    }

    /// The row with this key, through a statement prepared once per connection.
    static func find(_ db: Database, _ key: some DatabaseValueConvertible) throws -> Self? {
        let statement = try db.cachedStatement(sql: "SELECT * FROM \"\(databaseTableName)\" WHERE \"\(keyColumn)\" = ?")
        return try fetchOne(statement, arguments: [key])
    }

    /// Deletes the row with this key, if there is one, on either engine.
    static func remove(_ db: any StatementRunner, _ key: some DirectStorable) throws {
        try db.write(
            "DELETE FROM \(databaseTableName) WHERE \(keyColumn) = ?", [key.directValue],
            row: RowKey(databaseTableName, key.directValue))
    }

    /// Deletes the row with this key, if there is one.
    static func delete(_ db: Database, _ key: some DatabaseValueConvertible) throws {
        try db.cachedStatement(sql: "DELETE FROM \"\(databaseTableName)\" WHERE \"\(keyColumn)\" = ?").execute(
            arguments: [key])
    }
}

/// A stored WebAuthn challenge of either population (users' keys, operators' passkeys): what
/// `EnrollmentStore.spendChallenge` needs to judge and spend it.
protocol SpendableChallenge: ColumnDescribed {
    var purpose: String { get }
    var expiresAt: Date { get }
    var usedAt: Date? { get set }
}

extension ChallengeRecord: SpendableChallenge {}
extension ConsoleChallengeRecord: SpendableChallenge {}
