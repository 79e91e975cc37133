import Foundation
import GRDB
import TapCore

/// What a backup file holds, read before anything is restored from it.
public struct BackupInspection: Sendable {
    /// `PRAGMA integrity_check` said ok.
    public var isIntact: Bool
    /// The server secret file's text, when the backup was made with it.
    public var secretFileText: String?
    /// The data directory's audit anchor when the backup was made, so that a backup whose chain was since
    /// emptied or cut back is refused at restore.
    public var auditAnchor: AuditAnchor?
    /// Migrations the backup has that this build does not know (a newer version made it).
    public var unknownMigrations: [String]
}

extension EnrollmentStore {
    /// Copies the live database to `path` with SQLite's online backup API: a consistent snapshot while the
    /// service keeps running. With `secretFileText`, the server secret travels inside the copy (table
    /// `backupSecret`), which makes the copy itself a secret; the file is created mode 0600 either way. The
    /// audit anchor travels inside too (table `backupAuditAnchor`).
    public func backup(to path: String, secretFileText: String?, auditAnchor: AuditAnchor? = nil) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw StorageError.backupTargetExists(path: path) }
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StorageError.backupTargetExists(path: path)
        }
        let destination = try DatabaseQueue(path: path)
        try pool().backup(to: destination)
        try destination.write { db in
            if let secretFileText {
                try db.execute(sql: "CREATE TABLE backupSecret (fileText TEXT NOT NULL)")
                try db.execute(sql: "INSERT INTO backupSecret (fileText) VALUES (?)", arguments: [secretFileText])
            }
            if let auditAnchor {
                try db.execute(sql: "CREATE TABLE backupAuditAnchor (fileText TEXT NOT NULL)")
                try db.execute(
                    sql: "INSERT INTO backupAuditAnchor (fileText) VALUES (?)", arguments: [auditAnchor.fileText])
            }
        }
        // A backup is one self-contained file: fold the WAL in and leave rollback-journal mode.
        try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try destination.close()
    }

    /// Reads a backup file without changing it.
    public static func inspectBackup(at path: String) throws -> BackupInspection {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let hasSecret = try db.tableExists("backupSecret")
            let anchorText =
                try db.tableExists("backupAuditAnchor")
                ? try String.fetchOne(db, sql: "SELECT fileText FROM backupAuditAnchor") : nil
            return BackupInspection(
                isIntact: integrity == ["ok"],
                secretFileText: hasSecret ? try String.fetchOne(db, sql: "SELECT fileText FROM backupSecret") : nil,
                auditAnchor: anchorText.flatMap(AuditAnchor.init(fileText:)),
                unknownMigrations: try Migrations.appliedButUnknown(db))
        }
    }

    /// Removes the secret and the anchor a backup carried, once it is about to become a live database again.
    public func removeBackupSecret() async throws {
        try await pool().write { db in
            try db.execute(sql: "DROP TABLE IF EXISTS backupSecret")
            try db.execute(sql: "DROP TABLE IF EXISTS backupAuditAnchor")
        }
    }

    /// Folds the WAL into the database file and closes it, so that the file alone can be moved.
    public func close() throws {
        try embeddedEngine().checkpointer.stop()
        try pool().writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try pool().close()
    }
}

extension EnrollmentStore {
    /// Records that the server secret moved to a new version (the event is MACed with the new one).
    public func recordSecretRotation(from oldVersion: Int, to newVersion: Int) async throws {
        try await perform { db in
            try appendAudit(
                db, .secretRotated, session: nil, actor: "local-cli",
                data: ["fromVersion": .number(Double(oldVersion)), "toVersion": .number(Double(newVersion))])
        }
    }
}
