/// Base64url without padding (RFC 4648 §5), as WebAuthn's JSON forms use it. Decoding is strict: no padding,
/// no whitespace, no characters from the standard alphabet, and no non-zero bits left over in the last character.
/// Only a WebAuthn credential's JSON may also carry correct padding (`decode(_:allowingPadding:)`), because real
/// clients send it (TPM platforms among them) and the reference verifiers accept it; JWTs and everything else may
/// not.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8: UInt8] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt8($0)) })

    /// Encodes `bytes` without padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<(chunk.count + 1) {
                out.append(alphabet[Int(value >> (18 - 6 * UInt32(position)) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64url that is unpadded or, with `allowingPadding`, padded exactly as RFC 4648 §3.2 pads
    /// (to a multiple of 4 with one or two `=`); `nil` for anything else.
    public static func decode(_ text: String, allowingPadding: Bool) -> [UInt8]? {
        guard allowingPadding, let unpadded = withoutPadding(text) else { return decode(text) }
        return decode(unpadded)
    }

    /// `text` without its padding, when the padding is exactly right (`"AQ=="` → `"AQ"`; `"AQ="`, `"AQID="` and
    /// `"A=Q"` have none that is); `text` itself when it has none; `nil` when its padding is wrong.
    public static func withoutPadding(_ text: String) -> String? {
        let characters = Array(text.utf8)
        let padding = characters.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding > 0 else { return text }
        let kept = characters.count - padding
        guard padding <= 2, characters.count % 4 == 0, kept % 4 == 4 - padding,
            !characters[..<kept].contains(UInt8(ascii: "="))
        else { return nil }
        return String(decoding: characters[..<kept], as: UTF8.self)
    }

    /// Decodes unpadded base64url, or returns `nil` for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count * 3 / 4)
        var index = 0
        while index < characters.count {
            let chunk = characters[index..<min(index + 4, characters.count)]
            var value: UInt32 = 0
            for (offset, character) in chunk.enumerated() {
                guard let digit = values[character] else { return nil }
                value |= UInt32(digit) << (18 - 6 * UInt32(offset))
            }
            let produced = chunk.count - 1
            // Bits below the last whole byte must be zero, so each byte string has exactly one encoding.
            let unusedBits = 24 - 8 * UInt32(produced)
            guard value & ((1 << unusedBits) - 1) == 0 || produced == 3 else { return nil }
            for position in 0..<produced { out.append(UInt8(value >> (16 - 8 * UInt32(position)) & 0xFF)) }
            index += 4
        }
        return out
    }
}
