import Foundation
import TapCore
import TapTestSupport
import Testing

@Suite("Pass codes")
struct PassCodeTests {
    @Test func generatedPassesUseOnlyTheAlphabetAndTheRequestedLength() {
        let random = SeededRandom()
        for length in [8, 12, 48] {
            let code = PassCode.generate(length: length, randomBytes: random.bytes)
            #expect(code.normalized.count == length)
            #expect(code.normalized.utf8.allSatisfy { PassCode.alphabet.contains($0) })
        }
    }

    @Test func alphabetHasNoLookAlikes() {
        for excluded in "01OIL" { #expect(!PassCode.alphabet.contains(UInt8(ascii: excluded.unicodeScalars.first!))) }
        #expect(PassCode.entropyBits(length: 12) >= 55)
    }

    @Test func everySymbolIsReachableAndRoughlyUniform() {
        let random = SeededRandom(seed: 42)
        var counts: [UInt8: Int] = [:]
        for _ in 0..<2000 {
            for byte in PassCode.generate(length: 12, randomBytes: random.bytes).normalized.utf8 {
                counts[byte, default: 0] += 1
            }
        }
        #expect(counts.count == PassCode.alphabet.count)
        let expected = 24_000.0 / Double(PassCode.alphabet.count)
        #expect(counts.values.allSatisfy { Double($0) > expected * 0.8 && Double($0) < expected * 1.2 })
    }

    @Test func rejectionSamplingDiscardsBiasedBytes() {
        // 248...255 would favour the first symbols; a source of only those must not produce them.
        var calls = 0
        let code = PassCode.generate(length: 8) { count in
            calls += 1
            return calls == 1 ? [UInt8](repeating: 250, count: count) : [UInt8](repeating: 0, count: count)
        }
        #expect(code.normalized == "22222222")
        #expect(calls == 2)
    }

    @Test func inputIsCaseAndSeparatorInsensitive() {
        let code = PassCode.parse("K7QM-3XRP-HV9T")!
        #expect(PassCode.parse("k7qm 3xrp-hv9t") == code)
        #expect(PassCode.parse("K7QM3XRPHV9T") == code)
        #expect(code.grouped == "K7QM-3XRP-HV9T")
    }

    @Test(arguments: ["", "K7QM", "K7QM-3XRP-HV9O", "K7QM-3XRP-HV91", "ÄÖÜ12345678", String(repeating: "A", count: 49)])
    func malformedInputIsNotAPass(_ input: String) {
        #expect(PassCode.parse(input) == nil)
    }
}

@Suite("Input grammar")
struct GrammarTests {
    @Test(arguments: [
        "ada@contoso.example", "Ada.Lovelace@Contoso.Example", "o'brien+tap@sub.contoso.example", "a_b-c@x.y",
    ])
    func acceptedUserPrincipalNames(_ text: String) {
        #expect(UserPrincipalName(text)?.value == text.lowercased())
    }

    @Test(arguments: [
        "", "ada", "@contoso.example", "ada@", "a b@contoso.example", "ada@contoso..example", "ada@-contoso.example",
        "ada@contoso.example@x", "ädä@contoso.example", "ada;drop@contoso.example",
        String(repeating: "a", count: 100) + "@contoso.example",
    ])
    func refusedUserPrincipalNames(_ text: String) {
        #expect(UserPrincipalName(text) == nil)
    }

    @Test func serialNumbersAreUpperCasedAndBounded() {
        #expect(SerialNumber("c02xk1zzjg5h")?.value == "C02XK1ZZJG5H")
        #expect(SerialNumber("AB-12")?.value == "AB-12")
        for bad in ["", "AB 12", "AB_12", String(repeating: "A", count: 65), "AB\n12"] {
            #expect(SerialNumber(bad) == nil)
        }
    }

    @Test func subjectPatternsMatchWithWildcards() {
        let name = UserPrincipalName("adm-ada@contoso.example")!
        #expect(SubjectPattern("*@contoso.example")!.matches(name))
        #expect(SubjectPattern("adm-*@contoso.example")!.matches(name))
        #expect(SubjectPattern("ADM-ADA@contoso.example")!.matches(name))
        #expect(!SubjectPattern("*@fabrikam.example")!.matches(name))
        #expect(!SubjectPattern("adm-@contoso.example")!.matches(name))
        #expect(SubjectPattern("*")!.matches(name))
    }

    @Test func idsAreTimeOrderedAndStrict() {
        let random = SeededRandom()
        let early = SessionID(time: Date(timeIntervalSince1970: 1000), random: random.bytes(10))
        let late = SessionID(time: Date(timeIntervalSince1970: 2000), random: random.bytes(10))
        #expect(early < late)
        #expect(SessionID(early.rawValue) == early)
        #expect(SessionID(early.rawValue.uppercased()) == nil)
        #expect(SessionID("../../etc/passwd") == nil)
    }
}
