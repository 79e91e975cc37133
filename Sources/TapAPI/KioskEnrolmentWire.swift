import Foundation
import TapCore

/// The 201 answer to creating a kiosk operator `withEnrolmentCode`: a short-lived one-time code instead of
/// the token. The kiosk exchanges it for its token on first start, so the token is never copied by hand.
public struct CreatedKioskOperator: Codable, Sendable {
    public var `operator`: OperatorView
    /// Shown here once; stored only as a MAC.
    public var enrolmentCode: String
    public var enrolmentCodeExpirationDateTime: Date

    /// Makes an answer.
    public init(operator: OperatorView, enrolmentCode: String, enrolmentCodeExpirationDateTime: Date) {
        self.operator = `operator`
        self.enrolmentCode = enrolmentCode
        self.enrolmentCodeExpirationDateTime = enrolmentCodeExpirationDateTime
    }
}

/// `POST /v1/kiosk/enrol`. A plain string: a malformed code is refused like a wrong one.
public struct KioskEnrolmentRequest: Codable, Sendable {
    public var enrolmentCode: String

    /// Makes a request.
    public init(enrolmentCode: String) { self.enrolmentCode = enrolmentCode }
}

/// The 200 answer to a kiosk enrolment: the kiosk's operator token, once.
public struct KioskEnrolmentResponse: Codable, Sendable {
    public var `operator`: OperatorView
    public var token: String

    /// Makes an answer.
    public init(operator: OperatorView, token: String) {
        self.operator = `operator`
        self.token = token
    }
}
