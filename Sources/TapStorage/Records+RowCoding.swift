import Foundation
import GRDB
import TapCore

// Hand-written row coding for the records read and written on every request. GRDB's Codable-based coding
// builds a dictionary through the Encoder protocol per row; profiles of session creation showed it as the
// largest single cost inside the write transaction (bench/README.md). Column names are those of
// Records.swift; StorageRecordTests checks that every field survives a round trip.

extension OperatorRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        name = try row.decode(forColumn: "name")
        role = try row.decode(forColumn: "role")
        site = try row.decode(forColumn: "site")
        userPrincipalName = try row.decode(forColumn: "userPrincipalName")
        tokenDigest = try row.decode(forColumn: "tokenDigest")
        allowedSubjects = try row.decode(forColumn: "allowedSubjects")
        allowedSources = try row.decode(forColumn: "allowedSources")
        createdAt = try row.decode(forColumn: "createdAt")
        createdBy = try row.decode(forColumn: "createdBy")
        expiresAt = try row.decode(forColumn: "expiresAt")
        revokedAt = try row.decode(forColumn: "revokedAt")
        keyVersion = try row.decode(forColumn: "keyVersion")
        previousTokenDigest = try row.decode(forColumn: "previousTokenDigest")
        previousTokenKeyVersion = try row.decode(forColumn: "previousTokenKeyVersion")
        previousTokenExpiresAt = try row.decode(forColumn: "previousTokenExpiresAt")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        container["role"] = role
        container["site"] = site
        container["userPrincipalName"] = userPrincipalName
        container["tokenDigest"] = tokenDigest
        container["allowedSubjects"] = allowedSubjects
        container["allowedSources"] = allowedSources
        container["createdAt"] = UTCTime.text(createdAt)
        container["createdBy"] = createdBy
        container["expiresAt"] = expiresAt.map(UTCTime.text)
        container["revokedAt"] = revokedAt.map(UTCTime.text)
        container["keyVersion"] = keyVersion
        container["previousTokenDigest"] = previousTokenDigest
        container["previousTokenKeyVersion"] = previousTokenKeyVersion
        container["previousTokenExpiresAt"] = previousTokenExpiresAt.map(UTCTime.text)
    }
}

extension DeviceRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        serialNumber = try row.decode(forColumn: "serialNumber")
        platform = try row.decode(forColumn: "platform")
        model = try row.decode(forColumn: "model")
        assetTag = try row.decode(forColumn: "assetTag")
        site = try row.decode(forColumn: "site")
        enrollmentState = try row.decode(forColumn: "enrollmentState")
        mdmDeviceId = try row.decode(forColumn: "mdmDeviceId")
        lastSeenAt = try row.decode(forColumn: "lastSeenAt")
        createdAt = try row.decode(forColumn: "createdAt")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["serialNumber"] = serialNumber
        container["platform"] = platform
        container["model"] = model
        container["assetTag"] = assetTag
        container["site"] = site
        container["enrollmentState"] = enrollmentState
        container["mdmDeviceId"] = mdmDeviceId
        container["lastSeenAt"] = lastSeenAt.map(UTCTime.text)
        container["createdAt"] = UTCTime.text(createdAt)
    }
}

extension SessionRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        scenario = try row.decode(forColumn: "scenario")
        state = try row.decode(forColumn: "state")
        site = try row.decode(forColumn: "site")
        userPrincipalName = try row.decode(forColumn: "userPrincipalName")
        deviceId = try row.decode(forColumn: "deviceId")
        createdBy = try row.decode(forColumn: "createdBy")
        reason = try row.decode(forColumn: "reason")
        proofing = try row.decode(forColumn: "proofing")
        createdAt = try row.decode(forColumn: "createdAt")
        updatedAt = try row.decode(forColumn: "updatedAt")
        completionDeadline = try row.decode(forColumn: "completionDeadline")
        firstUsedAt = try row.decode(forColumn: "firstUsedAt")
        closedAt = try row.decode(forColumn: "closedAt")
        passRequest = try row.decode(forColumn: "passRequest")
        approval = try row.decode(forColumn: "approval")
        approvalDeadline = try row.decode(forColumn: "approvalDeadline")
        privilegedSubject = try row.decode(forColumn: "privilegedSubject")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["scenario"] = scenario
        container["state"] = state
        container["site"] = site
        container["userPrincipalName"] = userPrincipalName
        container["deviceId"] = deviceId
        container["createdBy"] = createdBy
        container["reason"] = reason
        container["proofing"] = proofing
        container["createdAt"] = UTCTime.text(createdAt)
        container["updatedAt"] = UTCTime.text(updatedAt)
        container["completionDeadline"] = UTCTime.text(completionDeadline)
        container["firstUsedAt"] = firstUsedAt.map(UTCTime.text)
        container["closedAt"] = closedAt.map(UTCTime.text)
        container["passRequest"] = passRequest
        container["approval"] = approval
        container["approvalDeadline"] = approvalDeadline.map(UTCTime.text)
        container["privilegedSubject"] = privilegedSubject
    }
}

extension PassRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        sessionId = try row.decode(forColumn: "sessionId")
        digest = try row.decode(forColumn: "digest")
        createdAt = try row.decode(forColumn: "createdAt")
        startsAt = try row.decode(forColumn: "startsAt")
        expiresAt = try row.decode(forColumn: "expiresAt")
        maxUses = try row.decode(forColumn: "maxUses")
        uses = try row.decode(forColumn: "uses")
        revokedAt = try row.decode(forColumn: "revokedAt")
        lockedAt = try row.decode(forColumn: "lockedAt")
        keyVersion = try row.decode(forColumn: "keyVersion")
        issuedBy = try row.decode(forColumn: "issuedBy")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["sessionId"] = sessionId
        container["digest"] = digest
        container["createdAt"] = UTCTime.text(createdAt)
        container["startsAt"] = UTCTime.text(startsAt)
        container["expiresAt"] = UTCTime.text(expiresAt)
        container["maxUses"] = maxUses
        container["uses"] = uses
        container["revokedAt"] = revokedAt.map(UTCTime.text)
        container["lockedAt"] = lockedAt.map(UTCTime.text)
        container["keyVersion"] = keyVersion
        container["issuedBy"] = issuedBy
    }
}

extension SessionRecord {
    /// Inserts through a statement prepared once per connection (a new row per create or reissue).
    func insertRow(_ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO session (id, scenario, state, site, userPrincipalName, deviceId, createdBy, reason, proofing, createdAt, updatedAt, completionDeadline, firstUsedAt, closedAt, passRequest, approval, approvalDeadline, privilegedSubject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [id, scenario, state, site, userPrincipalName, deviceId, createdBy, reason, proofing, UTCTime.text(createdAt), UTCTime.text(updatedAt), UTCTime.text(completionDeadline), firstUsedAt.map(UTCTime.text), closedAt.map(UTCTime.text), passRequest, approval, approvalDeadline.map(UTCTime.text), privilegedSubject])
    }
}

extension PassRecord {
    /// Inserts through a statement prepared once per connection (a new row per create or reissue).
    func insertRow(_ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO pass (id, sessionId, digest, createdAt, startsAt, expiresAt, maxUses, uses, revokedAt, lockedAt, keyVersion, issuedBy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [id, sessionId, digest, UTCTime.text(createdAt), UTCTime.text(startsAt), UTCTime.text(expiresAt), maxUses, uses, revokedAt.map(UTCTime.text), lockedAt.map(UTCTime.text), keyVersion, issuedBy])
    }
}

extension SessionRecord {
    /// Writes every column back through a statement prepared once per connection.
    func updateRow(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE session SET scenario = ?, state = ?, site = ?, userPrincipalName = ?, deviceId = ?, createdBy = ?, reason = ?, proofing = ?, createdAt = ?, updatedAt = ?, completionDeadline = ?, firstUsedAt = ?, closedAt = ?, passRequest = ?, approval = ?, approvalDeadline = ?, privilegedSubject = ? WHERE id = ?")
            .execute(arguments: [scenario, state, site, userPrincipalName, deviceId, createdBy, reason, proofing, UTCTime.text(createdAt), UTCTime.text(updatedAt), UTCTime.text(completionDeadline), firstUsedAt.map(UTCTime.text), closedAt.map(UTCTime.text), passRequest, approval, approvalDeadline.map(UTCTime.text), privilegedSubject, id])
    }
}

extension PassRecord {
    /// Writes every column back through a statement prepared once per connection.
    func updateRow(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE pass SET sessionId = ?, digest = ?, createdAt = ?, startsAt = ?, expiresAt = ?, maxUses = ?, uses = ?, revokedAt = ?, lockedAt = ?, keyVersion = ?, issuedBy = ? WHERE id = ?")
            .execute(arguments: [sessionId, digest, UTCTime.text(createdAt), UTCTime.text(startsAt), UTCTime.text(expiresAt), maxUses, uses, revokedAt.map(UTCTime.text), lockedAt.map(UTCTime.text), keyVersion, issuedBy, id])
    }
}
