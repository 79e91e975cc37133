import Foundation
import Testing

@testable import TapCore

@Suite("UTC time text")
struct UTCTimeTests {
    @Test func parsingTheStoredTextGivesBackTheSameTextForEveryMillisecond() {
        // Across the range TapStation stores (now, far past, far future) and every millisecond of a second.
        for base in [0, 1_795_687_200, 1_795_687_259, 4_102_444_799, 951_782_400] {
            for millisecond in 0..<1000 {
                let date = Date(timeIntervalSince1970: Double(base) + Double(millisecond) / 1000)
                let text = UTCTime.text(date)
                let parsed = UTCTime.parse(text)
                #expect(parsed.map(UTCTime.text) == text, "\(text)")
            }
        }
    }

    @Test func parsesTheFormsSQLiteAndGRDBWrite() {
        let expected = Date(timeIntervalSince1970: 1_795_687_200)
        #expect(UTCTime.parse("2026-11-26 10:00:00") == expected)
        #expect(UTCTime.parse("2026-11-26T10:00:00Z") == expected)
        #expect(UTCTime.parse("2026-11-26 10:00:00.000") == expected)
        #expect(UTCTime.parse("2026-11-26 10:00:00.5") == expected.addingTimeInterval(0.5))
        #expect(UTCTime.parse("2024-02-29 23:59:59.999").map(UTCTime.text) == "2024-02-29 23:59:59.999")
        #expect(UTCTime.parse("1969-12-31 23:59:59") == Date(timeIntervalSince1970: -1))
    }

    @Test func refusesWhatItDoesNotKnowSoAGeneralParserCanTry() {
        for text in [
            "", "2026-11-26", "2026-11-26 10:00", "2026-13-01 00:00:00", "2026-11-26 24:00:00", "2026-11-26 10:00:00.",
            "2026-11-26 10:00:00+01:00", "2026/11/26 10:00:00", "2026-11-26 10:00:00.1234567890", "１２３４-11-26 10:00:00",
        ] {
            #expect(UTCTime.parse(text) == nil, "\(text)")
        }
    }
}
