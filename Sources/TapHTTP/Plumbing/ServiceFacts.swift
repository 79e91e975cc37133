import Foundation
import TapStorage

/// What the service knows of its installation beyond the store: its version, the audit anchor kept outside the
/// database, the database files, the last backup, and the pass authority's settings. `tapstation serve` fills
/// it from its data directory and settings; the console's service page and chain check read it.
public struct ServiceFacts: Sendable {
    /// A named fact shown on the service page.
    public struct Fact: Sendable, Equatable {
        public var name: String
        public var value: String

        /// Makes a fact.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var version: String
    /// The anchor the chain must still reach (`nil`: none kept, as in tests).
    public var auditAnchor: @Sendable () throws -> AuditAnchor?
    /// The database's files and their sizes in bytes (the file, its WAL).
    public var storageFiles: @Sendable () -> [Fact]
    /// When `tapstation backup` last wrote a backup of this data directory.
    public var lastBackup: @Sendable () -> Date?
    /// Who makes the backups where TapStation does not (PostgreSQL's own tools): said instead of ``lastBackup``.
    public var backupsElsewhere: String?
    /// The pass authority: local, or Entra with its tenant and credential.
    public var passAuthority: [Fact]
    /// In Entra mode, the watcher's latest Graph round (when, and how it went).
    public var lastGraphRound: @Sendable () -> (at: Date, outcome: String)? = { nil }

    /// Makes the facts; the defaults know nothing beyond the store.
    public init(
        version: String = "development", auditAnchor: @escaping @Sendable () throws -> AuditAnchor? = { nil },
        storageFiles: @escaping @Sendable () -> [Fact] = { [] }, lastBackup: @escaping @Sendable () -> Date? = { nil },
        backupsElsewhere: String? = nil, passAuthority: [Fact] = [Fact("Mode", "local: TapStation mints the passes")]
    ) {
        self.version = version
        self.auditAnchor = auditAnchor
        self.storageFiles = storageFiles
        self.lastBackup = lastBackup
        self.backupsElsewhere = backupsElsewhere
        self.passAuthority = passAuthority
    }
}
