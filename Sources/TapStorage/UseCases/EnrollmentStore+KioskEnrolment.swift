import Foundation
import GRDB
import TapCore

/// One row of `kioskEnrolmentCode`.
struct KioskEnrolmentCodeRecord: StoredRecord {
    static let databaseTableName = "kioskEnrolmentCode"
    static let keyColumn = "operatorId"
    var operatorId: String
    var digest: Data
    var keyVersion: Int
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?
}

extension KioskEnrolmentCodeRecord: ColumnDescribed {
    static let columns = ColumnTable<Self>()
    static let blank = KioskEnrolmentCodeRecord(
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

/// A kiosk operator just created with a one-time enrolment code instead of a token.
public struct KioskEnrolmentGrant: Sendable {
    public var `operator`: Operator
    /// The code in groups of four (`K7QM-3XRP-HV9T`), returned once; storage keeps its MAC.
    public var code: String
    public var expiresAt: Date
}

extension EnrollmentStore {
    /// Symbols in an enrolment code: the pass alphabet, so it is as easy to read out and type (59 bits).
    static let enrolmentCodeLength = 12
    /// How long an enrolment code lives: long enough to read one out to the technician at the kiosk, short
    /// enough that a code written down somewhere is soon worthless.
    public static let enrolmentCodeLifetime = StoreLimits.enrolmentCodeLifetime

    /// Creates a kiosk operator and a one-time enrolment code for it, in one transaction. The operator's token
    /// is made and thrown away here, so nobody holds a working token until the kiosk exchanges the code.
    public func createKioskOperator(
        _ request: NewOperator, enrolmentCodeLifetime: TimeInterval, by creator: OperatorIdentity?
    ) async throws -> KioskEnrolmentGrant {
        guard request.role == .kiosk else {
            throw EnrollmentError.invalidRequest(field: "withEnrolmentCode", reason: "is only for kiosk tokens")
        }
        let name = try checkNewOperator(request)
        return try await perform { db in
            let now = world.currentSecond()
            let code = PassCode.generate(length: Self.enrolmentCodeLength, randomBytes: world.randomBytes)
            guard let codeDigest = enrolmentCodeDigest(code.normalized, version: nil) else {
                throw StorageError.unknownKeyVersion(keyring.currentVersion)
            }
            let record = try insertOperatorWithoutToken(request, name: name, createdBy: creator?.id, now: now, db)
            let expiresAt = now.addingTimeInterval(enrolmentCodeLifetime)
            try KioskEnrolmentCodeRecord(
                operatorId: record.id, digest: Data(codeDigest), keyVersion: keyring.currentVersion, createdAt: now,
                expiresAt: expiresAt, usedAt: nil
            ).insertRow(db)
            try appendAudit(
                db, .operatorCreated, session: nil, actor: creator?.id.rawValue ?? "local-cli",
                data: [
                    "operatorId": .string(record.id), "name": .string(record.name), "role": .string(record.role),
                    "site": record.site.map(JSONValue.string) ?? .null,
                    "enrolmentCodeExpiresAt": auditTime(expiresAt),
                ])
            return KioskEnrolmentGrant(operator: try record.domain(), code: code.grouped, expiresAt: expiresAt)
        }
    }

    /// Exchanges an enrolment code for the kiosk's first working token, once. `nil` for every kind of refusal
    /// (unknown, malformed, used, expired, operator revoked), so a guesser learns nothing.
    public func exchangeKioskEnrolmentCode(_ presented: String) async throws -> (Operator, BearerToken)? {
        // A malformed code is MACed like any other, so its refusal takes as long as a wrong one's.
        let text = PassCode.parse(presented)?.normalized ?? "unparseable:" + presented
        let digests = keyring.macsUnderEveryVersion(.operatorToken, Self.enrolmentCodeMessage(text)).map {
            ($0.version, Data($0.mac))
        }
        let enrolled = try await perform { db -> (Operator, BearerToken)? in
            let now = world.currentSecond()
            var found: KioskEnrolmentCodeRecord?
            for (version, digest) in digests {
                found =
                    try KioskEnrolmentCodeRecord.loadFirst(
                        db, "WHERE digest = ? AND keyVersion = ?", [digest.directValue, version.directValue]) ?? found
            }
            guard var code = found, code.usedAt == nil, code.expiresAt > now,
                var record = try OperatorRecord.load(db, code.operatorId), record.revokedAt == nil
            else { return nil }
            let (storedCode, storedRecord) = (code, record)
            let token = BearerToken.generate(.operatorToken, randomBytes: world.randomBytes)
            guard let digest = keyring.tokenDigest(token) else {
                throw StorageError.unknownKeyVersion(keyring.currentVersion)
            }
            record.tokenDigest = Data(digest)
            record.keyVersion = keyring.currentVersion
            try record.updateRow(db, from: storedRecord)
            code.usedAt = now
            try code.updateRow(db, from: storedCode)
            try appendAudit(
                db, .operatorRotated, session: nil, actor: record.id,
                data: ["operatorId": .string(record.id), "via": .string("enrolmentCode")])
            return (try record.domain(), token)
        }
        // The operator's previous token died with this change.
        if enrolled != nil { operatorTokens.invalidate() }
        return enrolled
    }

    /// Inserts an operator whose token is made and thrown away here, so nobody holds a working one: a kiosk until
    /// it exchanges its enrolment code, a person who works through the console.
    func insertOperatorWithoutToken(
        _ request: NewOperator, name: String, createdBy: OperatorID?, now: Date, _ db: any StatementRunner
    ) throws -> OperatorRecord {
        try insertOperator(request, name: name, createdBy: createdBy, now: now, db).record
    }

    /// The MAC of an enrolment code, under the operator-token key with its own label so it can never stand
    /// for a token's MAC.
    private func enrolmentCodeDigest(_ normalized: String, version: Int?) -> [UInt8]? {
        keyring.mac(.operatorToken, Self.enrolmentCodeMessage(normalized), version: version)
    }

    private static func enrolmentCodeMessage(_ normalized: String) -> [UInt8] {
        Array("kiosk-enrolment-code\n\(normalized)".utf8)
    }
}
