import Foundation
import TapCore

/// `POST /v1/sessions`.
public struct CreateSessionRequest: Codable, Sendable, Equatable {
    public var scenario: Scenario
    public var userPrincipalName: UserPrincipalName
    public var device: DeviceDescription?
    public var site: SiteName?
    public var reason: String?
    public var proofing: Proofing?
    public var pass: PassRequest?
    /// Entra mode: delete a Temporary Access Pass the user already holds instead of refusing with
    /// `entra_tap_exists`. Ignored in local mode.
    public var replaceExisting: Bool?

    /// Makes a request.
    public init(
        scenario: Scenario, userPrincipalName: UserPrincipalName, device: DeviceDescription? = nil,
        site: SiteName? = nil,
        reason: String? = nil, proofing: Proofing? = nil, pass: PassRequest? = nil, replaceExisting: Bool? = nil
    ) {
        self.scenario = scenario
        self.userPrincipalName = userPrincipalName
        self.device = device
        self.site = site
        self.reason = reason
        self.proofing = proofing
        self.pass = pass
        self.replaceExisting = replaceExisting
    }
}

/// Entra mode: where the session's Temporary Access Pass stands in Entra.
public struct EntraPassView: Codable, Sendable, Equatable {
    /// The authentication method id Graph gave the pass.
    public var methodId: String?
    /// `provisioning` (Graph's answer not recorded yet), `issued` or `failed`.
    public var provisioning: EntraPassStatus.Provisioning
    /// `pending` from the moment the session closed until Graph confirmed the delete, then `confirmed`;
    /// absent while the pass lives.
    public var revocation: EntraPassStatus.Revocation?
    /// Entra counts no uses: `maxUses` above 1 becomes `isUsableOnce: false`, usable any number of times
    /// within its lifetime.
    public var usesCounted: Bool

    /// The view of a status.
    public init(_ status: EntraPassStatus) {
        methodId = status.methodID
        provisioning = status.provisioning
        revocation = status.revocation
        usesCounted = false
    }
}

/// A pass as the API shows it. `temporaryAccessPass` is present only in the answer that minted it.
public struct PassView: Codable, Sendable, Equatable {
    public var temporaryAccessPass: String?
    public var startDateTime: Date
    public var lifetimeInMinutes: Int
    public var expirationDateTime: Date
    public var maxUses: Int
    public var usesRemaining: Int
    public var isUsableOnce: Bool
    public var isUsable: Bool
    public var methodUsabilityReason: MethodUsabilityReason
    /// Which authority minted the pass: `local` or `entra`.
    public var authority: PassAuthorityMode?

    /// The view of `terms` at `now`, with the value when it was just minted (ours, or Entra's as Entra gave it).
    public init(
        _ terms: PassTerms, now: Date, value: PassCode? = nil, externalValue: ExternalPassValue? = nil,
        policyEnabled: Bool = true, authority: PassAuthorityMode? = nil
    ) {
        let reason = terms.usability(at: now, policyEnabled: policyEnabled)
        temporaryAccessPass = value?.grouped ?? externalValue?.revealed
        self.authority = authority
        startDateTime = terms.startsAt
        lifetimeInMinutes = terms.lifetimeInMinutes
        expirationDateTime = terms.expiresAt
        maxUses = terms.maxUses
        usesRemaining = terms.usesRemaining
        isUsableOnce = terms.maxUses == 1
        isUsable = reason.isUsable
        methodUsabilityReason = reason
    }
}

/// A device as the API shows it.
public struct DeviceView: Codable, Sendable, Equatable {
    public var id: DeviceID
    public var serialNumber: SerialNumber
    public var platform: DevicePlatform
    public var model: String?
    public var assetTag: String?
    public var site: SiteName
    public var enrollmentState: EnrollmentState
    public var mdmDeviceId: String?
    public var lastSeenDateTime: Date?
    public var createdDateTime: Date

    /// The view of a device.
    public init(_ device: Device) {
        id = device.id
        serialNumber = device.serialNumber
        platform = device.platform
        model = device.model
        assetTag = device.assetTag
        site = device.site
        enrollmentState = device.enrollmentState
        mdmDeviceId = device.mdmDeviceID
        lastSeenDateTime = device.lastSeenAt
        createdDateTime = device.createdAt
    }
}

/// A session as the API shows it (never the pass value, except in the answer that minted it).
public struct SessionView: Codable, Sendable, Equatable {
    public var id: SessionID
    public var scenario: Scenario
    public var state: SessionState
    public var site: SiteName
    public var userPrincipalName: UserPrincipalName
    public var device: DeviceView?
    public var reason: String?
    public var proofing: Proofing?
    public var createdBy: OperatorID
    public var createdDateTime: Date
    public var updatedDateTime: Date
    public var completionDeadline: Date
    public var firstUsedDateTime: Date?
    public var closedDateTime: Date?
    public var pass: PassView?
    /// The four-eyes record, when issuance needed a second operator.
    public var approval: Approval?
    /// Whether the subject is one of the policy's privileged users.
    public var privilegedSubject: Bool
    /// Entra mode: the pass's Graph id and whether its deletion is pending or confirmed.
    public var entra: EntraPassView?

    /// The view of `session` at `now`; a pass value only in the answer that minted it.
    public init(_ session: Session, now: Date, passValue: PassCode? = nil, externalPassValue: ExternalPassValue? = nil)
    {
        id = session.id
        scenario = session.scenario
        state = session.effectiveState(at: now)
        site = session.site
        userPrincipalName = session.userPrincipalName
        device = session.device.map(DeviceView.init)
        reason = session.reason
        proofing = session.proofing
        createdBy = session.createdBy
        createdDateTime = session.createdAt
        updatedDateTime = session.updatedAt
        completionDeadline = session.completionDeadline
        firstUsedDateTime = session.firstUsedAt
        closedDateTime = session.closedAt
        let authority: PassAuthorityMode? = session.entra == nil ? nil : .entra
        pass = session.pass.map {
            PassView($0, now: now, value: passValue, externalValue: externalPassValue, authority: authority)
        }
        approval = session.approval
        privilegedSubject = session.isPrivilegedSubject
        entra = session.entra.map(EntraPassView.init)
    }
}

/// One page of a list and the cursor for the next (absent on the last page).
public struct ListPage<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    public var nextCursor: String?

    /// Makes a page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// A page of sessions.
public typealias SessionList = ListPage<SessionView>
/// A page of devices.
public typealias DeviceList = ListPage<DeviceView>

/// `POST /v1/sessions/{id}/cancel`.
public struct CancelRequest: Codable, Sendable {
    public var reason: String?

    /// Makes a request.
    public init(reason: String? = nil) { self.reason = reason }
}

/// `POST /v1/approvals/{id}/approve`.
public struct ApproveRequest: Codable, Sendable {
    /// The approver's own note of how the person was identified, when policy asks for one.
    public var proofing: Proofing?

    /// Makes a request.
    public init(proofing: Proofing? = nil) { self.proofing = proofing }
}

/// `POST /v1/approvals/{id}/reject`.
public struct RejectRequest: Codable, Sendable {
    public var reason: String

    /// Makes a request.
    public init(reason: String) { self.reason = reason }
}

/// `POST /v1/users/{userPrincipalName}/revoke`: everything of a user dies.
public struct RevokeUserRequest: Codable, Sendable {
    public var reason: String

    /// Makes a request.
    public init(reason: String) { self.reason = reason }
}

/// The answer to revoking a user: the sessions cancelled.
public struct RevokeUserResponse: Codable, Sendable {
    public var cancelledSessions: [SessionID]

    /// Makes an answer.
    public init(cancelledSessions: [SessionID]) { self.cancelledSessions = cancelledSessions }
}

/// `PUT /v1/users/{userPrincipalName}/issuance-lock`.
public struct IssuanceLockRequest: Codable, Sendable {
    /// How long, 1 minute to 30 days.
    public var minutes: Int
    public var reason: String

    /// Makes a request.
    public init(minutes: Int, reason: String) {
        self.minutes = minutes
        self.reason = reason
    }
}

/// The answer to locking a user out of issuance.
public struct IssuanceLockView: Codable, Sendable {
    public var userPrincipalName: UserPrincipalName
    public var lockedUntil: Date
    public var reason: String

    /// Makes a view.
    public init(userPrincipalName: UserPrincipalName, lockedUntil: Date, reason: String) {
        self.userPrincipalName = userPrincipalName
        self.lockedUntil = lockedUntil
        self.reason = reason
    }
}

/// Who did something, as the trail shows it.
public struct ActorSummary: Codable, Sendable, Equatable {
    /// An operator id, or `system`, `redeem`, `session-token`, `local-cli`.
    public var id: String
    public var name: String?
    public var role: Role?
    public var site: SiteName?
    public var userPrincipalName: UserPrincipalName?

    /// Makes a summary.
    public init(
        id: String, name: String? = nil, role: Role? = nil, site: SiteName? = nil,
        userPrincipalName: UserPrincipalName? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.site = site
        self.userPrincipalName = userPrincipalName
    }
}

/// One step of an issuance trail.
public struct TrailStep: Codable, Sendable, Equatable {
    public var time: Date
    public var type: AuditEventType
    public var actor: ActorSummary
    /// Facts of the step (proofing method, uses left, client address, reason...). Never a pass or token.
    public var data: JSONValue

    /// Makes a step.
    public init(time: Date, type: AuditEventType, actor: ActorSummary, data: JSONValue) {
        self.time = time
        self.type = type
        self.actor = actor
        self.data = data
    }
}

/// `GET /v1/sessions/{id}/trail`: who asked, who approved, how the person was identified, where the pass was
/// shown, when and from where it was used, and when it died.
public struct IssuanceTrail: Codable, Sendable {
    public var session: SessionView
    public var requestedBy: ActorSummary
    public var steps: [TrailStep]

    /// Makes a trail.
    public init(session: SessionView, requestedBy: ActorSummary, steps: [TrailStep]) {
        self.session = session
        self.requestedBy = requestedBy
        self.steps = steps
    }
}
