import Foundation
import TapCore

/// `POST /v1/redeem`. Fields are plain strings: a malformed pass must be refused like a wrong one.
public struct RedeemRequest: Codable, Sendable {
    public var userPrincipalName: String
    public var temporaryAccessPass: String

    /// Makes a request.
    public init(userPrincipalName: String, temporaryAccessPass: String) {
        self.userPrincipalName = userPrincipalName
        self.temporaryAccessPass = temporaryAccessPass
    }
}

/// The part of a session a device or user learns by redeeming.
public struct RedeemedSession: Codable, Sendable, Equatable {
    public var id: SessionID
    public var scenario: Scenario
    public var state: SessionState
    public var userPrincipalName: UserPrincipalName
    public var device: DeviceSummary?

    /// The reduced view of `session`.
    public init(_ session: Session, now: Date) {
        id = session.id
        scenario = session.scenario
        state = session.effectiveState(at: now)
        userPrincipalName = session.userPrincipalName
        device = session.device.map {
            DeviceSummary(serialNumber: $0.serialNumber, platform: $0.platform, model: $0.model)
        }
    }
}

/// What a redeemer learns about the device.
public struct DeviceSummary: Codable, Sendable, Equatable {
    public var serialNumber: SerialNumber
    public var platform: DevicePlatform
    public var model: String?
}

/// The 200 answer to a redeem.
public struct RedeemResponse: Codable, Sendable {
    public var sessionToken: String
    public var sessionExpirationDateTime: Date
    public var session: RedeemedSession

    /// Makes an answer.
    public init(sessionToken: String, sessionExpirationDateTime: Date, session: RedeemedSession) {
        self.sessionToken = sessionToken
        self.sessionExpirationDateTime = sessionExpirationDateTime
        self.session = session
    }
}

/// `POST /v1/enrollment/device`.
public struct DeviceCheckInRequest: Codable, Sendable {
    public var serialNumber: SerialNumber
    public var mdmDeviceId: String?

    /// Makes a request.
    public init(serialNumber: SerialNumber, mdmDeviceId: String? = nil) {
        self.serialNumber = serialNumber
        self.mdmDeviceId = mdmDeviceId
    }
}
