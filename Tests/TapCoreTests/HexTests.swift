import TapCore
import Testing

@Suite("Hex codec")
struct HexTests {
    @Test func encodesLowerCaseTwoDigitsAByte() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test func decodesWhatItEncodes() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
    }

    @Test func decodesEitherCaseUnlessAskedForLowerCaseOnly() {
        #expect(Hex.decode("A0fF") == [0xa0, 0xff])
        #expect(Hex.decode("a0ff", acceptsUpperCase: false) == [0xa0, 0xff])
        #expect(Hex.decode("A0ff", acceptsUpperCase: false) == nil)
    }

    @Test(arguments: ["a", "abc", "0g", "+f", "-0", " 0", "0x", "é0"])
    func refusesWhatIsNotPairsOfDigits(_ text: String) {
        #expect(Hex.decode(text) == nil)
    }
}
