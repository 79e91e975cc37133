import TapCore
import Testing

@testable import TapKiosk

/// The enrollment address's QR code as the kiosk's terminal shows it (the encoder's tests are TapCore's).
@Suite("QR code on the kiosk's terminal")
struct QRCodeTerminalTests {
    @Test func halfBlocksDrawTwoModuleRowsPerLine() throws {
        let code = try #require(QRCode("TAP"))
        let rows = code.halfBlockRows(border: 2)
        #expect(rows.count == (21 + 4 + 1) / 2)
        #expect(rows.allSatisfy { $0.count == 25 })
        #expect(rows[0] == String(repeating: "█", count: 25), "the quiet zone is light")
    }
}
