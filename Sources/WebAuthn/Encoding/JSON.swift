/// A JSON value from the strict parser.
public indirect enum JSONValue: Sendable, Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// The member `key` of an object.
    public subscript(key: String) -> JSONValue? { if case .object(let members) = self { members[key] } else { nil } }
    /// The text of a string.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The value of a boolean.
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The members of an object.
    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
    /// The elements of an array.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
}

/// RFC 8259 JSON parser that refuses what lenient parsers let through: duplicate member names (two parsers could
/// read two different challenges), lone surrogates, control characters in strings, trailing bytes, deep nesting.
public enum StrictJSON {
    /// Why the text is not acceptable JSON.
    public struct ParseError: Error, Sendable, Equatable {
        /// What was wrong.
        public let message: String
        /// The byte offset where parsing stopped.
        public let offset: Int
    }

    /// Parses UTF-8 `bytes` (a leading byte-order mark is skipped, as WebAuthn's UTF-8 decode does).
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = 32) throws(ParseError) -> JSONValue {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw ParseError(message: "not UTF-8", offset: 0) }
        var parser = Parser(
            bytes: bytes, position: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var position: Int
        let maximumDepth: Int

        func error(_ message: String) -> ParseError { ParseError(message: message, offset: position) }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ literal: String) throws(ParseError) {
            let expected = Array(literal.utf8)
            guard bytes.count - position >= expected.count,
                Array(bytes[position..<position + expected.count]) == expected
            else {
                throw error("expected \(literal)")
            }
            position += expected.count
        }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth <= maximumDepth else { throw error("nesting too deep") }
            switch current {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return try number()
            default: throw error("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(ParseError) -> JSONValue {
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
                let name = try string()
                skipWhitespace()
                try expect(":")
                skipWhitespace()
                let member = try value(depth: depth + 1)
                guard members.updateValue(member, forKey: name) == nil else { throw error("duplicate member \(name)") }
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect("}")
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> JSONValue {
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect("]")
                return .array(elements)
            }
        }

        mutating func string() throws(ParseError) -> String {
            position += 1
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() {
                if !run.isEmpty {
                    scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars); run = []
                }
            }
            while true {
                guard let byte = current else { throw error("unterminated string") }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    guard let escape = current else { throw error("unterminated escape") }
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        let unit = try hexUnit()
                        if (0xD800..<0xDC00).contains(unit) {
                            try expect("\\u")
                            let low = try hexUnit()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                            scalars.append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!)
                        } else {
                            guard let scalar = Unicode.Scalar(unit) else { throw error("unpaired surrogate") }
                            scalars.append(scalar)
                        }
                    default: throw error("invalid escape")
                    }
                case 0x00..<0x20: throw error("control character in string")
                default: run.append(byte)
                }
            }
        }

        mutating func hexUnit() throws(ParseError) -> UInt32 {
            guard bytes.count - position >= 4 else { throw error("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        mutating func number() throws(ParseError) -> JSONValue {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, (0x30...0x39).contains(first) else { throw error("invalid number") }
            if first == 0x30 { position += 1 } else { digits() }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw error("invalid number") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw error("invalid number") }
            }
            guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                throw error("invalid number")
            }
            return .number(value)
        }

        @discardableResult
        mutating func digits() -> Int {
            let start = position
            while let byte = current, (0x30...0x39).contains(byte) { position += 1 }
            return position - start
        }
    }
}
