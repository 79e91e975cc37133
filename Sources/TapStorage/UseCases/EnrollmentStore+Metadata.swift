import Foundation
import TapCore

/// The FIDO metadata BLOB in force: one row, replaced only by a BLOB with a greater number.
extension EnrollmentStore: MetadataStore {
    public func acceptedMetadata() async throws -> StoredMetadata? {
        try await engine.read { db in
            try db.queryFirst("SELECT number, nextUpdate, entries, importedAt, blob FROM fidoMetadata WHERE id = 1") {
                row in
                StoredMetadata(
                    summary: try Self.metadataSummary(row), importedAt: try row.date(3), blob: Array(try row.blob(4)))
            }
        }
    }

    public func metadataInForce() async throws -> (summary: MetadataSummary, importedAt: Date)? {
        try await engine.read { db in try Self.metadataSummary(db) }
    }

    /// The row's figures, without the BLOB; the service page and `/metrics` read these.
    static func metadataSummary(_ db: any StatementRunner) throws -> (summary: MetadataSummary, importedAt: Date)? {
        try db.queryFirst("SELECT number, nextUpdate, entries, importedAt FROM fidoMetadata WHERE id = 1") { row in
            (try metadataSummary(row), try row.date(3))
        }
    }

    /// The number, next update and entry count in the first three columns of `row`.
    private static func metadataSummary(_ row: any StatementRow) throws -> MetadataSummary {
        MetadataSummary(number: try row.integer(0), nextUpdate: try row.date(1), entries: try row.integer(2))
    }

    public func acceptMetadata(
        _ blob: [UInt8], summary: MetadataSummary, source: String, by actor: String
    ) async throws -> Bool {
        try await perform { db in
            if let current = try db.queryFirst(
                "SELECT number FROM fidoMetadata WHERE id = 1", [], { try $0.integer(0) }),
                current >= summary.number
            {
                return false
            }
            try db.run(
                """
                INSERT INTO fidoMetadata (id, number, nextUpdate, entries, importedAt, blob) VALUES (1, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET number = excluded.number, nextUpdate = excluded.nextUpdate,
                    entries = excluded.entries, importedAt = excluded.importedAt, blob = excluded.blob
                """,
                bind(summary.number, summary.nextUpdate, summary.entries, world.currentSecond(), Data(blob)))
            try appendAudit(
                db, .metadataImported, session: nil, actor: actor,
                data: [
                    "no": .number(Double(summary.number)), "nextUpdate": auditTime(summary.nextUpdate),
                    "entries": .number(Double(summary.entries)), "source": .string(source),
                ])
            return true
        }
    }

    public func refuseMetadata(reason: String, detail: String, source: String, by actor: String) async throws {
        try await perform { db in
            try appendAudit(
                db, .metadataRefused, session: nil, actor: actor,
                data: [
                    "reason": .string(reason), "detail": .string(String(detail.prefix(500))),
                    "source": .string(source),
                ])
        }
    }
}
