import Foundation
import GRDB
import Logging
import PostgresNIO
import TapStorage
import TapTestSupport
import Testing

@testable import TapPostgres

/// The PostgreSQL schema against a real server (Debian's `postgresql`, started by the tests): the same
/// migrations by name as SQLite's, the same tables, columns, types, nullability and named indexes; migrating
/// twice or from several instances at once; and a database a newer TapStation migrated refused.
@Suite("PostgreSQL schema")
struct PostgresSchemaTests {
    static let logger = Logger(label: "test")

    static func settings(_ url: String) throws -> PostgresSettings {
        try PostgresSettings.parse(url: url, passwordFile: nil)
    }

    @Test func theMigrationsAreSQLitesByName() {
        #expect(PostgresMigrations.identifiers == EnrollmentStore.migrationIdentifiers)
    }

    @Test func theTwoSchemasSayTheSameThing() async throws {
        let url = try TestPostgres.shared().newDatabase()
        let postgres = try await PostgresConnector.withClient(try Self.settings(url), logger: Self.logger) { client in
            try await PostgresMigrations.migrate(client, logger: Self.logger)
            return try await Self.schema(client)
        }
        let sqlite = try Self.sqliteSchema()
        #expect(Set(postgres.columns.keys) == Set(sqlite.columns.keys))
        for (table, columns) in sqlite.columns {
            #expect(postgres.columns[table] == columns, "table \(table)")
        }
        #expect(postgres.indexes == sqlite.indexes)
    }

    @Test func migratingAgainOrFromSeveralInstancesAtOnceDoesItOnce() async throws {
        let url = try TestPostgres.shared().newDatabase()
        let settings = try Self.settings(url)
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await PostgresConnector.withClient(settings, logger: Self.logger) { client in
                        try await PostgresMigrations.migrate(client, logger: Self.logger)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty } == [PostgresMigrations.identifiers])
        try await PostgresConnector.withClient(settings, logger: Self.logger) { client in
            #expect(try await PostgresMigrations.migrate(client, logger: Self.logger).isEmpty)
            try await PostgresMigrations.check(client, logger: Self.logger)
        }
    }

    @Test func aDatabaseANewerVersionMigratedOrNoneMigratedIsRefused() async throws {
        let url = try TestPostgres.shared().newDatabase()
        try await PostgresConnector.withClient(try Self.settings(url), logger: Self.logger) { client in
            await #expect(throws: PostgresSchemaError.notMigrated(PostgresMigrations.identifiers[0])) {
                try await PostgresMigrations.check(client, logger: Self.logger)
            }
            try await PostgresMigrations.migrate(client, logger: Self.logger)
            try await client.query("INSERT INTO tapstationMigration (identifier) VALUES ('2099-01-01 from the future')")
            await #expect(throws: PostgresSchemaError.newer("2099-01-01 from the future")) {
                try await PostgresMigrations.check(client, logger: Self.logger)
            }
            await #expect(throws: PostgresSchemaError.newer("2099-01-01 from the future")) {
                try await PostgresMigrations.migrate(client, logger: Self.logger)
            }
        }
    }

    @Test func auditEventsCannotBeChangedOrDeletedAheadOfTheCheckpoint() async throws {
        let url = try TestPostgres.shared().newDatabase()
        try await PostgresConnector.withClient(try Self.settings(url), logger: Self.logger) { client in
            try await PostgresMigrations.migrate(client, logger: Self.logger)
            try await client.query(
                """
                INSERT INTO auditEvent (seq, time, type, actor, data, mac) VALUES (1, now(), 'policy.changed', 'system', '{}', '\\x00')
                """)
            await #expect(throws: (any Error).self) { try await client.query("UPDATE auditEvent SET actor = 'x'") }
            await #expect(throws: (any Error).self) { try await client.query("DELETE FROM auditEvent") }
            try await client.query(
                "INSERT INTO auditCheckpoint VALUES (1, 1, '\\x00', '\\x00', 1, now())")
            try await client.query("DELETE FROM auditEvent WHERE seq = 1")
        }
    }

    // MARK: Reading the two schemas

    struct Schema: Equatable {
        /// Table → column → "type null|not null", names in lower case (PostgreSQL folds unquoted ones).
        var columns: [String: [String: String]] = [:]
        /// Named indexes (not those behind a primary key or UNIQUE constraint): name → "unique? columns".
        var indexes: [String: String] = [:]
    }

    static func schema(_ client: PostgresClient) async throws -> Schema {
        var schema = Schema()
        let columns = try await client.query(
            """
            SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> 'tapstationmigration'
            """)
        for try await (table, column, type, nullable) in columns.decode((String, String, String, String).self) {
            schema.columns[table, default: [:]][column] = "\(type) \(nullable == "YES" ? "null" : "not null")"
        }
        let indexes = try await client.query(
            """
            SELECT i.relname, x.indisunique,
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                                         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',')
            FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
            WHERE t.relnamespace = 'public'::regnamespace AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """)
        for try await (name, unique, columns) in indexes.decode((String, Bool, String).self) {
            schema.indexes[name] = "\(unique ? "unique " : "")\(columns)"
        }
        return schema
    }

    /// SQLite's schema as the store's own migrations leave it, in PostgreSQL's words.
    static func sqliteSchema() throws -> Schema {
        let directory = temporaryDirectory("schema")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tapstation.sqlite").path
        _ = try EnrollmentStore(path: path, world: testWorld(clock: TestClock()), keyring: testKeyring())
        let queue = try DatabaseQueue(path: path)
        let types = [
            "TEXT": "text", "BLOB": "bytea", "DATETIME": "timestamp with time zone", "INTEGER": "bigint",
            "BOOLEAN": "boolean",
        ]
        return try queue.read { db in
            var schema = Schema()
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table'
                    AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                    """)
            for table in tables {
                for column in try db.columns(in: table) {
                    let notNull = column.isNotNull || column.primaryKeyIndex > 0
                    schema.columns[table.lowercased(), default: [:]][column.name.lowercased()] =
                        "\(types[column.type.uppercased()] ?? column.type) \(notNull ? "not null" : "null")"
                }
                for index in try db.indexes(on: table) where !index.name.hasPrefix("sqlite_autoindex") {
                    schema.indexes[index.name.lowercased()] =
                        "\(index.isUnique ? "unique " : "")\(index.columns.map { $0.lowercased() }.joined(separator: ","))"
                }
            }
            return schema
        }
    }
}
