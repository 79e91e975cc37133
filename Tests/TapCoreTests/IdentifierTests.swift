import Foundation
import TapCore
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test func aNewIdIsCanonicalUUIDv7WithTheTimeInFront() throws {
        let time = Date(timeIntervalSince1970: 1_795_694_400.123)
        let id = SessionID(time: time, random: [0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88, 0x77, 0x66])
        // 1795694400123 ms = 0x01a2_17ba_127b; version nibble 7, variant bits 10.
        #expect(id.rawValue == "01a217ba-127b-7fee-9dcc-bbaa99887766")
        #expect(SessionID(id.rawValue) == id)
        let later = SessionID(time: time.addingTimeInterval(0.001), random: Array(repeating: 0, count: 10))
        #expect(id < later)
    }
}
