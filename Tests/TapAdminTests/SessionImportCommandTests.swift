import Foundation
import Hummingbird
import HummingbirdTesting
import TapAPI
import TapCore
import TapHTTP
import TapStorage
import TapTestSupport
import Testing

@testable import TapAdmin

@Suite("Session import against a live service", .serialized)
struct SessionImportCommandTests {
    @Test func anImportCreatesOneSessionPerRowEvenWhenRunTwiceAndPaperNeedsPolicy() async throws {
        let directory = temporaryDirectory("import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = testWorld(clock: TestClock())
        let store = try EnrollmentStore(
            path: directory.appendingPathComponent("db.sqlite").path, world: world, keyring: testKeyring())
        let (admin, adminToken) = try await store.createOperator(NewOperator(name: "admin", role: .admin), by: nil)
        let (_, benchToken) = try await store.createOperator(
            NewOperator(name: "bench", role: .bench, site: SiteName("bench-1")), by: nil)
        let tokenFile = directory.appendingPathComponent("token")
        try benchToken.value.write(to: tokenFile, atomically: true, encoding: .utf8)
        let csvFile = directory.appendingPathComponent("cart.csv")
        try benchCSV(rows: 12).write(to: csvFile, atomically: true, encoding: .utf8)
        let badFile = directory.appendingPathComponent("bad.csv")
        try benchCSV(rows: 12, bad: [5: "CART-4,ipados,nobody,apple-ade,,"]).write(
            to: badFile, atomically: true, encoding: .utf8)
        let slips = directory.appendingPathComponent("slips.html")
        _ = adminToken

        let (router, _) = buildRouter(
            configuration: ServerConfiguration(), store: store, keyring: testKeyring(), world: world)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let remote = ["--server", "http://127.0.0.1:\(try #require(client.port))", "--token-file", tokenFile.path]
            func sessionCount() async throws -> Int {
                try await store.sessions(matching: SessionFilter(), visibleTo: admin.identity, after: nil, limit: 200)
                    .items.count
            }
            #expect(await TapStationCommand.runMain(arguments: ["session", "import", badFile.path] + remote) == 1)
            #expect(try await sessionCount() == 0, "a bad row stops the whole import before anything is created")
            #expect(
                await TapStationCommand.runMain(
                    arguments: ["session", "import", csvFile.path, "--slips", slips.path] + remote) == 1)
            #expect(try await sessionCount() == 0, "paper is refused by default, before anything is created")
            #expect(!FileManager.default.fileExists(atPath: slips.path))

            _ = try await store.patchPolicy(.object(["paperPassesAllowed": .bool(true)]), by: admin.identity)
            #expect(
                await TapStationCommand.runMain(
                    arguments: ["session", "import", csvFile.path, "--slips", slips.path] + remote) == 0)
            #expect(try await sessionCount() == 12)
            let sheet = try String(contentsOf: slips, encoding: .utf8)
            #expect(sheet.components(separatedBy: "class=\"slip\"").count == 13)
            #expect(sheet.contains("CART-11") && sheet.contains("dem11@contoso.example") && sheet.contains("A-11"))
            let attributes = try FileManager.default.attributesOfItem(atPath: slips.path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)

            // The same file again (a retry after a lost answer): nothing is created twice.
            #expect(
                await TapStationCommand.runMain(
                    arguments: ["session", "import", csvFile.path, "--format", "jsonl"] + remote) == 0)
            #expect(try await sessionCount() == 12)
        }
    }

    @Test func passLinesAreCSVOrJSON() throws {
        let now = Date(timeIntervalSince1970: 1_795_687_200)
        let session = Session(
            id: SessionID(time: now, random: Array(repeating: 1, count: 10)), scenario: .deviceEnrollment,
            storedState: .active,
            site: SiteName("bench-1")!, userPrincipalName: UserPrincipalName("ada@contoso.example")!, device: nil,
            createdBy: OperatorID(time: now, random: Array(repeating: 2, count: 10)), reason: nil, proofing: nil,
            createdAt: now,
            updatedAt: now, completionDeadline: now, firstUsedAt: nil, closedAt: nil, pass: nil)
        let row = SessionImport.Row(
            line: 7,
            request: CreateSessionRequest(
                scenario: .deviceEnrollment, userPrincipalName: UserPrincipalName("ada@contoso.example")!,
                device: DeviceDescription(serialNumber: SerialNumber("CART-7")!, platform: .ios, assetTag: "A,7")))
        let csv = SessionCommand.Import.line(row, SessionView(session, now: now), format: .csv)
        #expect(csv.hasPrefix("7,,\"A,7\",ada@contoso.example,"))
        let json = SessionCommand.Import.line(row, SessionView(session, now: now), format: .jsonl)
        #expect(json.contains(#""line":7"#) && json.contains(#""assetTag":"A,7""#))
    }

    /// A cell of the bench's CSV that comes back in the passes CSV (the asset tag, and a user name may start
    /// with '-') is neutralised there as a spreadsheet cell.
    @Test func cellsOfThePassesCSVThatASpreadsheetWouldRunAreNeutralised() {
        let presets: Set<String> = ["apple-ade"]
        let text =
            "serialNumber,platform,userPrincipalName,preset,assetTag\nCART-1,ipados,-x@contoso.example,apple-ade,\"=HYPERLINK(\"\"http://evil.example\"\")\"\n"
        guard case .success(let rows) = SessionImport.read(text, presets: presets) else {
            Issue.record("expected the row to be read")
            return
        }
        let now = Date(timeIntervalSince1970: 1_795_687_200)
        let session = Session(
            id: SessionID(time: now, random: Array(repeating: 1, count: 10)), scenario: .deviceEnrollment,
            storedState: .active,
            site: SiteName("bench-1")!, userPrincipalName: rows[0].request.userPrincipalName, device: nil,
            createdBy: OperatorID(time: now, random: Array(repeating: 2, count: 10)), reason: nil, proofing: nil,
            createdAt: now,
            updatedAt: now, completionDeadline: now, firstUsedAt: nil, closedAt: nil, pass: nil)
        let line = SessionCommand.Import.line(rows[0], SessionView(session, now: now), format: .csv)
        let fields = CSV.records(line + "\n").first?.fields ?? []
        #expect(fields.count == 7)
        #expect(fields.dropFirst().allSatisfy { !"=+-@\t\r".contains($0.first ?? " ") }, "\(line)")
        #expect(fields.contains(#"'=HYPERLINK("http://evil.example")"#) && fields.contains("'-x@contoso.example"))
    }
}
