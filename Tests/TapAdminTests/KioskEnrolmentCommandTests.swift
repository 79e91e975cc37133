import Foundation
import GRDB
import TapTestSupport
import Testing

@testable import TapAdmin

@Suite("tapstation operator create --enrolment-code", .serialized)
struct KioskEnrolmentCommandTests {
    @Test func aKioskGetsACodeAndNoUsableTokenOtherRolesAreRefused() async throws {
        let directory = temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", directory.path]) == 0)
        let kiosk = [
            "operator", "create", "--name", "kiosk 3", "--role", "kiosk", "--site", "hel-1", "--enrolment-code",
        ]
        #expect(await TapStationCommand.runMain(arguments: kiosk + ["--data-dir", directory.path]) == 0)
        #expect(
            await TapStationCommand.runMain(
                arguments: [
                    "operator", "create", "--name", "a", "--role", "admin", "--enrolment-code", "--data-dir",
                    directory.path,
                ]) == 2)
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("tapstation.sqlite").path)
        let codes = try await queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kioskEnrolmentCode WHERE usedAt IS NULL")
        }
        #expect(codes == 1)
    }
}
