/// A line as the terminal delivered it, made safe to act on.
///
/// Keyboards, barcode scanners and pasted text can deliver escape sequences, control characters, invalid
/// UTF-8 and lines of any length. Cleaning drops escape sequences and controls, refuses bytes that are not
/// text, and refuses lines longer than anything a person or a scanner types, so the flow only sees text.
public enum LineInput: Equatable, Sendable {
    /// Printable text, trimmed of surrounding whitespace (possibly empty: the user pressed Enter).
    case text(String)
    /// Longer than ``maximumBytes``; the byte count is kept for the message.
    case tooLong(bytes: Int)
    /// Held bytes that are not UTF-8 text (binary junk, a misconfigured scanner).
    case notText

    /// The longest line the kiosk reads; the longest thing typed here is a 113-character user name.
    public static let maximumBytes = 512

    /// Cleans one line's bytes (without its line end).
    public static func clean(_ bytes: [UInt8]) -> LineInput {
        if bytes.count > maximumBytes { return .tooLong(bytes: bytes.count) }
        let kept = droppingEscapeSequences(bytes)
        // Invalid UTF-8 means the bytes were not typed text; refuse rather than guess.
        guard let text = String(validating: kept, as: UTF8.self) else { return .notText }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: scalars.append(" ")  // a scanner's tab between fields reads as a space
            case 0x00..<0x20, 0x7F..<0xA0: continue  // C0 and C1 controls, DEL
            case 0x200B...0x200F, 0x2028...0x202E, 0x2066...0x2069, 0xFEFF: continue  // invisible and bidi controls
            default: scalars.append(scalar)
            }
        }
        return .text(String(scalars).trimmingWhitespace())
    }

    /// Removes ANSI/VT escape sequences: CSI (`ESC [ … final`), OSC and string sequences (`ESC ] … BEL` or
    /// `ESC \`), and two-byte escapes. Arrow keys and function keys arrive as these.
    static func droppingEscapeSequences(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x1B else {
                out.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let kind = bytes[index]
            index += 1
            switch kind {
            case UInt8(ascii: "["):
                while index < bytes.count, !(0x40...0x7E).contains(bytes[index]) { index += 1 }
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "_"), UInt8(ascii: "^"):
                while index < bytes.count {
                    if bytes[index] == 0x07 { index += 1; break }
                    if bytes[index] == 0x1B, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\") {
                        index += 2; break
                    }
                    index += 1
                }
            case UInt8(ascii: "O"):
                index += 1  // SS3: one more byte (F1-F4, keypad in application mode)
            default:
                break
            }
        }
        return out
    }
}

extension String {
    /// The string without leading and trailing spaces.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
