import Foundation
import TapAPI
import TapCore
import Testing

@testable import TapKiosk

@Suite("Kiosk: text from the service cannot drive the terminal")
struct TerminalSafetyTests {
    /// What an old database (from before names and titles were checked) could hand the kiosk: clear screen and
    /// scrollback, a window title, an OSC 52 clipboard write, a carriage return over the line, a C1 CSI.
    static let hostile = "\u{1B}[2J\u{1B}[3J\u{1B}]0;owned\u{07}\u{1B}]52;c;cm0gLXJmIH4=\u{07}\rfake\u{9B}2J"

    /// The sequences the renderer itself writes (clear, bold, colour, reverse video, reset).
    static let ownSequences = [
        "\u{1B}[H", "\u{1B}[2J", "\u{1B}[3J", "\u{1B}[1m", "\u{1B}[0m", "\u{1B}[1;33m", "\u{1B}[7m",
    ]

    /// Drives the machine to the preset screen with a kiosk name and a preset title as the service sends them.
    static func screens() -> [Screen] {
        var driver = Driver(toMenu: false)
        driver.send(.start)
        let kiosk: OperatorView = Fixture.decode(
            """
            {"id": "\(Fixture.kioskID)", "name": "kiosk 3\(jsonEscaped(hostile))", "role": "kiosk", "site": "hel-1",
             "allowedSubjects": [], "allowedSources": [], "createdDateTime": "2026-11-26T09:00:00Z"}
            """)
        driver.answerLastCall(.operatorView(kiosk))
        var policy = Policy.standard
        policy.presets["evil"] = PassPreset(title: "2 sign-ins" + hostile, maxUses: 2)
        driver.answerLastCall(.policy(policy))
        let menu = driver.machine.screen()
        driver.type("1")
        driver.type("C02XK1ZZJG5H")
        driver.type("2")
        driver.type("ada@contoso.example")
        return [menu, driver.machine.screen()]
    }

    static func jsonEscaped(_ text: String) -> String {
        text.unicodeScalars.map { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                ? String(format: "\\u%04x", scalar.value) : String(scalar)
        }.joined()
    }

    @Test func hostileNamesAndTitlesRenderWithoutTheirControls() throws {
        let screens = Self.screens()
        #expect(screens[0].allText.contains("kiosk 3"), "the name is on the menu")
        #expect(screens[1].allText.contains("2 sign-ins"), "the preset is offered")
        for screen in screens {
            for style in [ScreenRenderer.Style.ansi, .monochrome, .plain] {
                var text = try #require(ScreenRenderer(style: style).render(screen, width: 80))
                #expect(!text.contains("\u{07}") && !text.contains("\r") && !text.contains("\u{9B}"), "\(style)")
                #expect(text.contains("\u{FFFD}"), "\(style): replaced visibly")
                for sequence in Self.ownSequences { text = text.replacingOccurrences(of: sequence, with: "") }
                #expect(!text.contains("\u{1B}"), "\(style): only the renderer's own sequences hold ESC")
            }
        }
    }
}
