import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema as named, append-only migrations with the same identifiers as SQLite's, so that one
/// list of names says which schema a database of either engine has.
public enum PostgresMigrations {
    /// One migration: SQL in PostgreSQL's dialect under SQLite's identifier.
    struct Migration: Sendable {
        let identifier: String
        let sql: String

        init(_ identifier: String, _ sql: String) {
            self.identifier = identifier
            self.sql = sql
        }
    }

    static let all = initialSchema + laterMigrations

    /// Every identifier, oldest first.
    public static var identifiers: [String] { all.map(\.identifier) }

    /// Brings the database up to this build's schema; returns the identifiers applied. Several instances may
    /// start at once: a session-level advisory lock lets one migrate while the others wait, and they then find
    /// nothing to do. Each migration commits with its record, so a failure leaves the last good schema.
    @discardableResult
    public static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                let applied = try await migrateLocked(connection, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
        }
    }

    /// Refuses a database that is not exactly this build's schema, for an instance about to start on it: one a
    /// newer TapStation migrated (an older version is not started on it; docs/postgres.md, "A rolling upgrade"), or one
    /// not migrated yet (run `tapstation migrate`).
    public static func check(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withConnection { connection in
            let applied = try await appliedIdentifiers(connection, logger: logger)
            if let unknown = applied.first(where: { !identifiers.contains($0) }) {
                throw PostgresSchemaError.newer(unknown)
            }
            if let missing = identifiers.first(where: { !applied.contains($0) }) {
                throw PostgresSchemaError.notMigrated(missing)
            }
        }
    }

    /// A fixed key for the migration lock (any 64-bit number unlikely to be another application's).
    static let lockKey: Int64 = 0x7461_7073_7461_7431  // "tapstat1"

    private static func migrateLocked(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS tapstationMigration (
                identifier text PRIMARY KEY, appliedAt timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        let applied = try await appliedIdentifiers(connection, logger: logger)
        if let unknown = applied.first(where: { !identifiers.contains($0) }) {
            throw PostgresSchemaError.newer(unknown)
        }
        var done: [String] = []
        for migration in all where !applied.contains(migration.identifier) {
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in statements(of: migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO tapstationMigration (identifier) VALUES (\(migration.identifier))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw PostgresSchemaError.failed(migration.identifier, String(reflecting: error))
            }
            logger.info("storage.migrated", metadata: ["migration": "\(migration.identifier)"])
            done.append(migration.identifier)
        }
        return done
    }

    /// A migration's statements, split at each `;` outside a quoted string or a `$$` body (the extended
    /// protocol takes one statement at a time).
    static func statements(of sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inString = false
        var inBody = false
        var previous: Character = " "
        for character in sql {
            if character == "'" && !inBody { inString.toggle() }
            if character == "$" && previous == "$" && !inString { inBody.toggle() }
            if character == ";" && !inString && !inBody {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                current.append(character)
            }
            previous = character == "$" && previous == "$" ? " " : character
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }

    private static func appliedIdentifiers(_ connection: PostgresConnection, logger: Logger) async throws -> Set<String>
    {
        let exists =
            try await connection.query(
                "SELECT to_regclass('tapstationMigration') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        var applied: Set<String> = []
        for try await identifier in try await connection.query(
            "SELECT identifier FROM tapstationMigration", logger: logger
        ).decode(String.self) {
            applied.insert(identifier)
        }
        return applied
    }
}

/// Why a database's schema cannot be used as it is.
public enum PostgresSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A newer TapStation migrated it.
    case newer(String)
    /// This build's migration has not run yet.
    case notMigrated(String)
    /// A migration failed and was rolled back.
    case failed(String, String)

    public var description: String {
        switch self {
        case .newer(let identifier):
            "the database has migration \"\(identifier)\", which this TapStation does not know: a newer version "
                + "migrated it. Run the newer version (docs/postgres.md, \"A rolling upgrade\")"
        case .notMigrated(let identifier):
            "the database lacks migration \"\(identifier)\": run `tapstation migrate` with this version first"
        case .failed(let identifier, let error):
            "migration \"\(identifier)\" failed and was rolled back: \(error)"
        }
    }
}
