import TapCore

/// Turns a ``Screen`` into the bytes a terminal shows: plain lines and prompts, no cursor addressing beyond
/// "clear", fitted to the terminal's width.
///
/// Three styles: `ansi` clears the screen between screens and uses bold and colour; `monochrome` clears but
/// never colours (`NO_COLOR`); `plain` sends no escape sequence at all, for serial lines and dumb terminals,
/// so a screen is separated by a rule and a pass is pushed off with blank lines.
public struct ScreenRenderer: Sendable {
    /// How much of the terminal's control language may be used.
    public enum Style: Sendable, Equatable {
        case ansi, monochrome, plain
    }

    public var style: Style

    /// Makes a renderer.
    public init(style: Style) { self.style = style }

    /// Lines pushed out on a plain terminal to take a pass off the screen.
    public static let plainWipeLines = 60

    /// The text that shows `screen` on a terminal `width` columns wide; `nil` for a refresh (a countdown
    /// update) on a plain terminal, where reprinting would only scroll the pass into more of its history.
    public func render(_ screen: Screen, width: Int, isRefresh: Bool = false) -> String? {
        if isRefresh, style == .plain { return nil }
        // Operator names, preset titles, reasons and models come from the service (and an old database); only
        // the renderer's own sequences may reach the terminal.
        let screen = screen.terminalSafe
        let width = max(20, min(width, 200))
        var out = ""
        switch style {
        case .ansi, .monochrome: out += "\u{1B}[H\u{1B}[2J"
        // A screen may come while the cursor still sits after the last prompt: start on a line of its own.
        case .plain: out += "\n" + String(repeating: "-", count: min(width, 79)) + "\n"
        }
        out += emphasised(screen.title, bold: true) + "\n\n"
        for line in screen.body {
            switch line {
            case .text(let text):
                for row in wrap(text, width: width) { out += row + "\n" }
            case .choice(let key, let title):
                for (index, row) in wrap(title, width: width - 6).enumerated() {
                    out += (index == 0 ? "  " + key.padding(4) : "      ") + row + "\n"
                }
            case .pass(let pass):
                if let rows = PassBanner.rows(for: pass, width: width - 2) {
                    for row in rows { out += "  " + row + "\n" }
                    out += "\n"
                }
                out += "  " + emphasised(pass.split(separator: "-").joined(separator: " - "), bold: true) + "\n"
            case .picture(let rows):
                if rows.allSatisfy({ $0.count <= width }) {
                    for row in rows { out += row + "\n" }
                } else {
                    out += "(The terminal is too narrow for the QR code.)\n"
                }
            case .blank:
                out += "\n"
            }
        }
        if let notice = screen.notice {
            out += "\n"
            for row in wrap(notice, width: width) { out += highlighted(row) + "\n" }
        }
        out += "\n" + screen.prompt + " "
        return out
    }

    /// The text that takes everything off the screen: the screen and, where the terminal supports it, its
    /// scrollback (`ESC [3J`); on a plain terminal, enough blank lines to push the pass out of sight.
    public func wipe() -> String {
        switch style {
        case .ansi, .monochrome: "\u{1B}[H\u{1B}[2J\u{1B}[3J"
        case .plain: String(repeating: "\n", count: Self.plainWipeLines)
        }
    }

    private func emphasised(_ text: String, bold: Bool) -> String {
        style == .plain || !bold ? text : "\u{1B}[1m" + text + "\u{1B}[0m"
    }

    private func highlighted(_ text: String) -> String {
        switch style {
        case .ansi: "\u{1B}[1;33m" + text + "\u{1B}[0m"
        case .monochrome: "\u{1B}[7m" + text + "\u{1B}[0m"
        case .plain: "! " + text
        }
    }

    /// Word-wraps `text` to `width` columns, cutting words longer than a line.
    func wrap(_ text: String, width: Int) -> [String] {
        let width = max(1, width)
        var rows: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = Substring(word)
            while word.count > width {
                if !current.isEmpty { rows.append(current); current = "" }
                rows.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                rows.append(current)
                current = String(word)
            }
        }
        rows.append(current)
        return rows
    }
}

extension Screen {
    /// The screen with every text passed through ``TerminalText/sanitized(_:)``.
    var terminalSafe: Screen {
        func safe(_ text: String) -> String { TerminalText.sanitized(text) }
        return Screen(
            title: safe(title),
            body: body.map { line in
                switch line {
                case .text(let text): .text(safe(text))
                case .choice(let key, let title): .choice(key: safe(key), title: safe(title))
                case .pass(let pass): .pass(safe(pass))
                case .picture(let rows): .picture(rows.map(safe))
                case .blank: .blank
                }
            },
            notice: notice.map(safe), prompt: safe(prompt))
    }
}

extension String {
    /// The string padded with spaces to `length` characters.
    func padding(_ length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
