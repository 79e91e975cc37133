/// Text that a terminal would act on instead of showing: refused where people type it, replaced where it is
/// printed, so an old database or a hostile server cannot clear a kiosk screen, set its window title, write the
/// clipboard (OSC 52) or reorder what an operator reads.
public enum TerminalText {
    /// What a refused or replaced character becomes on a terminal: visible, and inert on every terminal.
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// Whether `scalar` is terminal-active: a C0 or C1 control (ESC, BEL, CR, LF, TAB, U+009B CSI, …), DEL,
    /// a bidirectional embedding, override, isolate or mark, or a line or paragraph separator.
    public static func isActive(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        // Bidi controls (Trojan Source, CVE-2021-42574): ALM, LRM, RLM, LRE…RLO, LRI…PDI.
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        case 0x2028, 0x2029: true
        default: false
        }
    }

    /// Whether `text` holds a terminal-active character (see ``isActive(_:)``).
    public static func containsActive(_ text: some StringProtocol) -> Bool {
        // Every active scalar is outside printable ASCII, so plain ASCII text is cleared by a byte scan.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F }) else { return false }
        return text.unicodeScalars.contains(where: isActive)
    }

    /// `text` with every terminal-active character replaced by U+FFFD, for printing server or stored text.
    public static func sanitized(_ text: some StringProtocol) -> String {
        guard containsActive(text) else { return String(text) }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { out.append(isActive(scalar) ? replacement : scalar) }
        return String(out)
    }
}
