import Foundation
import TapTestSupport
import Testing

@testable import TapAdmin

/// `tapstation migrate` and the local commands against a real PostgreSQL named by `TAPSTATION_DATABASE_URL`
/// (scripts/postgres-e2e serves two instances on it).
@Suite("tapstation migrate on PostgreSQL")
struct PostgresMigrateCommandTests {
    @Test func migrateMakesTheSchemaAndTheSecretAndTheCommandsUseTheDatabase() async throws {
        let url = try TestPostgres.shared().newDatabase()
        let directory = temporaryDirectory("pg-migrate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("tapstation.conf").path
        try "TAPSTATION_DATABASE_URL=\(url)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--config", config, "--data-dir", data]) == 0)
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--config", config, "--data-dir", data]) == 0)
        // No SQLite file was made: the database is PostgreSQL's.
        #expect(!FileManager.default.fileExists(atPath: data + "/tapstation.sqlite"))
        // The secret every instance copies, made once.
        #expect(FileManager.default.fileExists(atPath: data + "/server.key"))
        #expect(
            await TapStationCommand.runMain(arguments: [
                "operator", "create", "--name", "admin", "--role", "admin", "--config", config, "--data-dir", data,
            ]) == 0)
        #expect(!FileManager.default.fileExists(atPath: data + "/tapstation.sqlite"))
        #expect(
            await TapStationCommand.runMain(arguments: ["audit", "verify", "--config", config, "--data-dir", data]) == 0
        )
        // The SQLite file's tools refuse to act on a file the service does not use.
        #expect(
            await TapStationCommand.runMain(arguments: [
                "backup", "--to", directory.appendingPathComponent("copy.sqlite").path, "--config", config,
                "--data-dir", data,
            ]) == 2)

        // An instance never migrates: on a database nobody migrated it refuses to start.
        let fresh = directory.appendingPathComponent("fresh.conf").path
        try "TAPSTATION_DATABASE_URL=\(try TestPostgres.shared().newDatabase())\n".write(
            toFile: fresh, atomically: true, encoding: .utf8)
        #expect(await TapStationCommand.runMain(arguments: ["serve", "--config", fresh, "--data-dir", data]) == 2)

        let passwordInURL = directory.appendingPathComponent("bad.conf").path
        try "TAPSTATION_DATABASE_URL=postgres://tapstation:secret@127.0.0.1/x\n".write(
            toFile: passwordInURL, atomically: true, encoding: .utf8)
        #expect(
            await TapStationCommand.runMain(arguments: ["migrate", "--config", passwordInURL, "--data-dir", data]) == 2)
        let nowhere = directory.appendingPathComponent("nowhere.conf").path
        try "TAPSTATION_DATABASE_URL=postgres://tapstation@127.0.0.1:1/x\n".write(
            toFile: nowhere, atomically: true, encoding: .utf8)
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--config", nowhere, "--data-dir", data]) == 2)
    }
}
