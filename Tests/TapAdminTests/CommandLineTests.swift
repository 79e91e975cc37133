import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapAdmin

@Suite("Configuration")
struct ConfigurationTests {
    @Test func fileFormatIsKeyValueWithComments() throws {
        let values = try ConfigurationSource.parse(
            """
            # TapStation
            TAPSTATION_PORT=9090
              TAPSTATION_HOST = "0.0.0.0"
            TAPKIOSK_SERVER=http://tap.example

            """, name: "test.conf", keys: ServeSettings.keys)
        #expect(
            values == [
                "TAPSTATION_PORT": "9090", "TAPSTATION_HOST": "0.0.0.0", "TAPKIOSK_SERVER": "http://tap.example",
            ])
    }

    @Test(arguments: ["TAPSTATION_PROT=1", "just words", "OTHER_KEY=1"])
    func badLinesAreRefusedWithTheirLineNumber(_ line: String) {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationSource.parse("# ok\n\(line)", name: "x.conf", keys: ServeSettings.keys)
        }
        do {
            _ = try ConfigurationSource.parse("# ok\n\(line)", name: "x.conf", keys: ServeSettings.keys)
        } catch {
            #expect("\(error)".hasPrefix("x.conf:2:"))
        }
    }

    @Test func flagsBeatEnvironmentBeatFile() throws {
        let directory = temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tapstation.conf")
        try "TAPSTATION_PORT=1111\nTAPSTATION_HOST=10.0.0.1\nTAPSTATION_DATA_DIR=/from/file\n".write(
            to: file, atomically: true, encoding: .utf8)
        let settings = try ConfigurationSource.server(explicitPath: file.path, environment: ["TAPSTATION_PORT": "2222"])
        #expect(settings.value("TAPSTATION_PORT", flag: "3333") == "3333")
        #expect(settings.value("TAPSTATION_PORT", flag: nil) == "2222")
        #expect(settings.value("TAPSTATION_HOST", flag: nil) == "10.0.0.1")
        let configuration = try ServeSettings.serverConfiguration(settings: settings, host: nil, port: nil)
        #expect(configuration.port == 2222)
        #expect(configuration.host == "10.0.0.1")
        #expect(DataDirectory(flag: nil, settings: settings).path == "/from/file")
    }

    @Test func invalidValuesAreConfigurationErrors() throws {
        let settings = try ConfigurationSource.server(
            explicitPath: nil, environment: ["TAPSTATION_PORT": "eighty", "TAPSTATION_CONFIG": "/dev/null"])
        #expect(throws: ConfigurationError.self) {
            try ServeSettings.serverConfiguration(settings: settings, host: nil, port: nil)
        }
    }
}

@Suite("tapstation command line", .serialized)
struct CommandLineTests {
    @Test func usageErrorsExitTwo() async {
        #expect(
            await TapStationCommand.runMain(arguments: ["operator", "create", "--name", "x", "--role", "root"]) == 2)
        #expect(await TapStationCommand.runMain(arguments: ["no-such-command"]) == 2)
        #expect(await TapStationCommand.runMain(arguments: ["serve", "--config", "/nonexistent/tapstation.conf"]) == 2)
    }

    @Test func operatorCreateNeedsAnInitialisedDataDirectory() async {
        let directory = temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let code = await TapStationCommand.runMain(
            arguments: [
                "operator", "create", "--name", "a", "--role", "admin", "--data-dir", directory.path + "/missing",
            ])
        #expect(code == 2)
    }

    @Test func auditVerifyExitsOneOnABrokenChain() async throws {
        let directory = temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", directory.path]) == 0)
        #expect(
            await TapStationCommand.runMain(arguments: [
                "operator", "create", "--name", "a", "--role", "admin", "--data-dir", directory.path,
            ]) == 0)
        #expect(
            await TapStationCommand.runMain(arguments: [
                "operator", "create", "--name", "b", "--role", "helpdesk", "--data-dir", directory.path,
            ]) == 0)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", directory.path]) == 0)
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("tapstation.sqlite").path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER auditEvent_no_update")
            try db.execute(sql: "UPDATE auditEvent SET data = replace(data, 'helpdesk', 'admin') WHERE seq = 2")
        }
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", directory.path]) == 1)
    }

    /// The database, its WAL and shm are created 0600, and a data directory or database file that other users
    /// can read is refused before anything is opened, as `server.key` is.
    @Test func theDatabaseIsPrivateAndAnOpenDirectoryOrFileIsRefused() async throws {
        let directory = temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        func mode(_ path: String) throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        }
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", data]) == 0)
        #expect(
            await TapStationCommand.runMain(arguments: [
                "operator", "create", "--name", "a", "--role", "admin", "--data-dir", data,
            ]) == 0)
        let database = data + "/tapstation.sqlite"
        #expect(try mode(database) == 0o600)
        let reader = try DatabaseQueue(path: database)  // opens the WAL files as SQLite makes them
        _ = try await reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM operator") }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: database + suffix) {
            #expect(try mode(database + suffix) == 0o600)
        }
        try reader.close()

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: database)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", data]) == 2)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: database)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", data]) == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: data)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", data]) == 2)
        #expect(await TapStationCommand.runMain(arguments: ["serve", "--data-dir", data, "--port", "0"]) == 2)
    }
}
