import Foundation
import TapTestSupport
import Testing

@testable import TapAdmin

/// `tapstation migrate` against a real PostgreSQL named by `TAPSTATION_DATABASE_URL`, and `serve` refusing it
/// until the PostgreSQL store is built.
@Suite("tapstation migrate on PostgreSQL")
struct PostgresMigrateCommandTests {
    @Test func migrateBringsThePostgreSQLSchemaUpAndServeRefusesItForNow() async throws {
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
        #expect(await TapStationCommand.runMain(arguments: ["serve", "--config", config, "--data-dir", data]) == 2)

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
