import Foundation

/// Any JSON value, for documents whose shape is checked after they are merged (policy patches).
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Applies an RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key, anything else
    /// replaces the target.
    public func merging(patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result: [String: JSONValue]
        if case .object(let members) = self { result = members } else { result = [:] }
        for (key, value) in patchMembers {
            if value == .null {
                result.removeValue(forKey: key)
            } else {
                result[key] = (result[key] ?? .null).merging(patch: value)
            }
        }
        return .object(result)
    }

    /// Paths present in `self` but not in `known` (after a decode-and-encode round trip these are the keys
    /// the decoder ignored: typos in a patch).
    public func keysMissing(from known: JSONValue, path: String = "") -> [String] {
        guard case .object(let members) = self else { return [] }
        let knownMembers: [String: JSONValue]
        if case .object(let other) = known { knownMembers = other } else { knownMembers = [:] }
        return members.keys.sorted().flatMap { key -> [String] in
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard let knownChild = knownMembers[key] else { return [childPath] }
            return members[key]!.keysMissing(from: knownChild, path: childPath)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension Array where Element == UInt8 {
    /// Appends `text` as a JSON string, escaped as Foundation's `JSONEncoder` escapes it: quote, backslash,
    /// `\b \f \n \r \t`, other control characters as `\u00XX`; `/` and non-ASCII as they are. The JSON
    /// written by hand (audit data, the API's hot answers) goes through here, once per string field, so it
    /// allocates nothing of its own.
    public mutating func appendJSONString(_ text: String) {
        append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Runs of bytes that need no escape (nearly every string) are copied whole, not byte by byte.
            var plainStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
                appendEscaped(byte)
                plainStart = index + 1
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart...]))
        }
        append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        let escaped: UInt8
        switch byte {
        case 0x08: escaped = UInt8(ascii: "b")
        case 0x0C: escaped = UInt8(ascii: "f")
        case 0x0A: escaped = UInt8(ascii: "n")
        case 0x0D: escaped = UInt8(ascii: "r")
        case 0x09: escaped = UInt8(ascii: "t")
        case 0..<0x20:
            append(contentsOf: "\\u00".utf8)
            append(Self.hexDigit(byte >> 4))
            append(Self.hexDigit(byte & 0x0F))
            return
        default: escaped = byte  // the quote and the backslash
        }
        append(UInt8(ascii: "\\"))
        append(escaped)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
