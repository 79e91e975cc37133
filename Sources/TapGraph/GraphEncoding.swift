import Foundation

/// How values reach Graph's URLs: user ids as percent-encoded path segments, and every value inside a
/// `$filter` as an OData string literal with `'` doubled.
public enum GraphEncoding {
    /// RFC 3986 unreserved characters; everything else in a segment or query value is percent-encoded.
    private static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return set
    }()

    /// `value` as one path segment: `o'neil+it@contoso.example` becomes `o%27neil%2Bit%40contoso.example`.
    public static func pathSegment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// `value` as a query parameter value (spaces as `%20`, never `+`).
    public static func queryValue(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// `value` as an OData string literal: quoted, with each `'` doubled.
    public static func odataString(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `property eq 'value'`, quoted as an OData literal.
    public static func equalsFilter(_ property: String, _ value: String) -> String {
        "\(property) eq \(odataString(value))"
    }
}
