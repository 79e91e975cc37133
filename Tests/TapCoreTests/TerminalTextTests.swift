import TapCore
import Testing

@Suite("Terminal text: what may reach a terminal")
struct TerminalTextTests {
    static let hostile = [
        "\u{1B}[2J", "\u{1B}]0;owned\u{07}", "\u{1B}]52;c;cm0gLXJmIH4=\u{07}", "a\rb", "a\nb", "a\tb", "\u{9B}2J",
        "\u{7F}",
        "admin\u{202E}nimda", "\u{2066}x\u{2069}", "\u{200F}", "line\u{2028}break",
    ]

    @Test(arguments: hostile)
    func terminalActiveTextIsDetectedAndReplaced(_ text: String) {
        #expect(TerminalText.containsActive(text))
        let safe = TerminalText.sanitized(text)
        #expect(!TerminalText.containsActive(safe))
        #expect(safe.unicodeScalars.contains(TerminalText.replacement), "replaced visibly, not dropped silently")
    }

    @Test func ordinaryTextIsLeftAlone() {
        let ordinary = ["Ada, help desk", "Kiosk 3 · Hämeenlinna", "Apple ADE / Autopilot: 2 sign-ins", "👩‍💻 bench", ""]
        for text in ordinary {
            #expect(!TerminalText.containsActive(text))
            #expect(TerminalText.sanitized(text) == text)
        }
    }
}
