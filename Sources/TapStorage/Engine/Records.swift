import Foundation
import GRDB
import TapCore

// One record type per table. Times are GRDB dates (UTC text with milliseconds), enums are stored as text,
// digests as blobs. Records stay inside this module; use cases return TapCore values. The records of the hot
// paths list their columns once more, in Records+Columns.swift, and every coding of their rows derives from it.

struct OperatorRecord: StoredRecord, Equatable {
    static let databaseTableName = "operator"
    var id: String
    var name: String
    var role: String
    var site: String?
    var userPrincipalName: String?
    var tokenDigest: Data
    var allowedSubjects: String  // JSON array of patterns
    var allowedSources: String  // JSON array of addresses / CIDR blocks
    var createdAt: Date
    var createdBy: String?
    var expiresAt: Date?
    var revokedAt: Date?
    var keyVersion: Int
    var previousTokenDigest: Data?
    var previousTokenKeyVersion: Int?
    var previousTokenExpiresAt: Date?
}

struct DeviceRecord: StoredRecord, Equatable {
    static let databaseTableName = "device"
    var id: String
    var serialNumber: String
    var platform: String
    var model: String?
    var assetTag: String?
    var site: String
    var enrollmentState: String
    var mdmDeviceId: String?
    var lastSeenAt: Date?
    var createdAt: Date
}

struct SessionRecord: StoredRecord, Equatable {
    static let databaseTableName = "session"
    var id: String
    var scenario: String
    var state: String
    var site: String
    var userPrincipalName: String
    var deviceId: String?
    var createdBy: String
    var reason: String?
    var proofing: String?  // JSON object
    var createdAt: Date
    var updatedAt: Date
    var completionDeadline: Date
    var firstUsedAt: Date?
    var closedAt: Date?
    var passRequest: String?  // JSON PassRequest, kept until the approved pass is collected
    var approval: String?  // JSON Approval
    var approvalDeadline: Date?
    var privilegedSubject: Bool
}

/// Entra mode: what Graph was asked for, what it answered and whether its deletion is confirmed.
struct EntraPassRecord: StoredRecord, Equatable {
    static let databaseTableName = "entraPass"
    static var keyColumn: String { "passId" }
    var passId: String
    var sessionId: String
    var userPrincipalName: String
    var methodId: String?
    var provisioning: String
    var revocation: String?
    var isUsableOnce: Bool
    var startsLater: Bool
    var createdAt: Date
    var revocationAttempts: Int
    var revocationRetryAt: Date?
    var revocationConfirmedAt: Date?
    var lastError: String?

    var status: EntraPassStatus {
        EntraPassStatus(
            methodID: methodId, provisioning: EntraPassStatus.Provisioning(rawValue: provisioning) ?? .failed,
            revocation: revocation.flatMap(EntraPassStatus.Revocation.init(rawValue:)), isUsableOnce: isUsableOnce)
    }
}

struct PassRecord: StoredRecord, Equatable {
    static let databaseTableName = "pass"
    var id: String
    var sessionId: String
    var digest: Data
    var createdAt: Date
    var startsAt: Date
    var expiresAt: Date
    var maxUses: Int
    var uses: Int
    var revokedAt: Date?
    var lockedAt: Date?
    var keyVersion: Int
    var issuedBy: String?

    var terms: PassTerms {
        PassTerms(
            startsAt: startsAt, expiresAt: expiresAt, maxUses: maxUses, uses: uses, revokedAt: revokedAt,
            lockedAt: lockedAt)
    }
}

struct SessionTokenRecord: StoredRecord {
    static let databaseTableName = "sessionToken"
    static let keyColumn = "digest"
    var digest: Data
    var sessionId: String
    var createdAt: Date
    var expiresAt: Date
    var revokedAt: Date?
    var keyVersion: Int
}

struct RedeemFailureRecord: StoredRecord {
    static let databaseTableName = "redeemFailure"
    static let keyColumn = "userPrincipalName"
    var userPrincipalName: String
    var count: Int
    var unreported: Int
    var firstAt: Date
    var lastAt: Date
    /// The address groups (``AddressBlock/abuseGroup(of:)``) the failures came from, space-separated, at most
    /// ``maximumAddresses``.
    var addresses: String = ""

    /// The most address groups kept: enough to tell strangers from the user, bounded against a botnet.
    static let maximumAddresses = 16
}

struct IdempotencyRecord: StoredRecord {
    static let databaseTableName = "idempotencyKey"
    var operatorId: String
    var key: String
    var requestDigest: Data
    var sessionId: String
    var createdAt: Date
}

struct AuditEventRecord: StoredRecord {
    static let databaseTableName = "auditEvent"
    var seq: Int64
    var time: Date
    var type: String
    var sessionId: String?
    var actor: String
    var data: String
    var mac: Data
    var keyVersion: Int
    /// The session's site, for searching by site; not covered by the MAC (the session's own events say it).
    var site: String?
}

struct AuditHeadRecord: StoredRecord {
    static let databaseTableName = "auditHead"
    var id: Int
    var seq: Int64
    var mac: Data
    var headMac: Data
    var keyVersion: Int
}

struct PolicyRecord: StoredRecord {
    static let databaseTableName = "policy"
    var id: Int
    var document: String
    var updatedAt: Date
    var updatedBy: String?
    /// One more at each save, so that a save based on an older read is refused as stale.
    var version: Int
}

/// A user's issuance lock in one scope: `site` is empty for a lock on every site (set by a global operator).
struct IssuanceLockRecord: StoredRecord {
    static let databaseTableName = "issuanceLock"
    static let everySite = ""
    var userPrincipalName: String
    var site: String
    var lockedUntil: Date
    var reason: String
    var lockedBy: String
    var createdAt: Date
}

struct SecurityKeyRecord: StoredRecord {
    static let databaseTableName = "securityKey"
    var id: String
    var credentialId: Data
    var userPrincipalName: String
    var userHandle: Data
    var site: String
    var sessionId: String
    var publicKey: Data
    var algorithm: Int
    var signCount: Int64
    var aaguid: String
    var attestationFormat: String
    var attestationType: String
    var attestationTrust: String
    var attestation: String  // JSON KeyAttestation
    var transports: String  // JSON array of strings
    var backupEligible: Bool
    var backupState: Bool
    var userVerified: Bool
    var status: String
    var proven: Bool
    var createdAt: Date
    var lastUsedAt: Date?
    var flaggedStatus: String?
    var flaggedAt: Date?
}

struct ChallengeRecord: StoredRecord {
    static let databaseTableName = "webauthnChallenge"
    static let keyColumn = "digest"
    var digest: Data
    var purpose: String
    var sessionId: String?
    var operatorId: String?
    var userPrincipalName: String?
    var userHandle: Data?
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?
}
