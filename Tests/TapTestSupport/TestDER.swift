/// A DER encoder for certificate extension values in tests.
public enum TestDER {
    public static func element(_ identifier: UInt8, _ content: [UInt8]) -> [UInt8] {
        [identifier] + length(content.count) + content
    }

    public static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        let bytes = withUnsafeBytes(of: UInt32(count).bigEndian, Array.init).drop { $0 == 0 }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    public static func sequence(_ items: [[UInt8]]) -> [UInt8] { element(0x30, items.flatMap { $0 }) }
    public static func set(_ items: [[UInt8]]) -> [UInt8] { element(0x31, items.flatMap { $0 }) }
    public static func octetString(_ bytes: [UInt8]) -> [UInt8] { element(0x04, bytes) }
    public static func utf8String(_ text: String) -> [UInt8] { element(0x0C, Array(text.utf8)) }
    public static let null: [UInt8] = [0x05, 0x00]
    public static func boolean(_ value: Bool) -> [UInt8] { [0x01, 0x01, value ? 0xFF : 0x00] }

    public static func integer(_ value: Int) -> [UInt8] {
        var bytes = withUnsafeBytes(of: UInt64(value).bigEndian, Array.init).drop { $0 == 0 }.map { $0 }
        if bytes.isEmpty || bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return element(0x02, bytes)
    }

    public static func enumerated(_ value: Int) -> [UInt8] { [0x0A] + Array(integer(value).dropFirst()) }

    public static func oid(_ dotted: String) -> [UInt8] {
        let arcs = dotted.split(separator: ".").map { UInt64($0)! }
        var content: [UInt8] = [UInt8(arcs[0] * 40 + arcs[1])]
        for arc in arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(arc & 0x7F)]
            var rest = arc >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            content += chunk
        }
        return element(0x06, content)
    }

    /// An explicitly tagged context-specific element `[number] EXPLICIT content`, with high tag numbers as needed.
    public static func explicit(_ number: UInt64, _ content: [UInt8]) -> [UInt8] {
        if number < 31 { return element(0xA0 | UInt8(number), content) }
        var tag: [UInt8] = [UInt8(number & 0x7F)]
        var rest = number >> 7
        while rest > 0 {
            tag.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
            rest >>= 7
        }
        return [0xBF] + tag + length(content.count) + content
    }
}
