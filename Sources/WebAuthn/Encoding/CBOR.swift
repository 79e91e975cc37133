/// A decoded CBOR data item (RFC 8949).
public indirect enum CBOR: Sendable, Hashable {
    case unsigned(UInt64)
    /// A negative integer, stored as in the encoding: the value is `-1 - n`.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    case map(CBORMap)
    case tagged(UInt64, CBOR)
    case boolean(Bool)
    case null
    case undefined
    case simple(UInt8)
    case float(Double)

    /// The value as a Swift integer, when it is an integer that fits.
    public var integer: Int? {
        switch self {
        case .unsigned(let value): value <= UInt64(Int.max) ? Int(value) : nil
        case .negative(let value): value <= UInt64(Int.max) ? -1 - Int(value) : nil
        default: nil
        }
    }

    /// The bytes of a byte string.
    public var byteString: [UInt8]? { if case .bytes(let value) = self { value } else { nil } }
    /// The text of a text string.
    public var textString: String? { if case .text(let value) = self { value } else { nil } }
    /// The entries of a map.
    public var mapValue: CBORMap? { if case .map(let value) = self { value } else { nil } }
    /// The elements of an array.
    public var arrayValue: [CBOR]? { if case .array(let value) = self { value } else { nil } }
}

/// A CBOR map in encoded order. Keys are unique (the decoder refuses duplicates).
public struct CBORMap: Sendable, Hashable {
    /// The entries, in the order they were encoded.
    public let entries: [Entry]

    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public let key: CBOR
        /// The value.
        public let value: CBOR
    }

    public init(entries: [Entry]) { self.entries = entries }

    /// The value for `key`.
    public subscript(key: CBOR) -> CBOR? { entries.first { $0.key == key }?.value }
    /// The value for a text key.
    public subscript(text key: String) -> CBOR? { self[.text(key)] }
    /// The value for an integer key (COSE labels).
    public subscript(label: Int) -> CBOR? {
        self[label >= 0 ? .unsigned(UInt64(label)) : .negative(UInt64(-1 - label))]
    }

    /// The keys, in encoded order.
    public var keys: [CBOR] { entries.map(\.key) }
}
