import Foundation
import GRDB
import TapCore

/// The FIDO metadata BLOB in force: one row, replaced only by a BLOB with a greater number.
extension EnrollmentStore: MetadataStore {
    public func acceptedMetadata() async throws -> StoredMetadata? {
        try await pool().read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT number, nextUpdate, entries, importedAt, blob FROM fidoMetadata WHERE id = 1")
            else { return nil }
            return StoredMetadata(
                summary: MetadataSummary(number: row[0], nextUpdate: row[1], entries: row[2]), importedAt: row[3],
                blob: Array(row[4] as Data))
        }
    }

    public func metadataInForce() async throws -> (summary: MetadataSummary, importedAt: Date)? {
        try await pool().read { db in try Self.metadataSummary(db) }
    }

    /// The row's figures, without the BLOB; the service page and `/metrics` read these.
    static func metadataSummary(_ db: Database) throws -> (summary: MetadataSummary, importedAt: Date)? {
        try Row.fetchOne(db, sql: "SELECT number, nextUpdate, entries, importedAt FROM fidoMetadata WHERE id = 1")
            .map { row in (MetadataSummary(number: row[0], nextUpdate: row[1], entries: row[2]), row[3]) }
    }

    public func acceptMetadata(
        _ blob: [UInt8], summary: MetadataSummary, source: String, by actor: String
    ) async throws -> Bool {
        try await write { db in
            if let current = try Int.fetchOne(db, sql: "SELECT number FROM fidoMetadata WHERE id = 1"),
                current >= summary.number
            {
                return false
            }
            try db.execute(
                sql: """
                    INSERT INTO fidoMetadata (id, number, nextUpdate, entries, importedAt, blob) VALUES (1, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET number = excluded.number, nextUpdate = excluded.nextUpdate,
                        entries = excluded.entries, importedAt = excluded.importedAt, blob = excluded.blob
                    """,
                arguments: [summary.number, summary.nextUpdate, summary.entries, world.currentSecond(), Data(blob)])
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
        try await write { db in
            _ = try appendAudit(
                db, .metadataRefused, session: nil, actor: actor,
                data: [
                    "reason": .string(reason), "detail": .string(String(detail.prefix(500))),
                    "source": .string(source),
                ])
        }
    }
}
