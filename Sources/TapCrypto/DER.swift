/// One DER element: its tag and its content bytes.
public struct DERElement: Sendable, Equatable {
    /// The tag class (the top two bits of the identifier octet).
    public enum TagClass: UInt8, Sendable {
        case universal = 0, application = 1, contextSpecific = 2, privateUse = 3
    }

    public let tagClass: TagClass
    public let isConstructed: Bool
    public let tagNumber: UInt64
    public let content: [UInt8]

    /// Universal tag numbers we read.
    public enum Universal {
        public static let boolean: UInt64 = 1
        public static let integer: UInt64 = 2
        public static let bitString: UInt64 = 3
        public static let octetString: UInt64 = 4
        public static let null: UInt64 = 5
        public static let objectIdentifier: UInt64 = 6
        public static let enumerated: UInt64 = 10
        public static let utf8String: UInt64 = 12
        public static let sequence: UInt64 = 16
        public static let set: UInt64 = 17
        public static let printableString: UInt64 = 19
    }

    /// Whether this is the universal element with `number`.
    public func isUniversal(_ number: UInt64) -> Bool { tagClass == .universal && tagNumber == number }

    /// The elements inside a constructed element, which must fill its content exactly.
    public func children() throws(DERError) -> [DERElement] {
        guard isConstructed else { throw .unexpected("primitive element has no children") }
        return try DERReader.readAll(content)
    }

    /// The value of a small INTEGER or ENUMERATED (up to 63 bits, non-negative).
    public func smallInteger() throws(DERError) -> Int {
        guard isUniversal(Universal.integer) || isUniversal(Universal.enumerated), !isConstructed,
            let first = content.first
        else { throw .unexpected("not an INTEGER") }
        guard first & 0x80 == 0 else { throw .unexpected("negative INTEGER") }
        guard content.count == 1 || first != 0 || content[1] & 0x80 != 0 else {
            throw .unexpected("non-minimal INTEGER")
        }
        let magnitude = content.drop { $0 == 0 }
        guard magnitude.count <= 7 else { throw .unexpected("INTEGER too large") }
        return magnitude.reduce(0) { $0 << 8 | Int($1) }
    }

    /// The bytes of an OCTET STRING.
    public func octetString() throws(DERError) -> [UInt8] {
        guard isUniversal(Universal.octetString), !isConstructed else { throw .unexpected("not an OCTET STRING") }
        return content
    }

    /// The dotted form of an OBJECT IDENTIFIER.
    public func objectIdentifier() throws(DERError) -> String {
        guard isUniversal(Universal.objectIdentifier), !isConstructed, !content.isEmpty,
            content.last! & 0x80 == 0
        else { throw .unexpected("not an OBJECT IDENTIFIER") }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        var startOfArc = true
        for byte in content {
            guard !(startOfArc && byte == 0x80), value >> 56 == 0 else {
                throw .unexpected("malformed OBJECT IDENTIFIER")
            }
            value = value << 7 | UInt64(byte & 0x7F)
            startOfArc = byte & 0x80 == 0
            if startOfArc {
                arcs.append(value)
                value = 0
            }
        }
        let first = arcs[0]
        let head: [UInt64] = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
        return (head + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }

    /// The value of a BOOLEAN (DER: 0x00 or 0xFF only).
    public func boolean() throws(DERError) -> Bool {
        guard isUniversal(Universal.boolean), !isConstructed, content.count == 1,
            content[0] == 0 || content[0] == 0xFF
        else { throw .unexpected("not a DER BOOLEAN") }
        return content[0] == 0xFF
    }
}

/// Reads DER (definite, minimal lengths) with every length checked against the bytes that remain.
public enum DERReader {
    /// Parses `bytes` as a sequence of elements that fill it exactly.
    public static func readAll(_ bytes: [UInt8]) throws(DERError) -> [DERElement] {
        var elements: [DERElement] = []
        var position = 0
        while position < bytes.count {
            let (element, next) = try readElement(bytes, at: position)
            elements.append(element)
            position = next
        }
        return elements
    }

    /// Parses `bytes` as exactly one element.
    public static func readSingle(_ bytes: [UInt8]) throws(DERError) -> DERElement {
        let (element, next) = try readElement(bytes, at: 0)
        guard next == bytes.count else { throw .trailingBytes }
        return element
    }

    private static func readElement(_ bytes: [UInt8], at start: Int) throws(DERError) -> (DERElement, Int) {
        var position = start
        func next() throws(DERError) -> UInt8 {
            guard position < bytes.count else { throw .truncated }
            defer { position += 1 }
            return bytes[position]
        }
        let identifier = try next()
        var number = UInt64(identifier & 0x1F)
        if number == 0x1F {
            number = 0
            var first = true
            while true {
                let byte = try next()
                guard !(first && byte == 0x80), number >> 56 == 0 else {
                    throw .unexpected("malformed high tag number")
                }
                first = false
                number = number << 7 | UInt64(byte & 0x7F)
                if byte & 0x80 == 0 { break }
            }
            guard number >= 0x1F else { throw .unexpected("high-tag form for a low tag number") }
        }
        let lengthByte = try next()
        var length: Int
        if lengthByte < 0x80 {
            length = Int(lengthByte)
        } else {
            let count = Int(lengthByte & 0x7F)
            guard count >= 1, count <= 4 else { throw .unexpected("indefinite or oversized length") }
            length = 0
            for _ in 0..<count { length = length << 8 | Int(try next()) }
            guard length >= 0x80, length >> (8 * (count - 1)) != 0 else { throw .unexpected("non-minimal length") }
        }
        guard length <= bytes.count - position else { throw .truncated }
        let element = DERElement(
            tagClass: DERElement.TagClass(rawValue: identifier >> 6)!,
            isConstructed: identifier & 0x20 != 0,
            tagNumber: number,
            content: Array(bytes[position..<position + length])
        )
        return (element, position + length)
    }
}

/// Why DER could not be read.
public enum DERError: Error, Sendable, Equatable {
    case truncated
    case trailingBytes
    case unexpected(String)
}
