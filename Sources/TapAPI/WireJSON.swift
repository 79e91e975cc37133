import Foundation
import TapCore

/// The JSON conventions of the API, shared by the server, the kiosk and the CLI: RFC 3339 UTC times
/// (fractional seconds accepted on input, whole seconds on output), keys as written.
public enum WireJSON {
    /// An encoder for API bodies.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTime(date))
        }
        return encoder
    }

    /// A decoder for API bodies.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTime(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time")
            }
            return date
        }
        return decoder
    }

    /// `2026-11-26T10:00:00Z`.
    public static func formatTime(_ date: Date) -> String {
        UTCTime.rfc3339(date)
    }

    /// Reads an RFC 3339 time with an offset or `Z`, with or without fractional seconds.
    public static func parseTime(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: false).parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }
}
