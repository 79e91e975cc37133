import GRDB

extension Migrations {
    /// What several instances on one database share (issue 25); SQLite has the same tables, so that one schema
    /// and one set of use cases serve both engines.
    static func registerInstanceMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-12-07 job leases") { db in
            // Which instance runs each singleton job (the sweeper, webhook delivery, the Entra watcher) until when.
            try db.execute(
                sql: """
                    CREATE TABLE jobLease (
                        job TEXT PRIMARY KEY NOT NULL,
                        holder TEXT NOT NULL,
                        expiresAt DATETIME NOT NULL
                    );
                    """)
        }
    }
}
