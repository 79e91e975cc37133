import Foundation
import TapCore

/// An operator as the API shows it (never the token).
public struct OperatorView: Codable, Sendable, Equatable {
    public var id: OperatorID
    public var name: String
    public var role: Role
    public var site: SiteName?
    public var userPrincipalName: UserPrincipalName?
    public var allowedSubjects: [SubjectPattern]
    public var allowedSources: [String]
    public var createdDateTime: Date
    public var createdBy: OperatorID?
    public var expirationDateTime: Date?
    public var revokedDateTime: Date?
    /// Passes this operator minted in the last hour and day (admins' list only).
    public var issuance: IssuanceCount?

    /// The view of an operator.
    public init(_ record: Operator, issuance: IssuanceCount? = nil) {
        self.issuance = issuance
        id = record.identity.id
        name = record.identity.name
        role = record.identity.role
        site = record.identity.site
        userPrincipalName = record.identity.userPrincipalName
        allowedSubjects = record.identity.allowedSubjects
        allowedSources = record.allowedSources
        createdDateTime = record.createdAt
        createdBy = record.createdBy
        expirationDateTime = record.expiresAt
        revokedDateTime = record.revokedAt
    }
}

/// Passes an operator minted recently.
public struct IssuanceCount: Codable, Sendable, Equatable {
    public var lastHour: Int
    public var lastDay: Int

    /// Makes a count.
    public init(lastHour: Int, lastDay: Int) {
        self.lastHour = lastHour
        self.lastDay = lastDay
    }
}

/// `POST /v1/operators/{id}/rotate` and `/v1/operators/me/rotate`.
public struct RotateTokenRequest: Codable, Sendable {
    /// How long the old token keeps working, 0 to 7 days (default 60 minutes).
    public var graceMinutes: Int?

    /// Makes a request.
    public init(graceMinutes: Int? = nil) { self.graceMinutes = graceMinutes }
}

/// `PUT /v1/operators/{id}/role`: the role and site a person has from now on (no site: every site).
public struct OperatorRoleRequest: Codable, Sendable {
    public var role: Role
    public var site: SiteName?

    /// Makes a request.
    public init(role: Role, site: SiteName? = nil) {
        self.role = role
        self.site = site
    }
}

/// `POST /v1/operators`.
public struct CreateOperatorRequest: Codable, Sendable {
    public var name: String
    public var role: Role
    public var site: SiteName?
    public var userPrincipalName: UserPrincipalName?
    public var allowedSubjects: [SubjectPattern]?
    public var allowedSources: [String]?
    public var expirationDateTime: Date?
    /// For a `kiosk` token: answer a one-time enrolment code instead of the token (``CreatedKioskOperator``).
    public var withEnrolmentCode: Bool?

    /// Makes a request.
    public init(
        name: String, role: Role, site: SiteName? = nil, userPrincipalName: UserPrincipalName? = nil,
        allowedSubjects: [SubjectPattern]? = nil, allowedSources: [String]? = nil, expirationDateTime: Date? = nil,
        withEnrolmentCode: Bool? = nil
    ) {
        self.withEnrolmentCode = withEnrolmentCode
        self.name = name
        self.role = role
        self.site = site
        self.userPrincipalName = userPrincipalName
        self.allowedSubjects = allowedSubjects
        self.allowedSources = allowedSources
        self.expirationDateTime = expirationDateTime
    }
}

/// The 201 answer to creating an operator: the token appears here once.
public struct CreatedOperator: Codable, Sendable {
    public var `operator`: OperatorView
    public var token: String

    /// Makes an answer.
    public init(operator: OperatorView, token: String) {
        self.operator = `operator`
        self.token = token
    }
}

/// A page of operators.
public struct OperatorList: Codable, Sendable {
    public var items: [OperatorView]

    /// Makes a list.
    public init(items: [OperatorView]) { self.items = items }
}

/// One audit event as the API shows it.
public struct AuditEventView: Codable, Sendable, Equatable {
    /// The sequence number as text; usable as `Last-Event-ID` and as a cursor.
    public var id: String
    public var time: Date
    public var type: AuditEventType
    public var sessionId: SessionID?
    public var actor: String
    public var data: JSONValue

    /// The view of an event.
    public init(_ event: AuditEvent) {
        id = String(event.sequence)
        time = event.time
        type = event.type
        sessionId = event.sessionID
        actor = event.actor
        data = (try? JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))) ?? .object([:])
    }
}

/// A page of audit events; the cursor is the last sequence number seen.
public typealias AuditList = ListPage<AuditEventView>

/// An RFC 9457 problem with our stable `code`.
public struct Problem: Codable, Sendable, Equatable, Error {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: String
    /// The field at fault, when one is.
    public var field: String?
    /// The policy bound that was broken, for `policy_violation`.
    public var bound: String?

    /// Makes a problem; `type` is derived from the code.
    public init(status: Int, code: String, title: String, detail: String, field: String? = nil, bound: String? = nil) {
        self.type = "urn:tapstation:problem:\(code)"
        self.title = title
        self.status = status
        self.detail = detail
        self.code = code
        self.field = field
        self.bound = bound
    }
}
