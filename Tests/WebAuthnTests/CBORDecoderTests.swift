import Testing

@testable import WebAuthn

@Suite("Strict CBOR decoder")
struct CBORDecoderTests {
    private func decode(_ bytes: [UInt8]) throws(CBORError) -> CBOR { try CBORDecoder.decode(bytes) }

    @Test func decodesDefiniteItems() throws {
        #expect(try decode([0x18, 0x64]) == .unsigned(100))
        #expect(try decode([0x38, 0x63]) == .negative(99))
        #expect(try decode([0x38, 0x63]).integer == -100)
        #expect(try decode([0x43, 1, 2, 3]) == .bytes([1, 2, 3]))
        #expect(try decode([0x62, 0x68, 0x69]) == .text("hi"))
        #expect(try decode([0x82, 0x01, 0x20]) == .array([.unsigned(1), .negative(0)]))
        #expect(try decode([0xA1, 0x01, 0xF5]).mapValue?[1] == .boolean(true))
        #expect(try decode([0xF6]) == .null)
        #expect(try decode([0xF9, 0x3C, 0x00]) == .float(1.0))
        #expect(try decode([0xFA, 0x3F, 0xC0, 0x00, 0x00]) == .float(1.5))
        #expect(try decode([0xC1, 0x1A, 0x51, 0x4B, 0x67, 0xB0]) == .tagged(1, .unsigned(1_363_896_240)))
    }

    @Test func decodesIndefiniteItems() throws {
        #expect(try decode([0x5F, 0x42, 1, 2, 0x41, 3, 0xFF]) == .bytes([1, 2, 3]))
        #expect(try decode([0x7F, 0x61, 0x61, 0x61, 0x62, 0xFF]) == .text("ab"))
        #expect(try decode([0x9F, 0x01, 0x02, 0xFF]) == .array([.unsigned(1), .unsigned(2)]))
        #expect(try decode([0xBF, 0x61, 0x61, 0x01, 0xFF]).mapValue?[text: "a"] == .unsigned(1))
    }

    @Test(arguments: [
        ([0xA1, 0x01] as [UInt8], CBORError.truncated),
        ([0x5A, 0xFF, 0xFF, 0xFF, 0xF0, 0x00], CBORError.lengthTooLarge),  // a 4 GiB byte string in 6 bytes
        ([0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], CBORError.lengthTooLarge),  // 2^64 - 1 elements
        ([0xBA, 0x00, 0x10, 0x00, 0x00, 0x01, 0x01], CBORError.lengthTooLarge),  // a million pairs
        ([0x58, 0x20, 0x01], CBORError.truncated),  // 32 bytes declared, 1 present
        ([0x01, 0x00], CBORError.trailingBytes),
        ([0xA2, 0x01, 0x01, 0x01, 0x02], CBORError.duplicateMapKey),
        ([0xBF, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02, 0xFF], CBORError.duplicateMapKey),
        ([0x1C], CBORError.malformed("reserved additional information 28")),
        ([0xFF], CBORError.malformed("break outside an indefinite-length item")),
        ([0x9F, 0x01], CBORError.truncated),
    ])
    func refuses(_ bytes: [UInt8], _ expected: CBORError) {
        #expect(throws: expected) { try decode(bytes) }
    }

    @Test func refusesOtherMalformedItems() {
        for bytes: [UInt8] in [
            [0x62, 0xC3, 0x28],  // invalid UTF-8
            [0x5F, 0x61, 0x61, 0xFF],  // text chunk inside a byte string
            [0x5F, 0x5F, 0xFF, 0xFF],  // nested indefinite chunk
            [0xF8, 0x10],  // two-byte simple value below 32
            [0x1F],  // indefinite integer
            [0xDF, 0x01],  // indefinite tag
        ] {
            #expect(throws: CBORError.self) { try decode(bytes) }
        }
    }

    @Test func refusesNestingBombs() {
        let arrays = [UInt8](repeating: 0x81, count: 100_000) + [0x00]
        #expect(throws: CBORError.nestingTooDeep) { try decode(arrays) }
        let tags = [UInt8](repeating: 0xC1, count: 50) + [0x00]
        #expect(throws: CBORError.nestingTooDeep) { try decode(tags) }
        let indefinite = [UInt8](repeating: 0x9F, count: 1000)
        #expect(throws: CBORError.nestingTooDeep) { try decode(indefinite) }
        // Sixteen levels are fine.
        #expect(throws: Never.self) { try decode([UInt8](repeating: 0x81, count: 16) + [0x00]) }
    }

    @Test func refusesOversizedInput() {
        let big = [0x5A, 0x00, 0x04, 0x00, 0x01] + [UInt8](repeating: 0, count: 256 * 1024 + 1)
        #expect(throws: CBORError.lengthTooLarge) { try decode(big) }
    }

    @Test func decodePrefixReportsWhereTheItemEnds() throws {
        let (item, end) = try CBORDecoder.decodePrefix([0xFF, 0xA1, 0x01, 0x02, 0x99], from: 1)
        #expect(item.mapValue?[1] == .unsigned(2))
        #expect(end == 4)
    }

    @Test func roundTripsWhatTheTestEncoderWrites() throws {
        let value = CBOR.pairs([
            (.text("fmt"), .text("none")), (.int(-7), .array([.bytes([1]), .null, .boolean(false)])),
        ])
        #expect(try decode(CBOREncoder.encode(value)) == value)
    }
}

@Suite("Strict base64url and JSON")
struct EncodingTests {
    @Test func base64URLRoundTripsEveryLength() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) & 0xFF) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test(arguments: ["AQI=", "AQ==", "A", "AQ+/", "AQ I", "AQ\n", "AR", "AQJ", "ü"])
    func base64URLRefusesPaddingInvalidCharactersAndNonCanonicalBits(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test func jsonParsesWhatBrowsersSend() throws {
        let text =
            "\u{FEFF}{\"type\":\"webauthn.create\",\"origin\":\"https:\\/\\/a.example\",\"n\":[1,-2.5e3,true,null],"
            + "\"other_keys_can_be_added_here\":\"do not compare clientDataJSON against a template\",\"u\":\"\\u00e9\\ud83d\\ude00\"}"
        let value = try StrictJSON.parse(Array(text.utf8))
        #expect(value["origin"]?.stringValue == "https://a.example")
        #expect(value["n"]?.arrayValue?.count == 4)
        #expect(value["u"]?.stringValue == "é😀")
    }

    @Test(arguments: [
        "{\"a\":1,\"a\":2}", "{\"a\":1} x", "{\"a\":\"\\ud800\"}", "{\"a\":\"\u{01}\"}", "{'a':1}", "{\"a\":01}",
        "{\"a\":1,}", "[1,]", "{\"a\":.5}", "", "{\"a\":tru}",
    ])
    func jsonRefuses(_ text: String) {
        #expect(throws: StrictJSON.ParseError.self) { try StrictJSON.parse(Array(text.utf8)) }
    }

    @Test func jsonRefusesDeepNesting() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: StrictJSON.ParseError.self) { try StrictJSON.parse(Array(deep.utf8)) }
    }

    @Test func jsonRefusesInvalidUTF8() {
        #expect(throws: StrictJSON.ParseError.self) { try StrictJSON.parse([0x22, 0xC3, 0x28, 0x22]) }
    }
}
