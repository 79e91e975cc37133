/// A string value with a grammar, checked whenever one is made, decoded, or read from storage.
///
/// Conforming types get `Codable` (as a plain string; decoding refuses text outside the grammar with
/// ``grammarDescription`` as the reason) and `CustomStringConvertible`.
public protocol GrammarValue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The canonical form.
    var value: String { get }
    /// Parses text; `nil` when it is outside the grammar.
    init?(_ text: String)
    /// The grammar in a few words, for error messages.
    static var grammarDescription: String { get }
}

extension GrammarValue {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let parsed = Self(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: Self.grammarDescription)
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}

/// A user principal name as the API accepts it: `local@domain`, compared case-insensitively.
///
/// The grammar is checked at the edge, before a value reaches storage, a log line or Graph: at most 113
/// characters; the local part is ASCII letters, digits and `. _ - ' +`; the domain is dot-separated labels
/// of letters, digits and inner hyphens.
public struct UserPrincipalName: GrammarValue, Comparable {
    /// The lower-cased canonical form, used for storage and comparison.
    public let value: String
    public static let grammarDescription = "not a user principal name (local@domain, at most 113 characters)"

    /// Longest accepted name.
    public static let maximumLength = 113

    /// Parses a user principal name; `nil` when it is outside the grammar.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maximumLength, let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.allSatisfy(Self.isLocalByte), Self.isDomain(domain) else { return nil }
        value = String(decoding: bytes.map(Self.lowercased), as: UTF8.self)
    }

    /// The part after the `@`.
    public var domain: Substring { value[value.index(after: value.firstIndex(of: "@")!)...] }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    static func isLocalByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "._-'+".utf8.contains(byte)
    }

    static func isDomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
                && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
        }
    }
}

/// A device serial number: 1–64 ASCII letters, digits and `-`, upper-cased.
public struct SerialNumber: GrammarValue {
    /// The upper-cased canonical form.
    public let value: String
    public static let grammarDescription = "not a serial number (1-64 letters, digits and '-')"

    /// Parses a serial number; `nil` when it is outside the grammar.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count), bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
        else { return nil }
        value = String(decoding: bytes.map(uppercased), as: UTF8.self)
    }

}

/// The name of a site (a bench, a kiosk location): 1–64 lower-case ASCII letters, digits, `-`, `_` and `.`.
public struct SiteName: GrammarValue, Comparable {
    /// The lower-cased canonical form.
    public let value: String
    public static let grammarDescription = "not a site name (1-64 letters, digits, '-', '_', '.')"

    /// The site of sessions created by a global operator that names none.
    public static let defaultSite = SiteName("default")!

    /// Parses a site name; `nil` when it is outside the grammar.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count),
            bytes.allSatisfy({ isAlphanumeric($0) || "-_.".utf8.contains($0) })
        else { return nil }
        value = String(decoding: bytes.map(UserPrincipalName.lowercased), as: UTF8.self)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

/// A pattern over user principal names: an exact name, or `*` standing for any run of characters
/// (`*@contoso.example`, `adm-*@contoso.example`). Matching is case-insensitive.
public struct SubjectPattern: GrammarValue {
    /// The lower-cased pattern.
    public let value: String
    public static let grammarDescription = "not a subject pattern (a user principal name, '*' as wildcard)"

    /// Parses a pattern: at most 128 characters of the name grammar plus `*` and `@`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (1...128).contains(bytes.count),
            bytes.allSatisfy({ UserPrincipalName.isLocalByte($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "@") }
            )
        else { return nil }
        value = String(decoding: bytes.map(UserPrincipalName.lowercased), as: UTF8.self)
    }

    /// Whether `name` matches the pattern.
    public func matches(_ name: UserPrincipalName) -> Bool {
        Self.glob(Array(value.utf8)[...], Array(name.value.utf8)[...])
    }

    private static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        // Iterative wildcard matching with one backtrack point: linear-ish, no recursion blow-up.
        var p = pattern.startIndex, t = text.startIndex
        var star: Int? = nil, mark = text.startIndex
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") {
                star = p; mark = t; p += 1
            } else if let s = star {
                p = s + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }
}

func isAlphanumeric(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
}

func uppercased(_ byte: UInt8) -> UInt8 {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ? byte - 32 : byte
}

extension UserPrincipalName {
    static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte + 32 : byte
    }
}
