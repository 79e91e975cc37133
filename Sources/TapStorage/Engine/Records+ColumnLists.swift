import Foundation

// The column lists of the records the colder use cases read and write (see ColumnDescription.swift); the hot
// paths' records list theirs in Records+Columns.swift.

extension SecurityKeyRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = SecurityKeyRecord(
        id: "", credentialId: Data(), userPrincipalName: "", userHandle: Data(), site: "", sessionId: "",
        publicKey: Data(), algorithm: 0, signCount: 0, aaguid: "", attestationFormat: "", attestationType: "",
        attestationTrust: "", attestation: "", transports: "", backupEligible: false, backupState: false,
        userVerified: false, status: "", proven: false, createdAt: .distantPast, lastUsedAt: nil, flaggedStatus: nil,
        flaggedAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("credentialId", \.credentialId)
        try visitor.visit("userPrincipalName", \.userPrincipalName)
        try visitor.visit("userHandle", \.userHandle)
        try visitor.visit("site", \.site)
        try visitor.visit("sessionId", \.sessionId)
        try visitor.visit("publicKey", \.publicKey)
        try visitor.visit("algorithm", \.algorithm)
        try visitor.visit("signCount", \.signCount)
        try visitor.visit("aaguid", \.aaguid)
        try visitor.visit("attestationFormat", \.attestationFormat)
        try visitor.visit("attestationType", \.attestationType)
        try visitor.visit("attestationTrust", \.attestationTrust)
        try visitor.visit("attestation", \.attestation)
        try visitor.visit("transports", \.transports)
        try visitor.visit("backupEligible", \.backupEligible)
        try visitor.visit("backupState", \.backupState)
        try visitor.visit("userVerified", \.userVerified)
        try visitor.visit("status", \.status)
        try visitor.visit("proven", \.proven)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("lastUsedAt", \.lastUsedAt)
        try visitor.visit("flaggedStatus", \.flaggedStatus)
        try visitor.visit("flaggedAt", \.flaggedAt)
    }
}

extension ChallengeRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = ChallengeRecord(
        digest: Data(), purpose: "", sessionId: nil, operatorId: nil, userPrincipalName: nil, userHandle: nil,
        createdAt: .distantPast, expiresAt: .distantPast, usedAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("digest", \.digest)
        try visitor.visit("purpose", \.purpose)
        try visitor.visit("sessionId", \.sessionId)
        try visitor.visit("operatorId", \.operatorId)
        try visitor.visit("userPrincipalName", \.userPrincipalName)
        try visitor.visit("userHandle", \.userHandle)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("usedAt", \.usedAt)
    }
}

extension ConsoleInvitationRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = ConsoleInvitationRecord(
        operatorId: "", digest: Data(), keyVersion: 0, createdAt: .distantPast, expiresAt: .distantPast, usedAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("operatorId", \.operatorId)
        try visitor.visit("digest", \.digest)
        try visitor.visit("keyVersion", \.keyVersion)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("usedAt", \.usedAt)
    }
}

extension OperatorPasskeyRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = OperatorPasskeyRecord(
        id: "", operatorId: "", credentialId: Data(), userHandle: Data(), publicKey: Data(), algorithm: 0, signCount: 0,
        aaguid: "", attestationFormat: "", attestationTrust: "", transports: "", backupEligible: false,
        backupState: false, createdAt: .distantPast, lastUsedAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("operatorId", \.operatorId)
        try visitor.visit("credentialId", \.credentialId)
        try visitor.visit("userHandle", \.userHandle)
        try visitor.visit("publicKey", \.publicKey)
        try visitor.visit("algorithm", \.algorithm)
        try visitor.visit("signCount", \.signCount)
        try visitor.visit("aaguid", \.aaguid)
        try visitor.visit("attestationFormat", \.attestationFormat)
        try visitor.visit("attestationTrust", \.attestationTrust)
        try visitor.visit("transports", \.transports)
        try visitor.visit("backupEligible", \.backupEligible)
        try visitor.visit("backupState", \.backupState)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("lastUsedAt", \.lastUsedAt)
    }
}

extension ConsoleChallengeRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = ConsoleChallengeRecord(
        digest: Data(), purpose: "", operatorId: nil, createdAt: .distantPast, expiresAt: .distantPast, usedAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("digest", \.digest)
        try visitor.visit("purpose", \.purpose)
        try visitor.visit("operatorId", \.operatorId)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("usedAt", \.usedAt)
    }
}

extension ConsoleSessionRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = ConsoleSessionRecord(
        id: "", digest: Data(), keyVersion: 0, operatorId: "", role: "", method: "", createdAt: .distantPast,
        lastSeenAt: .distantPast, idleExpiresAt: .distantPast, expiresAt: .distantPast, provenAt: .distantPast,
        endedAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("digest", \.digest)
        try visitor.visit("keyVersion", \.keyVersion)
        try visitor.visit("operatorId", \.operatorId)
        try visitor.visit("role", \.role)
        try visitor.visit("method", \.method)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("lastSeenAt", \.lastSeenAt)
        try visitor.visit("idleExpiresAt", \.idleExpiresAt)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("provenAt", \.provenAt)
        try visitor.visit("endedAt", \.endedAt)
    }
}

extension ConsoleLoginRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = ConsoleLoginRecord(
        stateDigest: Data(), nonce: "", codeVerifier: "", freshWithin: nil, createdAt: .distantPast,
        expiresAt: .distantPast, usedAt: nil)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("stateDigest", \.stateDigest)
        try visitor.visit("nonce", \.nonce)
        try visitor.visit("codeVerifier", \.codeVerifier)
        try visitor.visit("freshWithin", \.freshWithin)
        try visitor.visit("createdAt", \.createdAt)
        try visitor.visit("expiresAt", \.expiresAt)
        try visitor.visit("usedAt", \.usedAt)
    }
}

extension ConsoleIdentityRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = ConsoleIdentityRecord(issuer: "", subject: "", operatorId: "")

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("issuer", \.issuer)
        try visitor.visit("subject", \.subject)
        try visitor.visit("operatorId", \.operatorId)
    }
}

extension IssuanceLockRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = IssuanceLockRecord(
        userPrincipalName: "", site: "", lockedUntil: .distantPast, reason: "", lockedBy: "", createdAt: .distantPast)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("userPrincipalName", \.userPrincipalName)
        try visitor.visit("site", \.site)
        try visitor.visit("lockedUntil", \.lockedUntil)
        try visitor.visit("reason", \.reason)
        try visitor.visit("lockedBy", \.lockedBy)
        try visitor.visit("createdAt", \.createdAt)
    }
}

extension PolicyRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = PolicyRecord(id: 0, document: "", updatedAt: .distantPast, updatedBy: nil, version: 0)

    static func visitColumns<Visitor: ColumnVisitor<Self>>(_ visitor: inout Visitor) throws {
        try visitor.visit("id", \.id)
        try visitor.visit("document", \.document)
        try visitor.visit("updatedAt", \.updatedAt)
        try visitor.visit("updatedBy", \.updatedBy)
        try visitor.visit("version", \.version)
    }
}
