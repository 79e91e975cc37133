import Foundation
import TapCore

/// A Temporary Access Pass authentication method as Graph shows it. `temporaryAccessPass` is present only in
/// the answer to the create; every description hides it.
public struct TemporaryAccessPassMethod: Decodable, Sendable, CustomStringConvertible {
    public var id: String
    public var temporaryAccessPass: ExternalPassValue?
    public var createdDateTime: Date?
    public var startDateTime: Date?
    public var lifetimeInMinutes: Int?
    public var isUsableOnce: Bool?
    public var isUsable: Bool?
    /// `EnabledByPolicy`, `DisabledByPolicy`, `NotYetValid`, `Expired`, `OneTimeUsed` (compare case-insensitively).
    public var methodUsabilityReason: String?

    enum CodingKeys: String, CodingKey {
        case id, temporaryAccessPass, createdDateTime, startDateTime, lifetimeInMinutes, isUsableOnce, isUsable
        case methodUsabilityReason
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        temporaryAccessPass = try container.decodeIfPresent(String.self, forKey: .temporaryAccessPass).map(
            ExternalPassValue.init)
        createdDateTime = try container.decodeIfPresent(Date.self, forKey: .createdDateTime)
        startDateTime = try container.decodeIfPresent(Date.self, forKey: .startDateTime)
        lifetimeInMinutes = try container.decodeIfPresent(Int.self, forKey: .lifetimeInMinutes)
        isUsableOnce = try container.decodeIfPresent(Bool.self, forKey: .isUsableOnce)
        isUsable = try container.decodeIfPresent(Bool.self, forKey: .isUsable)
        methodUsabilityReason = try container.decodeIfPresent(String.self, forKey: .methodUsabilityReason)
    }

    /// Whether the usability reason is `reason`, compared case-insensitively as Graph's enums should be.
    public func usability(is reason: String) -> Bool {
        methodUsabilityReason?.caseInsensitiveCompare(reason) == .orderedSame
    }

    public var description: String {
        "TemporaryAccessPassMethod(id: \(id), methodUsabilityReason: \(methodUsabilityReason ?? "-"))"
    }
}

/// What to ask Graph for when creating a Temporary Access Pass.
public struct TemporaryAccessPassRequest: Encodable, Sendable, Equatable {
    public var startDateTime: Date?
    public var lifetimeInMinutes: Int?
    public var isUsableOnce: Bool?

    /// Makes a request; `nil` fields are left to Entra's policy defaults.
    public init(startDateTime: Date? = nil, lifetimeInMinutes: Int? = nil, isUsableOnce: Bool? = nil) {
        self.startDateTime = startDateTime
        self.lifetimeInMinutes = lifetimeInMinutes
        self.isUsableOnce = isUsableOnce
    }
}

/// An Intune managed device, with the fields the completion watcher reads.
public struct ManagedDevice: Decodable, Sendable, Equatable {
    public var id: String
    public var serialNumber: String?
    public var enrolledDateTime: Date?
    public var complianceState: String?
    public var deviceEnrollmentType: String?
    public var deviceRegistrationState: String?
    public var azureADDeviceId: String?
    public var userPrincipalName: String?
    public var lastSyncDateTime: Date?
}

/// A FIDO2 security key registered at Microsoft.
public struct Fido2Method: Decodable, Sendable, Equatable {
    public var id: String
    public var createdDateTime: Date?
    public var aaGuid: String?
    public var model: String?
    public var attestationLevel: String?
    public var displayName: String?
}

/// The tenant's Temporary Access Pass method policy.
public struct TemporaryAccessPassPolicy: Decodable, Sendable, Equatable {
    /// `enabled` or `disabled`.
    public var state: String
    public var defaultLifetimeInMinutes: Int?
    public var defaultLength: Int?
    public var minimumLifetimeInMinutes: Int?
    public var maximumLifetimeInMinutes: Int?
    public var isUsableOnce: Bool?

    /// Makes a policy (tests and the emulator).
    public init(
        state: String, defaultLifetimeInMinutes: Int?, defaultLength: Int?, minimumLifetimeInMinutes: Int?,
        maximumLifetimeInMinutes: Int?, isUsableOnce: Bool?
    ) {
        self.state = state
        self.defaultLifetimeInMinutes = defaultLifetimeInMinutes
        self.defaultLength = defaultLength
        self.minimumLifetimeInMinutes = minimumLifetimeInMinutes
        self.maximumLifetimeInMinutes = maximumLifetimeInMinutes
        self.isUsableOnce = isUsableOnce
    }

    /// The bounds it puts on our passes (Entra's documented range, 10 minutes to 30 days, where unset).
    public var limits: AuthorityPassLimits {
        AuthorityPassLimits(
            isEnabled: state.caseInsensitiveCompare("enabled") == .orderedSame,
            minimumLifetimeInMinutes: minimumLifetimeInMinutes ?? 10,
            maximumLifetimeInMinutes: maximumLifetimeInMinutes ?? 43_200,
            requiresUsableOnce: isUsableOnce ?? false, source: "Entra's Temporary Access Pass policy")
    }
}

/// `{"value": [...], "@odata.nextLink": ...}`.
struct GraphCollection<Item: Decodable>: Decodable {
    var value: [Item]
    var nextLink: String?

    enum CodingKeys: String, CodingKey {
        case value
        case nextLink = "@odata.nextLink"
    }
}

/// `{"error": {"code", "message", "innerError"}}`.
struct GraphErrorBody: Decodable {
    struct Inner: Decodable {
        var code: String?
        var message: String?
    }
    var error: Inner
}

/// The token endpoint's answer.
struct TokenResponse: Decodable {
    var accessToken: String
    var expiresIn: Int
    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
    }
}

/// The token endpoint's error (`error`, `error_description`, as OAuth 2.0 defines them).
struct TokenErrorResponse: Decodable {
    var error: String
    var errorDescription: String?
    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}

enum GraphJSON {
    /// `data` as `T`, or an unreadable answer naming what was expected.
    static func decoded<T: Decodable>(_: T.Type, from data: Data) -> Result<T, GraphError> {
        do {
            return .success(try decoder().decode(T.self, from: data))
        } catch {
            return .failure(.malformedResponse("\(T.self)"))
        }
    }

    /// Graph writes times as ISO 8601 with or without fractional seconds.
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = parseTime(text) { return date }
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time"))
        }
        return decoder
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTime(date))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static func parseTime(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }

    static func formatTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
