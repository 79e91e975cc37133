/// Limits that keep hostile CBOR from costing memory or stack.
public struct CBORLimits: Sendable {
    /// Largest input accepted at all.
    public var maximumInputLength: Int
    /// Deepest nesting of arrays, maps and tags.
    public var maximumDepth: Int

    /// 256 KiB and 16 levels: well above any real attestation object (a TPM statement is a few KiB, 4 levels deep).
    public static let standard = CBORLimits(maximumInputLength: 256 * 1024, maximumDepth: 16)

    public init(maximumInputLength: Int, maximumDepth: Int) {
        self.maximumInputLength = maximumInputLength
        self.maximumDepth = maximumDepth
    }
}

/// Why CBOR was refused. Each case becomes its own reason code.
public enum CBORError: Error, Sendable, Equatable {
    /// The input ends inside an item (including a declared length longer than what is left).
    case truncated
    /// Bytes follow the single top-level item.
    case trailingBytes
    /// Nesting deeper than the limit.
    case nestingTooDeep
    /// A declared length no input within the size limit could hold, or an input over the size limit.
    case lengthTooLarge
    /// A map holds the same key twice.
    case duplicateMapKey
    /// Anything else that is not well-formed CBOR: reserved additional info, a stray break, a bad chunk,
    /// invalid UTF-8 in a text string, a two-byte simple value below 32.
    case malformed(String)
}

/// A strict CBOR decoder: definite and indefinite lengths, bounded depth and size, unique map keys, valid UTF-8.
public enum CBORDecoder {
    /// Decodes `bytes` as exactly one item; anything after it is an error.
    public static func decode(_ bytes: [UInt8], limits: CBORLimits = .standard) throws(CBORError) -> CBOR {
        let (item, end) = try decodePrefix(bytes, from: 0, limits: limits)
        guard end == bytes.count else { throw .trailingBytes }
        return item
    }

    /// Decodes one item starting at `offset` and returns it with the offset just past it: how authenticator data
    /// finds where the credential public key ends without guessing.
    public static func decodePrefix(
        _ bytes: [UInt8], from offset: Int, limits: CBORLimits = .standard
    ) throws(CBORError) -> (item: CBOR, end: Int) {
        guard bytes.count <= limits.maximumInputLength else { throw .lengthTooLarge }
        var reader = Reader(bytes: bytes, position: offset, limits: limits)
        let item = try reader.item(depth: 0)
        return (item, reader.position)
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int
        let limits: CBORLimits

        var remaining: Int { bytes.count - position }

        mutating func byte() throws(CBORError) -> UInt8 {
            guard position < bytes.count else { throw .truncated }
            defer { position += 1 }
            return bytes[position]
        }

        /// Refuses a declared length or count the rest of the input cannot hold: a length that no input within the
        /// limit could hold is an attack (`lengthTooLarge`); anything shorter means the input was cut (`truncated`).
        func requireRoom(for count: UInt64) throws(CBORError) {
            guard count > UInt64(remaining) else { return }
            throw count > UInt64(limits.maximumInputLength) ? .lengthTooLarge : .truncated
        }

        mutating func take(_ count: UInt64) throws(CBORError) -> [UInt8] {
            try requireRoom(for: count)
            let start = position
            position += Int(count)
            return Array(bytes[start..<position])
        }

        /// The argument of a head with `info` (0...27); `nil` for the indefinite marker (31).
        mutating func argument(_ info: UInt8) throws(CBORError) -> UInt64? {
            switch info {
            case 0..<24: return UInt64(info)
            case 24...27:
                var value: UInt64 = 0
                for _ in 0..<(1 << (info - 24)) { value = value << 8 | UInt64(try byte()) }
                return value
            case 31: return nil
            default: throw .malformed("reserved additional information \(info)")
            }
        }

        mutating func item(depth: Int) throws(CBORError) -> CBOR {
            guard depth <= limits.maximumDepth else { throw .nestingTooDeep }
            let head = try byte()
            let major = head >> 5, info = head & 0x1F
            if head == 0xFF { throw .malformed("break outside an indefinite-length item") }
            let length = try argument(info)
            switch major {
            case 0:
                guard let length else { throw .malformed("indefinite-length integer") }
                return .unsigned(length)
            case 1:
                guard let length else { throw .malformed("indefinite-length integer") }
                return .negative(length)
            case 2:
                return .bytes(try string(major: 2, length: length))
            case 3:
                let utf8 = try string(major: 3, length: length)
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw .malformed("text string is not UTF-8")
                }
                return .text(text)
            case 4:
                var elements: [CBOR] = []
                if let length {
                    // Each element takes at least one byte, so a count above what is left cannot be honest.
                    try requireRoom(for: length)
                    for _ in 0..<length { elements.append(try item(depth: depth + 1)) }
                } else {
                    while try !atBreak() { elements.append(try item(depth: depth + 1)) }
                }
                return .array(elements)
            case 5:
                var entries: [CBORMap.Entry] = []
                var keys = Set<CBOR>()
                func add(_ key: CBOR, _ value: CBOR) throws(CBORError) {
                    guard keys.insert(key).inserted else { throw .duplicateMapKey }
                    entries.append(CBORMap.Entry(key: key, value: value))
                }
                if let length {
                    try requireRoom(for: length)
                    for _ in 0..<length {
                        let key = try item(depth: depth + 1)
                        try add(key, try item(depth: depth + 1))
                    }
                } else {
                    while try !atBreak() {
                        let key = try item(depth: depth + 1)
                        try add(key, try item(depth: depth + 1))
                    }
                }
                return .map(CBORMap(entries: entries))
            case 6:
                guard let length else { throw .malformed("indefinite-length tag") }
                return .tagged(length, try item(depth: depth + 1))
            default:
                return try simpleOrFloat(info: info, argument: length)
            }
        }

        /// Consumes a break byte if one is next.
        mutating func atBreak() throws(CBORError) -> Bool {
            guard position < bytes.count else { throw .truncated }
            guard bytes[position] == 0xFF else { return false }
            position += 1
            return true
        }

        /// A byte or text string; an indefinite one is a series of definite chunks of the same major type.
        mutating func string(major: UInt8, length: UInt64?) throws(CBORError) -> [UInt8] {
            if let length { return try take(length) }
            var joined: [UInt8] = []
            while try !atBreak() {
                let head = try byte()
                guard head >> 5 == major, let chunkLength = try argument(head & 0x1F) else {
                    throw .malformed("indefinite string chunk of another type or indefinite itself")
                }
                let chunk = try take(chunkLength)
                if major == 3, String(validating: chunk, as: UTF8.self) == nil {
                    throw .malformed("text string chunk is not UTF-8")
                }
                joined += chunk
            }
            return joined
        }

        func simpleOrFloat(info: UInt8, argument: UInt64?) throws(CBORError) -> CBOR {
            guard let argument else { throw .malformed("break outside an indefinite-length item") }
            switch info {
            case 0..<20: return .simple(info)
            case 20: return .boolean(false)
            case 21: return .boolean(true)
            case 22: return .null
            case 23: return .undefined
            case 24:
                guard argument >= 32 else { throw .malformed("two-byte simple value below 32") }
                return .simple(UInt8(argument))
            case 25: return .float(Double(Float16Bits(UInt16(argument)).value))
            case 26: return .float(Double(Float(bitPattern: UInt32(argument))))
            default: return .float(Double(bitPattern: argument))
            }
        }
    }
}

/// IEEE 754 half precision decoded by hand (Float16 is unavailable on some platforms).
private struct Float16Bits {
    let bits: UInt16
    init(_ bits: UInt16) { self.bits = bits }

    var value: Double {
        let exponent = Int(bits >> 10 & 0x1F), fraction = Double(bits & 0x3FF)
        let sign: Double = bits & 0x8000 == 0 ? 1 : -1
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
