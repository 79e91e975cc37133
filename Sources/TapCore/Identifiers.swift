import Foundation

/// A typed identifier: a lower-case, time-ordered UUID string tagged with the entity it names.
///
/// Ids sort by creation time (the first 48 bits are milliseconds since 1970, as in UUIDv7), so a list
/// ordered by id is ordered by creation and a cursor can simply be the last id seen.
public struct Identifier<Entity>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The canonical text form.
    public let rawValue: String

    /// Accepts only the canonical form (36 characters, lower-case hex and dashes), so a path segment
    /// cannot smuggle anything else into a query or a log line.
    public init?(_ text: String) {
        guard Identifier.isCanonical(text) else { return nil }
        rawValue = text
    }

    /// Makes a new time-ordered id from the given time and 10 random bytes.
    public init(time: Date, random: [UInt8]) {
        precondition(random.count >= 10, "an id needs 10 random bytes")
        let millis = UInt64(max(0, (time.timeIntervalSince1970 * 1000).rounded(.down)))
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        for index in 6..<16 { bytes[index] = random[index - 6] }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 4122 variant
        // Written byte by byte: this runs once per session, pass and token, inside write transactions.
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        rawValue = String(decoding: text, as: UTF8.self)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = Identifier(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an id")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Identifier, rhs: Identifier) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func isCanonical(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return false }
        for (index, byte) in utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                let isHexLetter = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")
                guard isDigit || isHexLetter else { return false }
            }
        }
        return true
    }
}

/// Tag types for ``Identifier``.
public enum SessionEntity {}
/// Tag for device ids.
public enum DeviceEntity {}
/// Tag for operator ids.
public enum OperatorEntity {}
/// Tag for pass ids.
public enum PassEntity {}
/// Tag for webhook ids.
public enum WebhookEntity {}
/// Tag for webhook delivery ids.
public enum WebhookDeliveryEntity {}

/// Tag for a person's console passkey ids.
public enum OperatorPasskeyEntity {}
/// Tag for console (browser) session ids.
public enum ConsoleSessionEntity {}

/// The id of an enrollment session.
public typealias SessionID = Identifier<SessionEntity>
/// The id of a device record.
public typealias DeviceID = Identifier<DeviceEntity>
/// The id of an operator (an API token holder).
public typealias OperatorID = Identifier<OperatorEntity>
/// The id of one minted pass.
public typealias PassID = Identifier<PassEntity>
/// The id of a registered webhook endpoint.
public typealias WebhookID = Identifier<WebhookEntity>
/// The id of one event's delivery to one webhook.
public typealias WebhookDeliveryID = Identifier<WebhookDeliveryEntity>
