import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapAdmin

@Suite("Audit export")
struct AuditExportTests {
    @Test func eachEventIsOneJSONLineWithItsDataAsJSON() throws {
        let record = AuditExportRecord(
            sequence: 42, time: Date(timeIntervalSince1970: 1_795_687_200), type: "session.created", sessionID: "s-1",
            actor: "op-1", data: #"{"site":"bench-1"}"#, mac: [0xAB, 0x01], keyVersion: 1)
        let line = AuditCommand.Export.line(record)
        #expect(!line.contains("\n"))
        let object = try JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
        #expect(object["seq"] == .number(42))
        #expect(object["time"] == .string("2026-11-26T10:00:00Z"))
        #expect(object["data"] == .object(["site": .string("bench-1")]))
        #expect(object["mac"] == .string("ab01"))
    }

    @Test func exportAndVerifyRunOnADataDirectoryAfterAPurge() async throws {
        let directory = temporaryDirectory("export")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.path
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", data]) == 0)
        #expect(
            await TapStationCommand.runMain(arguments: [
                "operator", "create", "--name", "a", "--role", "admin", "--data-dir", data,
            ]) == 0)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "export", "--data-dir", data]) == 0)
        #expect(
            await TapStationCommand.runMain(arguments: ["audit", "export", "--data-dir", data, "--after", "-1"]) == 2)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", data]) == 0)
    }
}
