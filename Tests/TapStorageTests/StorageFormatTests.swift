import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// The hand-written formats of the write path against the library code they replace.
@Suite("Storage formats")
struct StorageFormatTests {
    static let dates: [Date] = [
        Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.999),  // 2000-02-29
        Date(timeIntervalSince1970: 1_795_694_400.5), Date(timeIntervalSince1970: 4_102_444_799.123),  // 2099-12-31
        Date(timeIntervalSince1970: -86_400.25), Date(timeIntervalSince1970: 1_709_164_800),  // 2024-02-29
    ]

    @Test(arguments: dates) func storageTimeIsTheTextGRDBWrites(date: Date) throws {
        let expected = try #require(String.fromDatabaseValue(date.databaseValue))
        #expect(UTCTime.text(date) == expected)
        // And it reads back as the same millisecond.
        let parsed = try #require(Date.fromDatabaseValue(UTCTime.text(date).databaseValue))
        #expect(abs(parsed.timeIntervalSince1970 - (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000) < 0.0005)
    }

    @Test(arguments: dates) func rfc3339IsTheAPIsFormat(date: Date) {
        let expected = date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        #expect(UTCTime.rfc3339(date) == expected)
    }

    @Test func auditDataIsCompactSortedJSONThatReadsBackTheSame() throws {
        let data: [String: JSONValue] = [
            "zeta": .number(2), "alpha": .string("quote \" backslash \\ newline \n tab \t bell \u{7} é 🎉 </script>"),
            "list": .array([.bool(true), .null, .number(-1.5), .number(1e300)]),
            "nested": .object(["b": .number(0), "a": .string("")]),
        ]
        let text = encodeAuditData(data)
        #expect(text.hasPrefix(#"{"alpha":"#))
        #expect(!text.contains("\n") && !text.contains("\u{7}"))
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(decoded == .object(data))
        #expect(encodeAuditData(["n": .number(42)]) == #"{"n":42}"#)
    }
}
