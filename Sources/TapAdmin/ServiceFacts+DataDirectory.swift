import Foundation
import TapCore
import TapGraph
import TapHTTP
import TapPostgres

/// The facts the console's service page shows, read from the data directory, the database settings and the Entra
/// settings.
extension ServiceFacts {
    /// TapStation's version, as `tapstation --version` says it.
    static let tapStationVersion = "0.9.0"

    init(dataDirectory: DataDirectory, postgres: PostgresSettings? = nil, entra: EntraSettings?) {
        var authority = [Fact("Mode", "local: TapStation mints the passes")]
        if let entra {
            authority = [
                Fact("Mode", "Entra: passes are Entra ID Temporary Access Passes, made through Microsoft Graph"),
                Fact("Tenant", entra.graph.tenant), Fact("Credential", entra.graph.credential.description),
                Fact("Completion", entra.rule.rawValue),
            ]
            if case .certificate(_, let certificate) = entra.graph.credential, let end = certificate.notAfter {
                authority.append(Fact("Certificate expires", UTCTime.text(end)))
            }
        }
        self.init(
            version: Self.tapStationVersion, auditAnchor: { try dataDirectory.readAuditAnchor() },
            storageFiles: {
                // On PostgreSQL the files are the database server's; where it is is the fact here.
                if let postgres { return [Fact("Database", postgres.description)] }
                return [dataDirectory.databasePath, dataDirectory.databasePath + "-wal"].map { path in
                    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber) ?? 0
                    return Fact((path as NSString).lastPathComponent, Self.size(size.int64Value))
                }
            },
            lastBackup: { dataDirectory.readLastBackup() },
            backupsElsewhere: postgres.map { _ in
                "PostgreSQL's own tools: pg_dump, or pg_basebackup with WAL archiving (docs/postgres.md)"
            },
            passAuthority: authority)
    }
}

extension ServiceFacts {
    /// A file size for people: "3.2 MiB (3,355,443 bytes)".
    static func size(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = -1
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        // Thousands grouped by hand: the formatter's grouping depends on the host's locale data.
        var exact = ""
        for (index, digit) in String(bytes).reversed().enumerated() {
            if index > 0, index % 3 == 0 { exact.insert(",", at: exact.startIndex) }
            exact.insert(digit, at: exact.startIndex)
        }
        guard unit >= 0 else { return "\(exact) bytes" }
        return String(format: "%.1f %@ (%@ bytes)", value, units[unit], exact)
    }
}

extension DataDirectory {
    /// Where `tapstation backup` notes when it last wrote a good backup (a UTC time on one line).
    var lastBackupPath: String { (path as NSString).appendingPathComponent("last-backup") }

    func readLastBackup() -> Date? {
        guard let text = try? String(contentsOfFile: lastBackupPath, encoding: .utf8) else { return nil }
        return UTCTime.parse(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Best effort: a backup that was written is not undone because the note could not be.
    func noteBackup(at time: Date) {
        try? (UTCTime.text(time) + "\n").write(toFile: lastBackupPath, atomically: true, encoding: .utf8)
    }
}
