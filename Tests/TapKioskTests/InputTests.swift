import Foundation
import TapAPI
import TapCore
import Testing

@testable import TapKiosk

@Suite("Line input cleaning")
struct LineInputTests {
    @Test func printableTextIsTrimmed() {
        #expect(LineInput.clean(Array("  C02XK1ZZJG5H \r".utf8)) == .text("C02XK1ZZJG5H"))
    }

    @Test func escapeSequencesAndControlsAreDropped() {
        let typed = "\u{1B}[A\u{1B}]0;title\u{07}ab\u{1B}OPc\u{08}d\u{7F}e\u{1B}[31m\u{200B}f"
        #expect(LineInput.clean(Array(typed.utf8)) == .text("abcdef"))
    }

    @Test func aTabBetweenScannedFieldsReadsAsASpace() {
        #expect(LineInput.clean(Array("a\tb".utf8)) == .text("a b"))
    }

    @Test func aVeryLongLineIsRefusedWithItsLength() {
        #expect(LineInput.clean([UInt8](repeating: 0x41, count: 100_000)) == .tooLong(bytes: 100_000))
        #expect(
            LineInput.clean([UInt8](repeating: 0x41, count: LineInput.maximumBytes))
                != .tooLong(bytes: LineInput.maximumBytes))
    }

    @Test func bytesThatAreNotUTF8AreNotText() {
        #expect(LineInput.clean([0x41, 0xC3, 0x28, 0xFF]) == .notText)
    }

    @Test func anEscapeAtTheEndOfTheLineIsDropped() {
        #expect(LineInput.clean([0x41, 0x1B]) == .text("A"))
        #expect(LineInput.clean([0x41, 0x1B, 0x5B, 0x33]) == .text("A"))
    }
}

@Suite("Scanned serial numbers and user names")
struct ScannedValueTests {
    let scanner = ScannedValue(prefixes: ["#S#"], suffixes: ["*"], defaultDomain: "contoso.example")

    @Test(
        arguments: [
            ("C02XK1ZZJG5H", DevicePlatform?.none, "C02XK1ZZJG5H"),
            ("]C1C02XK1ZZJG5H", .ipados, "C02XK1ZZJG5H"),
            ("SC02XK1ZZJG5H", .ipados, "C02XK1ZZJG5H"),
            ("SC02XK1ZZJG5H", .windows, "SC02XK1ZZJG5H"),
            ("S/N: c02x k1zz jg5h", .macos, "C02XK1ZZJG5H"),
            ("Serial: PF3ABCD-1", .windows, "PF3ABCD-1"),
            ("#S#5CG1234XYZ*", .windows, "5CG1234XYZ"),
            ("SH4LQ2XYZ7W", .ios, "H4LQ2XYZ7W"),
        ] as [(String, DevicePlatform?, String)])
    func scannerDecorationIsTrimmed(input: String, platform: DevicePlatform?, expected: String) throws {
        let serial = try scanner.serialNumber(input, platform: platform).get()
        #expect(serial.value == expected)
    }

    @Test func refusalsSayWhy() {
        #expect(scanner.serialNumber("  ", platform: nil) == .failure(.empty))
        #expect(scanner.serialNumber("C02X_K1ZZ", platform: nil) == .failure(.notASerial))
        #expect(scanner.serialNumber("C02X-K1ZZJG", platform: .ipados) == .failure(.appleFormat))
        #expect(scanner.serialNumber("C02XK1ZZJG5HQQ", platform: .ipados) == .failure(.appleFormat))
        #expect(scanner.serialNumber("490154203237519", platform: .android) == .failure(.imeiCheckDigit))
        #expect(scanner.serialNumber(String(repeating: "A", count: 65), platform: nil) == .failure(.notASerial))
    }

    @Test func theLuhnCheckMatchesKnownIMEIs() {
        #expect(ScannedValue.luhnValid("490154203237518"))
        #expect(ScannedValue.luhnValid("356938035643809"))
        #expect(!ScannedValue.luhnValid("356938035643808"))
    }

    @Test func userNamesAreCheckedAndCompletedWithTheSiteDomain() {
        #expect(scanner.userPrincipalName("Ada@Contoso.Example")?.value == "ada@contoso.example")
        #expect(scanner.userPrincipalName("ada")?.value == "ada@contoso.example")
        #expect(scanner.userPrincipalName("ada@") == nil)
        #expect(ScannedValue().userPrincipalName("ada") == nil)
        #expect(scanner.userPrincipalName(String(repeating: "a", count: 120) + "@contoso.example") == nil)
    }
}

@Suite("Server-sent events parser")
struct EventStreamParserTests {
    @Test func eventsSplitAnywhereComeOutWhole() {
        let stream =
            "id: 41\nevent: pass.used\ndata: {\"a\":1}\n\n: keep-alive\n\nid: 42\r\nevent: pass.revoked\r\ndata: x\r\ndata: y\r\n\r\n"
        for cut in 0..<stream.utf8.count {
            var parser = EventStreamParser()
            let bytes = Array(stream.utf8)
            let events = parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...])
            #expect(
                events == [
                    ServerSentEvent(id: "41", type: "pass.used", data: "{\"a\":1}"),
                    ServerSentEvent(id: "42", type: "pass.revoked", data: "x\ny"),
                ], "cut at \(cut)")
            #expect(parser.lastEventID == "42")
            #expect(parser.commentCount == 1)
        }
    }

    @Test func aLoneCarriageReturnEndsALine() {
        var parser = EventStreamParser()
        #expect(parser.feed(Array("data: a\r\r".utf8)) == [ServerSentEvent(id: nil, type: "message", data: "a")])
    }

    @Test func theIdCarriesOverAndFieldsWithoutDataDispatchNothing() {
        var parser = EventStreamParser(lastEventID: "7")
        #expect(
            parser.feed(Array("event: x\n\nretry: 10\nunknown: y\ndata\n\n".utf8)) == [
                ServerSentEvent(id: "7", type: "message", data: "")
            ])
    }

    @Test func anOverlongLineIsDroppedNotKept() {
        var parser = EventStreamParser()
        let long = "data: " + String(repeating: "x", count: EventStreamParser.maximumLineBytes + 10) + "\n"
        #expect(
            parser.feed(Array((long + "\ndata: ok\n\n").utf8)) == [
                ServerSentEvent(id: nil, type: "message", data: "ok")
            ])
    }

    @Test func liveEventsDecodeTheContractAndSkipJunk() {
        let event = LiveEvent(
            ServerSentEvent(
                id: "5", type: "pass.used",
                data:
                    #"{"id": "5", "type": "pass.used", "time": "2026-11-26T10:00:00Z", "sessionId": "01a21925-444c-74f2-b770-bdf4bbdf0181", "state": "inProgress", "extra": 1}"#
            ))
        #expect(
            event
                == LiveEvent(
                    id: "5", type: "pass.used", time: Fixture.start, sessionID: SessionID(Fixture.sessionID),
                    state: .inProgress))
        #expect(LiveEvent(ServerSentEvent(id: "6", type: "pass.used", data: "not json")) == nil)
        #expect(LiveEvent(ServerSentEvent(id: "6", type: "future.thing", data: "{}"))?.logText == "future.thing")
    }

    @Test func aRegisteredKeyIsNamedByItsModelWithNothingThatDrivesTheTerminal() {
        func logText(_ key: String) -> String? {
            LiveEvent(
                ServerSentEvent(
                    id: "7", type: "key.registered",
                    data:
                        #"{"id": "7", "type": "key.registered", "sessionId": "\#(Fixture.sessionID)", "key": \#(key)}"#
                ))?.logText
        }
        #expect(
            logText(#"{"id": "01a21925-444c-74f2-b770-bdf4bbdf0182", "model": "YubiKey 5 NFC"}"#)
                == "security key registered: YubiKey 5 NFC")
        #expect(logText(#"{"id": "01a21925-444c-74f2-b770-bdf4bbdf0182"}"#) == "security key registered")
        let hostile = logText(#"{"id": "01a21925-444c-74f2-b770-bdf4bbdf0182", "model": "Key\u001b[2J"}"#)
        #expect(hostile?.contains("\u{1B}") == false, "\(String(describing: hostile))")
    }

    @Test func theServiceStreamEventWireDecodesIntoALiveEvent() throws {
        let wire = StreamEventWire(
            id: "9", type: .passRevoked, time: Fixture.start, sessionId: SessionID(Fixture.sessionID)!,
            state: .completed)
        let data = String(decoding: try WireJSON.encoder().encode(wire), as: UTF8.self)
        let event = LiveEvent(ServerSentEvent(id: "9", type: "pass.revoked", data: data))
        #expect(
            event
                == LiveEvent(
                    id: "9", type: "pass.revoked", time: Fixture.start, sessionID: SessionID(Fixture.sessionID),
                    state: .completed))
    }
}

@Suite("Server clock")
struct ServerClockTests {
    @Test func theOffsetComesFromTheDateHeader() {
        var clock = ServerClock()
        clock.observe(dateHeader: "Thu, 26 Nov 2026 10:00:00 GMT", receivedAt: Fixture.start.addingTimeInterval(-3600))
        #expect(clock.offset == 3600.5)
        #expect(clock.serverTime(at: Fixture.start) == Fixture.start.addingTimeInterval(3600.5))
    }

    @Test(arguments: [
        "", "yesterday", "Thu, 26 Nov 2026 10:00:00 CET", "Thu, 26 Foo 2026 10:00:00 GMT",
        "Thu, 26 Nov 2026 25:00:00 GMT",
    ])
    func anUnreadableHeaderChangesNothing(header: String) {
        var clock = ServerClock(offset: 12)
        clock.observe(dateHeader: header, receivedAt: Fixture.start)
        #expect(clock.offset == 12)
    }
}
