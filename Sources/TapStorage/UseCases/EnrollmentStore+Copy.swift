import Foundation
import GRDB
import TapCore

/// What `tapstation copy-to-postgres` copied, table by table.
public struct CopyReport: Sendable, Equatable {
    /// Rows copied, by table.
    public var rows: [String: Int]
    /// Audit events in the chain on both sides, each side verified.
    public var auditEvents: Int64
}

/// Why a copy was refused or failed; nothing of it was committed.
public struct CopyError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension EnrollmentStore {
    /// Tables a copy leaves out: the engines' own migration records, and leases, which belong to running
    /// instances.
    static let tablesNotCopied: Set<String> = ["grdb_migrations", "tapstationMigration", "jobLease"]
    /// Tables written in this order first, so that every reference finds its row; the rest follow by name.
    static let tablesReferencedFirst = ["operator", "device", "session", "pass", "webhook"]

    /// Copies this SQLite store, whole, into `target` (a store on PostgreSQL that `tapstation migrate` made and
    /// nothing has written to), in one transaction, with the audit chain as it is: the same events, MACs and
    /// head. Both chains are verified, this one first (a broken chain is not copied) and the copy after, against
    /// `anchor`. Each value is converted to the type the target's column has (SQLite keeps times as text and
    /// booleans as integers).
    public func copy(into target: EnrollmentStore, anchor: AuditAnchor?) async throws -> CopyReport {
        let pool = try pool()
        guard !target.isEmbedded else { throw CopyError("the target must be a PostgreSQL database") }
        guard case .intact(let events) = try await verifyAudit(anchor: anchor) else {
            throw CopyError("this database's audit chain does not verify; run `tapstation audit verify` first")
        }
        let tables = try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        }.filter { !Self.tablesNotCopied.contains($0) }
        let ordered =
            Self.tablesReferencedFirst.filter(tables.contains)
            + tables.filter { !Self.tablesReferencedFirst.contains($0) }.sorted()
        let rows = try await target.engine.writeBulk { runner in
            try Self.copyTables(ordered, from: pool, into: runner)
        }
        guard case .intact(let copied) = try await target.verifyAudit(anchor: anchor), copied == events else {
            throw CopyError(
                "the copy's audit chain does not verify; the target now holds a broken copy: drop and "
                    + "recreate its database before trying again")
        }
        return CopyReport(rows: rows, auditEvents: events)
    }

    /// Inserts every row of `tables` into the target, converting each value to its column's type there.
    private static func copyTables(
        _ tables: [String], from pool: DatabasePool, into runner: any StatementRunner
    ) throws -> [String: Int] {
        var types: [String: [String: String]] = [:]  // table -> column -> PostgreSQL type, all lower-cased
        try runner.query(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'",
            []
        ) { row in types[try row.text(0), default: [:]][try row.text(1)] = try row.text(2) }
        for table in tables {
            guard types[table.lowercased()] != nil else { throw CopyError("the target has no table \(table)") }
            let present = try runner.queryFirst("SELECT COUNT(*) FROM \(table)") { try $0.integer(0) } ?? 0
            // The one row a migration writes (the webhook cursor at 0) gives way to the copied one.
            if table == "webhookCursor" {
                try runner.run("DELETE FROM webhookCursor", [])
            } else if present > 0 {
                throw CopyError("the target is not empty (\(table) has \(present) rows): copy into a new database")
            }
        }
        var copied: [String: Int] = [:]
        for table in tables {
            let columnTypes = types[table.lowercased()]!
            copied[table] = try pool.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \(table) \(orderClause(table))")
                var count = 0
                while let row = try rows.next() {
                    let columns = Array(row.columnNames)
                    let values = try columns.map { column -> DirectValue in
                        guard let type = columnTypes[column.lowercased()] else {
                            throw CopyError("the target's \(table) has no column \(column)")
                        }
                        return try converted(row[column] as DatabaseValue, to: type, at: "\(table).\(column)")
                    }
                    let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
                    try runner.run(
                        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))", values)
                    count += 1
                }
                return count
            }
        }
        return copied
    }

    /// Rows in an order their references hold in: an operator after the operator who created it, events by
    /// their place in the chain.
    private static func orderClause(_ table: String) -> String {
        switch table {
        case "operator": "ORDER BY createdAt, id"
        case "auditEvent": "ORDER BY seq"
        default: ""
        }
    }

    /// A SQLite value as the target column's type wants it.
    private static func converted(_ value: DatabaseValue, to type: String, at place: String) throws -> DirectValue {
        switch (value.storage, type) {
        case (.null, _): return .null
        case (.string(let text), "timestamp with time zone"):
            guard let date = UTCTime.parse(text) else { throw CopyError("\(place) holds \(text), not a time") }
            return .date(date)
        case (.int64(let number), "boolean"): return .bool(number != 0)
        case (.int64(let number), "bigint"), (.int64(let number), "integer"): return .integer(number)
        case (.string(let text), "text"): return .text(text)
        case (.blob(let data), "bytea"): return .blob(Array(data))
        default: throw CopyError("\(place) holds \(value), which a \(type) column cannot take")
        }
    }
}
