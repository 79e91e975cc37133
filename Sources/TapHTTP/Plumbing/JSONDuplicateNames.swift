/// Finds an object that names one member twice, in a single pass over the body's bytes.
///
/// RFC 8259 leaves duplicate names to the parser: Foundation keeps the first, most gateways and scripts keep the
/// last, so a body could mean one thing to a proxy or a logging filter and another to us. Refusing them ends the
/// ambiguity. No second parse: only member names are decoded (escapes resolved, so `"a"` and `"\u0061"` are one
/// name), and compared as Swift strings, the way the decoder's keyed containers compare them.
enum JSONDuplicateNames {
    /// The first member name that repeats within one object, at any depth; `nil` when none does, or when the
    /// text is too broken to tell (the decoder then refuses it as invalid JSON).
    static func firstDuplicate(in bytes: [UInt8]) -> String? {
        // One entry per open container: the names seen so far in an object, `nil` for an array.
        var containers: [Set<String>?] = []
        var expectingName = false
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                containers.append([])
                expectingName = true
            case UInt8(ascii: "["):
                containers.append(nil)
                expectingName = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !containers.isEmpty else { return nil }
                containers.removeLast()
                expectingName = false
            case UInt8(ascii: ","):
                expectingName = containers.last.map { $0 != nil } ?? false
            case UInt8(ascii: ":"):
                expectingName = false
            case UInt8(ascii: "\""):
                let start = index + 1
                var end = start
                var hasEscape = false
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    if bytes[end] == UInt8(ascii: "\\") {
                        hasEscape = true
                        end += 1
                    }
                    end += 1
                }
                guard end < bytes.count else { return nil }
                if expectingName, let last = containers.indices.last, containers[last] != nil {
                    let raw = bytes[start..<end]
                    guard let name = hasEscape ? unescaped(raw) : String(decoding: raw, as: UTF8.self) else {
                        return nil
                    }
                    if !containers[last]!.insert(name).inserted { return name }
                }
                expectingName = false
                index = end
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// A string's content with its escapes resolved; `nil` for an escape JSON does not have.
    private static func unescaped(_ raw: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < raw.endIndex else { return nil }
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4(raw, at: index) else { return nil }
                index += 4
                var value = unit
                // A surrogate pair written as two escapes is one scalar.
                if (0xD800...0xDBFF).contains(unit), index + 6 <= raw.endIndex, raw[index] == UInt8(ascii: "\\"),
                    raw[index + 1] == UInt8(ascii: "u"), let low = hex4(raw, at: index + 2),
                    (0xDC00...0xDFFF).contains(low)
                {
                    value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                UTF8.encode(Unicode.Scalar(value) ?? "\u{FFFD}") { out.append($0) }
            default:
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex4(_ raw: ArraySlice<UInt8>, at index: Int) -> UInt32? {
        guard index + 4 <= raw.endIndex else { return nil }
        var value: UInt32 = 0
        for byte in raw[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
