import Foundation
import GRDB
import TapCore

// The column lists of the records that the hot paths read and write (create, redeem, check-in, operator
// tokens, the audit chain), each column once: see ColumnDescription.swift for what derives from them, and
// RecordCodingTests for the proof that the positional and the named decoders agree on every column.

extension OperatorRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = OperatorRecord(
        id: "", name: "", role: "", site: nil, userPrincipalName: nil, tokenDigest: Data(), allowedSubjects: "",
        allowedSources: "", createdAt: .distantPast, createdBy: nil, expiresAt: nil, revokedAt: nil, keyVersion: 0,
        previousTokenDigest: nil, previousTokenKeyVersion: nil, previousTokenExpiresAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("name", \.name)
        try visitor.visit("role", \.role)
        try visitor.visit("site", \.site)
        try visitor.visit("userPrincipalName", \.userPrincipalName)
        try visitor.visit("tokenDigest", \.tokenDigest)
        try visitor.visit("allowedSubjects", \.allowedSubjects)
        try visitor.visit("allowedSources", \.allowedSources)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("createdBy", \.createdBy)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("revokedAt", \.revokedAt)
        try visitor.visit("keyVersion", \.keyVersion)
        try visitor.visit("previousTokenDigest", \.previousTokenDigest)
        try visitor.visit("previousTokenKeyVersion", \.previousTokenKeyVersion)
        try visitor.visit("previousTokenExpiresAt", \.previousTokenExpiresAt)
    }
}

extension DeviceRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = DeviceRecord(
        id: "", serialNumber: "", platform: "", model: nil, assetTag: nil, site: "", enrollmentState: "",
        mdmDeviceId: nil, lastSeenAt: nil, createdAt: .distantPast)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("serialNumber", \.serialNumber)
        try visitor.visit("platform", \.platform)
        try visitor.visit("model", \.model)
        try visitor.visit("assetTag", \.assetTag)
        try visitor.visit("site", \.site)
        try visitor.visit("enrollmentState", \.enrollmentState)
        try visitor.visit("mdmDeviceId", \.mdmDeviceId)
        try visitor.visit("lastSeenAt", \.lastSeenAt)
        try visitor.visit("createdAt", \.createdAt)
    }
}

extension SessionRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = SessionRecord(
        id: "", scenario: "", state: "", site: "", userPrincipalName: "", deviceId: nil, createdBy: "", reason: nil,
        proofing: nil, createdAt: .distantPast, updatedAt: .distantPast, completionDeadline: .distantPast,
        firstUsedAt: nil, closedAt: nil, passRequest: nil, approval: nil, approvalDeadline: nil,
        privilegedSubject: false)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("scenario", \.scenario)
        try visitor.visit("state", \.state)
        try visitor.visit("site", \.site)
        try visitor.visit("userPrincipalName", \.userPrincipalName)
        try visitor.visit("deviceId", \.deviceId)
        try visitor.visit("createdBy", \.createdBy)
        try visitor.visit("reason", \.reason)
        try visitor.visit("proofing", \.proofing)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("updatedAt", \.updatedAt)
        try visitor.visit("completionDeadline", \.completionDeadline)
        try visitor.visit("firstUsedAt", \.firstUsedAt)
        try visitor.visit("closedAt", \.closedAt)
        try visitor.visit("passRequest", \.passRequest)
        try visitor.visit("approval", \.approval)
        try visitor.visit("approvalDeadline", \.approvalDeadline)
        try visitor.visit("privilegedSubject", \.privilegedSubject)
    }
}

extension PassRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = PassRecord(
        id: "", sessionId: "", digest: Data(), createdAt: .distantPast, startsAt: .distantPast, expiresAt: .distantPast,
        maxUses: 0, uses: 0, revokedAt: nil, lockedAt: nil, keyVersion: 0, issuedBy: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("sessionId", \.sessionId)
        try visitor.visit("digest", \.digest)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("startsAt", \.startsAt)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("maxUses", \.maxUses)
        try visitor.visit("uses", \.uses)
        try visitor.visit("revokedAt", \.revokedAt)
        try visitor.visit("lockedAt", \.lockedAt)
        try visitor.visit("keyVersion", \.keyVersion)
        try visitor.visit("issuedBy", \.issuedBy)
    }
}

extension SessionTokenRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = SessionTokenRecord(
        digest: Data(), sessionId: "", createdAt: .distantPast, expiresAt: .distantPast, revokedAt: nil, keyVersion: 0)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("digest", \.digest)
        try visitor.visit("sessionId", \.sessionId)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("revokedAt", \.revokedAt)
        try visitor.visit("keyVersion", \.keyVersion)
    }
}

extension RedeemFailureRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = RedeemFailureRecord(
        userPrincipalName: "", count: 0, unreported: 0, firstAt: .distantPast, lastAt: .distantPast)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("userPrincipalName", \.userPrincipalName)
        try visitor.visit("count", \.count)
        try visitor.visit("unreported", \.unreported)
        try visitor.visit("firstAt", \.firstAt)
        try visitor.visit("lastAt", \.lastAt)
        try visitor.visit("addresses", \.addresses)
    }

    /// The user's failure counter, read on the writer by every redeem (see ``Database/queryDirect(_:_:_:)``).
    static func find(direct db: Database, user: String) throws -> RedeemFailureRecord? {
        var found: RedeemFailureRecord?
        try db.queryDirect(findSQL, [user.directValue]) { row in
            found = try RedeemFailureRecord(direct: row, startingAt: 0)
        }
        return found
    }

    private static let findSQL = "SELECT \(selection()) FROM redeemFailure WHERE userPrincipalName = ?"
}

extension AuditEventRecord: ColumnDescribed {
    static let keyColumn = "seq"
    static let columns = ColumnTable<Self>()
    static let blank = AuditEventRecord(
        seq: 0, time: .distantPast, type: "", sessionId: nil, actor: "", data: "", mac: Data(), keyVersion: 0, site: nil
    )

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("seq", \.seq)
        try visitor.visit("time", \.time)
        try visitor.visit("type", \.type)
        try visitor.visit("sessionId", \.sessionId)
        try visitor.visit("actor", \.actor)
        try visitor.visit("data", \.data)
        try visitor.visit("mac", \.mac)
        try visitor.visit("keyVersion", \.keyVersion)
        try visitor.visit("site", \.site)
    }
}

extension IdempotencyRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = IdempotencyRecord(
        operatorId: "", key: "", requestDigest: Data(), sessionId: "", createdAt: .distantPast)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("operatorId", \.operatorId)
        try visitor.visit("key", \.key)
        try visitor.visit("requestDigest", \.requestDigest)
        try visitor.visit("sessionId", \.sessionId)
        try visitor.visit("createdAt", \.createdAt)
    }
}

extension EntraPassRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = EntraPassRecord(
        passId: "", sessionId: "", userPrincipalName: "", methodId: nil, provisioning: "", revocation: nil,
        isUsableOnce: false, startsLater: false, createdAt: .distantPast, revocationAttempts: 0,
        revocationRetryAt: nil, revocationConfirmedAt: nil, lastError: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("passId", \.passId)
        try visitor.visit("sessionId", \.sessionId)
        try visitor.visit("userPrincipalName", \.userPrincipalName)
        try visitor.visit("methodId", \.methodId)
        try visitor.visit("provisioning", \.provisioning)
        try visitor.visit("revocation", \.revocation)
        try visitor.visit("isUsableOnce", \.isUsableOnce)
        try visitor.visit("startsLater", \.startsLater)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("revocationAttempts", \.revocationAttempts)
        try visitor.visit("revocationRetryAt", \.revocationRetryAt)
        try visitor.visit("revocationConfirmedAt", \.revocationConfirmedAt)
        try visitor.visit("lastError", \.lastError)
    }
}
