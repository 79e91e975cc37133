import Foundation

/// How the person receiving a pass was identified before it was issued.
public struct Proofing: Sendable, Equatable, Codable {
    /// The ways a person can be identified.
    public enum Method: String, Sendable, Codable, CaseIterable {
        case inPerson, managerAttested, videoCall, callback, ticket
    }

    /// How.
    public var method: Method
    /// Who checked (a user principal name or a name).
    public var checkedBy: String?
    /// A reference: a ticket number, the kind of document and its last digits.
    public var reference: String?

    /// Makes a proofing record.
    public init(method: Method, checkedBy: String? = nil, reference: String? = nil) {
        self.method = method
        self.checkedBy = checkedBy
        self.reference = reference
    }
}

/// A device, unique by serial number and platform.
public struct Device: Sendable, Equatable {
    public var id: DeviceID
    public var serialNumber: SerialNumber
    public var platform: DevicePlatform
    public var model: String?
    public var assetTag: String?
    public var site: SiteName
    public var enrollmentState: EnrollmentState
    public var mdmDeviceID: String?
    public var lastSeenAt: Date?
    public var createdAt: Date

    /// Makes a device.
    public init(
        id: DeviceID, serialNumber: SerialNumber, platform: DevicePlatform, model: String?, assetTag: String?,
        site: SiteName, enrollmentState: EnrollmentState, mdmDeviceID: String?, lastSeenAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.serialNumber = serialNumber
        self.platform = platform
        self.model = model
        self.assetTag = assetTag
        self.site = site
        self.enrollmentState = enrollmentState
        self.mdmDeviceID = mdmDeviceID
        self.lastSeenAt = lastSeenAt
        self.createdAt = createdAt
    }
}

/// What an operator says about the device when creating a device-enrollment session.
public struct DeviceDescription: Sendable, Equatable, Codable {
    public var serialNumber: SerialNumber
    public var platform: DevicePlatform
    public var model: String?
    public var assetTag: String?

    /// Makes a description.
    public init(serialNumber: SerialNumber, platform: DevicePlatform, model: String? = nil, assetTag: String? = nil) {
        self.serialNumber = serialNumber
        self.platform = platform
        self.model = model
        self.assetTag = assetTag
    }
}

/// An enrollment session with its device and its live pass, as stored.
public struct Session: Sendable, Equatable {
    public var id: SessionID
    public var scenario: Scenario
    /// The state as last written; see ``effectiveState(at:)`` for the state now.
    public var storedState: SessionState
    public var site: SiteName
    public var userPrincipalName: UserPrincipalName
    public var device: Device?
    public var createdBy: OperatorID
    public var reason: String?
    public var proofing: Proofing?
    public var createdAt: Date
    public var updatedAt: Date
    public var completionDeadline: Date
    public var firstUsedAt: Date?
    public var closedAt: Date?
    /// The latest pass, if one was minted (an expired pass stays until reissue).
    public var pass: PassTerms?
    /// The four-eyes record, when issuance needed a second operator.
    public var approval: Approval?
    /// Whether the subject matched the policy's privileged subjects when the session was created.
    public var isPrivilegedSubject: Bool = false
    /// Where the latest pass stands in Entra, when Entra issued it; `nil` for a local pass.
    public var entra: EntraPassStatus?

    /// Makes a session.
    public init(
        id: SessionID, scenario: Scenario, storedState: SessionState, site: SiteName,
        userPrincipalName: UserPrincipalName, device: Device?, createdBy: OperatorID, reason: String?,
        proofing: Proofing?, createdAt: Date, updatedAt: Date, completionDeadline: Date, firstUsedAt: Date?,
        closedAt: Date?, pass: PassTerms?
    ) {
        self.id = id
        self.scenario = scenario
        self.storedState = storedState
        self.site = site
        self.userPrincipalName = userPrincipalName
        self.device = device
        self.createdBy = createdBy
        self.reason = reason
        self.proofing = proofing
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completionDeadline = completionDeadline
        self.firstUsedAt = firstUsedAt
        self.closedAt = closedAt
        self.pass = pass
    }

    /// The state at `now`, with what time has done since the last write applied.
    public func effectiveState(at now: Date) -> SessionState {
        SessionTimeline.effectiveState(
            state: storedState, pass: pass, completionDeadline: completionDeadline,
            approvalDeadline: approval?.deadline, now: now)
    }

    /// Approved, and the requester has not collected the first pass yet.
    public var isAwaitingCollection: Bool { approval?.decision == .approved && pass == nil }
}

/// The second operator's part in issuing a pass.
public struct Approval: Sendable, Equatable, Codable {
    /// What was decided.
    public enum Decision: String, Sendable, Codable {
        case approved, rejected
    }

    /// The request is rejected (reason `timeout`) if nobody decides by then.
    public var deadline: Date
    /// `nil` while waiting.
    public var decision: Decision?
    public var decidedBy: OperatorID?
    public var decidedAt: Date?
    /// How the approver identified the person, when policy asks for it.
    public var approverProofing: Proofing?
    /// Why it was rejected (`timeout` when nobody decided in time).
    public var reason: String?

    /// Makes an approval record.
    public init(
        deadline: Date, decision: Decision? = nil, decidedBy: OperatorID? = nil, decidedAt: Date? = nil,
        approverProofing: Proofing? = nil, reason: String? = nil
    ) {
        self.deadline = deadline
        self.decision = decision
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.approverProofing = approverProofing
        self.reason = reason
    }
}

/// An operator token's record, without the token.
public struct Operator: Sendable, Equatable {
    public var identity: OperatorIdentity
    public var createdAt: Date
    public var createdBy: OperatorID?
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// Client addresses or CIDR blocks the token may be used from; empty means anywhere.
    public var allowedSources: [String]

    /// Makes an operator record.
    public init(
        identity: OperatorIdentity, createdAt: Date, createdBy: OperatorID?, expiresAt: Date?, revokedAt: Date?,
        allowedSources: [String]
    ) {
        self.identity = identity
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.allowedSources = allowedSources
    }
}

/// The event vocabulary shared by the audit log, server-sent events and webhooks, plus the admin events.
public enum AuditEventType: String, Sendable, Codable, CaseIterable {
    case sessionCreated = "session.created"
    case sessionApproved = "session.approved"
    case sessionRejected = "session.rejected"
    case passIssued = "pass.issued"
    case passUsed = "pass.used"
    case passRefused = "pass.refused"
    case passExpired = "pass.expired"
    case passLocked = "pass.locked"
    /// A user's pass locked by failures that came, at least in part, from address groups none of the user's
    /// passes was ever used from: someone else is guessing at the user's name. Follows the `pass.locked`.
    case userLockedOutByStrangers = "user.lockedOutByStrangers"
    case passRevoked = "pass.revoked"
    /// Entra mode: Graph deleted the Temporary Access Pass that `pass.revoked` marked pending.
    case passRevocationConfirmed = "pass.revocationConfirmed"
    case deviceEnrolled = "device.enrolled"
    case keyRegistered = "key.registered"
    case keyVerified = "key.verified"
    case sessionCompleted = "session.completed"
    case sessionCancelled = "session.cancelled"
    case sessionAbandoned = "session.abandoned"
    case operatorCreated = "operator.created"
    case operatorRevoked = "operator.revoked"
    case operatorRoleChanged = "operator.roleChanged"
    case policyChanged = "policy.changed"
    case secretRotated = "secret.rotated"
    case issuanceLocked = "issuance.locked"
    case issuanceUnlocked = "issuance.unlocked"
    case operatorRotated = "operator.rotated"
    case requestRefused = "request.refused"
    case keyDeleted = "key.deleted"
    case webhookCreated = "webhook.created"
    case webhookDeleted = "webhook.deleted"
    case webhookTested = "webhook.tested"
    case webhookDeliveryRetried = "webhook.deliveryRetried"
    case webhookDisabled = "webhook.disabled"
    case webhookEnabled = "webhook.enabled"
    case sessionsPurged = "sessions.purged"
    /// A person invited to the console: an operator with no working token and a one-time invitation code.
    case operatorInvited = "operator.invited"
    /// A person registered a passkey for the console (with an invitation code).
    case operatorPasskeyRegistered = "operator.passkeyRegistered"
    /// A person removed one of their own console passkeys.
    case operatorPasskeyRemoved = "operator.passkeyRemoved"
    /// An admin removed every console passkey of a person (a lost key) and gave them a new invitation code.
    case operatorPasskeysReset = "operator.passkeysReset"
    /// A person signed in to the console; `data.method` says how.
    case consoleSignedIn = "console.signedIn"
    /// A person signed out of the console.
    case consoleSignedOut = "console.signedOut"
    /// A console sign-in was refused (a single sign-on's error, replayed state, bad token, unmapped person).
    case consoleSignInRefused = "console.signInRefused"
    /// A FIDO metadata BLOB was verified and is now in force; `data` has its `no`, `nextUpdate` and entries.
    case metadataImported = "metadata.imported"
    /// A FIDO metadata BLOB was refused; `data.reason` says why, and the one before stays in force.
    case metadataRefused = "metadata.refused"
    /// New FIDO metadata flagged a registered key (its model's status is one the key's passkey profile refuses),
    /// or cleared its flag; `data` names the key, its model and the status.
    case keyStatusChanged = "key.statusChanged"

    /// Whether the event belongs to API.md's session vocabulary, the one that server-sent events and
    /// webhooks carry; the rest (operators, policy, secrets, refusals) stays in the audit log.
    public var isSessionEvent: Bool {
        switch self {
        case .sessionCreated, .sessionApproved, .sessionRejected, .passIssued, .passUsed, .passRefused, .passExpired,
            .passLocked, .userLockedOutByStrangers, .passRevoked, .passRevocationConfirmed, .deviceEnrolled,
            .keyRegistered, .keyVerified, .keyStatusChanged, .sessionCompleted, .sessionCancelled,
            .sessionAbandoned:
            true
        case .operatorCreated, .operatorRevoked, .operatorRoleChanged, .policyChanged, .secretRotated, .issuanceLocked,
            .issuanceUnlocked, .webhookTested, .webhookDeliveryRetried, .webhookDisabled, .webhookEnabled,
            .operatorRotated, .requestRefused, .keyDeleted, .webhookCreated, .webhookDeleted, .sessionsPurged,
            .operatorInvited, .operatorPasskeyRegistered, .operatorPasskeyRemoved, .operatorPasskeysReset,
            .consoleSignedIn, .consoleSignedOut, .consoleSignInRefused, .metadataImported, .metadataRefused:
            false
        }
    }
}

/// One entry of the append-only, HMAC-chained audit log. Never holds a secret.
public struct AuditEvent: Sendable, Equatable {
    /// Position in the chain, from 1; also the event id clients resume from.
    public var sequence: Int64
    public var time: Date
    public var type: AuditEventType
    public var sessionID: SessionID?
    /// Who caused it: an operator id, `session-token`, `redeem`, or `system`.
    public var actor: String
    /// Facts about the event as a JSON object with sorted keys.
    public var data: String

    /// Makes an event.
    public init(sequence: Int64, time: Date, type: AuditEventType, sessionID: SessionID?, actor: String, data: String) {
        self.sequence = sequence
        self.time = time
        self.type = type
        self.sessionID = sessionID
        self.actor = actor
        self.data = data
    }
}
