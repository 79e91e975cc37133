import ArgumentParser
import Foundation
import TapCore
import TapStorage

/// `tapstation copy-to-postgres`: moves a site from its SQLite data directory onto PostgreSQL (docs/postgres.md
/// "Moving a site over").
struct CopyToPostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-to-postgres",
        abstract:
            "Copy the data directory's SQLite database, audit chain and all, into the new PostgreSQL database TAPSTATION_DATABASE_URL names (stop the service first; run `tapstation migrate` there first)."
    )

    @OptionGroup var local: LocalOptions

    func run() async throws {
        let (settings, dataDirectory) = try local.resolve()
        guard try DatabaseSettings.postgres(settings) != nil else {
            throw ConfigurationError(
                "set TAPSTATION_DATABASE_URL to the PostgreSQL database to copy into, made by `tapstation migrate`")
        }
        // The SQLite file must not change under the copy: the same lock `serve` holds.
        let lock = try dataDirectory.lock(purpose: "copying its database")
        defer { withExtendedLifetime(lock) {} }
        let (source, _) = try dataDirectory.openStore(mode: .existing)
        let target = try await ConfiguredStore.open(
            settings: settings, dataDirectory: dataDirectory, mode: .existing, logger: .localCommand)
        defer { try? target.close() }
        let report: CopyReport
        do {
            report = try await source.copy(into: target.store, anchor: try dataDirectory.readAuditAnchor())
        } catch let error as CopyError {
            throw ConfigurationError(error.description)
        }
        let rows = report.rows.values.reduce(0, +)
        printError(
            "copied \(rows) rows from \(report.rows.count) tables into \(target.location); the audit chain verifies "
                + "on both sides (\(report.auditEvents) events). Start the instances on PostgreSQL (docs/postgres.md)"
        )
    }
}
