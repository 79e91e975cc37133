import Testing

@testable import TapCore

/// The QR encoder's parts against the standard: Reed-Solomon against a published worked example, the version
/// chosen by length, the fixed patterns, and format bits that read back as level M and the chosen mask. That a
/// real decoder reads the whole symbol is shown in Chromium by `scripts/console-e2e` (zxing-cpp).
@Suite("QR code")
struct QRCodeTests {
    /// "HELLO WORLD" at 1-M, the worked example of the QR tutorials: its 16 data codewords give these 10.
    @Test func reedSolomonMatchesTheWorkedExample() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        #expect(ReedSolomon.remainder(of: data, degree: 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    @Test func theSmallestVersionThatHoldsTheTextIsChosen() throws {
        #expect(try #require(QRCode("K7QM-3XRP-HV9T")).version == 1)
        #expect(try #require(QRCode(String(repeating: "a", count: 15))).size == 25)
        #expect(try #require(QRCode(String(repeating: "a", count: 62))).version == 4)
        #expect(QRCode(String(repeating: "a", count: 63)) == nil)
    }

    @Test func finderTimingAndTheDarkModuleAreInPlace() throws {
        let code = try #require(QRCode("K7QM-3XRP-HV9T"))
        let last = code.size - 1
        for (row, column) in [(0, 0), (0, last), (last, 0)] {
            // A finder's outer ring is dark, the ring inside it light, its centre dark.
            let down = row == 0 ? 1 : -1
            let right = column == 0 ? 1 : -1
            #expect(code.isDark(row: row, column: column))
            #expect(!code.isDark(row: row + down, column: column + right))
            #expect(code.isDark(row: row + 3 * down, column: column + 3 * right))
        }
        for index in 8...(code.size - 9) {
            #expect(code.isDark(row: 6, column: index) == (index % 2 == 0))
            #expect(code.isDark(row: index, column: 6) == (index % 2 == 0))
        }
        #expect(code.isDark(row: code.size - 8, column: 8))
    }

    @Test func bothCopiesOfTheFormatBitsSayLevelMAndTheMask() throws {
        for text in ["K7QM-3XRP-HV9T", "https://tapstation.contoso.example/console", String(repeating: "z", count: 60)]
        {
            let code = try #require(QRCode(text))
            let size = code.size
            var first = 0
            var second = 0
            let firstCopy =
                (0...5).map { ($0, 8) } + [(7, 8), (8, 8), (8, 7)] + (9..<15).map { (8, 14 - $0) }
            let secondCopy = (0..<8).map { (8, size - 1 - $0) } + (8..<15).map { (size - 15 + $0, 8) }
            for (bit, place) in firstCopy.enumerated() where code.isDark(row: place.0, column: place.1) {
                first |= 1 << bit
            }
            for (bit, place) in secondCopy.enumerated() where code.isDark(row: place.0, column: place.1) {
                second |= 1 << bit
            }
            #expect(first == second)
            let unmasked = first ^ 0x5412
            #expect(unmasked >> 13 == 0, "level M is 00")
            #expect((unmasked >> 10) & 7 == code.mask)
        }
    }
}
