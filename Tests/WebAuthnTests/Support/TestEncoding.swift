@testable import WebAuthn

/// A CBOR encoder for building test inputs (definite lengths, entries in the order given).
enum CBOREncoder {
    static func encode(_ item: CBOR) -> [UInt8] {
        switch item {
        case .unsigned(let value): return head(0, value)
        case .negative(let value): return head(1, value)
        case .bytes(let value): return head(2, UInt64(value.count)) + value
        case .text(let value): return head(3, UInt64(value.utf8.count)) + Array(value.utf8)
        case .array(let items): return head(4, UInt64(items.count)) + items.flatMap(encode)
        case .map(let map):
            return head(5, UInt64(map.entries.count)) + map.entries.flatMap { encode($0.key) + encode($0.value) }
        case .tagged(let tag, let inner): return head(6, tag) + encode(inner)
        case .boolean(let value): return [value ? 0xF5 : 0xF4]
        case .null: return [0xF6]
        case .undefined: return [0xF7]
        case .simple(let value): return value < 24 ? [0xE0 | value] : [0xF8, value]
        case .float(let value):
            return [0xFB] + withUnsafeBytes(of: value.bitPattern.bigEndian, Array.init)
        }
    }

    static func head(_ major: UInt8, _ argument: UInt64) -> [UInt8] {
        let prefix = major << 5
        switch argument {
        case 0..<24: return [prefix | UInt8(argument)]
        case 24...0xFF: return [prefix | 24, UInt8(argument)]
        case 0x100...0xFFFF: return [prefix | 25] + bigEndian(argument, 2)
        case 0x10000...0xFFFF_FFFF: return [prefix | 26] + bigEndian(argument, 4)
        default: return [prefix | 27] + bigEndian(argument, 8)
        }
    }

    static func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}

extension CBOR {
    /// An integer item from a Swift integer.
    static func int(_ value: Int) -> CBOR { value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value)) }

    /// A map from (key, value) pairs in order.
    static func pairs(_ pairs: [(CBOR, CBOR)]) -> CBOR {
        .map(CBORMap(entries: pairs.map { CBORMap.Entry(key: $0.0, value: $0.1) }))
    }
}
