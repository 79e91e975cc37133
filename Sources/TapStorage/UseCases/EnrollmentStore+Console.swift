import Foundation
import GRDB
import TapCore

/// The operator console's people: invitations and passkeys (sessions are in EnrollmentStore+ConsoleSessions).
extension EnrollmentStore {
    /// Symbols in an invitation code: the pass alphabet, as easy to read out over the phone (59 bits).
    static let invitationCodeLength = 12

    public func invitePerson(
        _ request: NewOperator, codeLifetime: TimeInterval, by creator: OperatorIdentity?
    ) async throws -> PersonInvitation {
        guard request.role.isPerson else {
            throw EnrollmentError.invalidRequest(
                field: "role", reason: "must be admin, helpdesk or auditor: only people sign in to the console")
        }
        guard let upn = request.userPrincipalName else {
            throw EnrollmentError.invalidRequest(field: "userPrincipalName", reason: "is required for a person")
        }
        let name = try checkNewOperator(request)
        return try await perform { db in
            let now = world.currentSecond()
            // A person works through the console; an admin who wants them to hold a token too rotates one.
            let record = try insertOperatorWithoutToken(request, name: name, createdBy: creator?.id, now: now, db)
            let (code, expiresAt) = try storeInvitation(for: record.id, lifetime: codeLifetime, now: now, db)
            try appendAudit(
                db, .operatorInvited, session: nil, actor: creator?.id.rawValue ?? "local-cli",
                data: [
                    "operatorId": .string(record.id), "name": .string(record.name), "role": .string(record.role),
                    "site": record.site.map(JSONValue.string) ?? .null, "userPrincipalName": .string(upn.value),
                    "invitationExpiresAt": auditTime(expiresAt),
                ])
            return PersonInvitation(operator: try record.domain(), code: code, expiresAt: expiresAt)
        }
    }

    /// A new invitation code for the operator, replacing any earlier one (one row per person); the code grouped
    /// for reading out, shown once, and when it expires.
    func storeInvitation(
        for operatorID: String, lifetime: TimeInterval, now: Date, _ db: any StatementRunner
    ) throws -> (code: String, expiresAt: Date) {
        let code = PassCode.generate(length: Self.invitationCodeLength, randomBytes: world.randomBytes)
        guard let digest = invitationCodeDigest(code.normalized, version: nil) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        let expiresAt = now.addingTimeInterval(lifetime)
        try ConsoleInvitationRecord(
            operatorId: operatorID, digest: Data(digest), keyVersion: keyring.currentVersion, createdAt: now,
            expiresAt: expiresAt, usedAt: nil
        ).upsertRow(db)
        return (code.grouped, expiresAt)
    }

    public func beginPasskeyRegistration(
        invitationCode: String, challengeDigest: [UInt8], lifetime: TimeInterval
    ) async throws -> Operator? {
        let digests = invitationDigests(invitationCode)
        return try await perform { db in
            let now = world.now()
            guard let (_, record) = try liveInvitation(digests, now: now, db) else { return nil }
            try ConsoleChallengeRecord(
                digest: Data(challengeDigest), purpose: ConsoleChallengePurpose.registration.rawValue,
                operatorId: record.id, createdAt: now, expiresAt: now.addingTimeInterval(lifetime), usedAt: nil
            ).insertRow(db)
            return try record.domain()
        }
    }

    public func beginConsoleSignIn(challengeDigest: [UInt8], lifetime: TimeInterval) async throws {
        try await perform { db in
            let now = world.now()
            try ConsoleChallengeRecord(
                digest: Data(challengeDigest), purpose: ConsoleChallengePurpose.signIn.rawValue, operatorId: nil,
                createdAt: now, expiresAt: now.addingTimeInterval(lifetime), usedAt: nil
            ).insertRow(db)
        }
    }

    public func consumeConsoleChallenge(
        digest: [UInt8], purpose: ConsoleChallengePurpose
    ) async throws -> OperatorID? {
        let outcome: Result<OperatorID?, EnrollmentError> = try await perform { db in
            let now = world.now()
            guard var record = try ConsoleChallengeRecord.load(db, Data(digest)) else {
                return .failure(
                    .webAuthn(reason: "challenge_mismatch", detail: "the challenge was not issued by this server"))
            }
            if let refusal = try Self.spendChallenge(&record, purpose: purpose.rawValue, now: now, db) {
                return .failure(refusal)
            }
            return .success(try record.operatorId.map { try parse(OperatorID($0), "consoleChallenge.operatorId") })
        }
        return try outcome.get()
    }

    public func registerOperatorPasskey(
        _ key: NewSecurityKey, invitationCode: String, operator operatorID: OperatorID, terms: ConsoleSessionTerms
    ) async throws -> ConsoleSignIn? {
        guard (1...1023).contains(key.credentialID.count) else {
            throw EnrollmentError.webAuthn(
                reason: "credential_id_too_long", detail: "credential ids are 1 to 1023 bytes")
        }
        let digests = invitationDigests(invitationCode)
        return try await perform { db -> ConsoleSignIn? in
            let now = world.currentSecond()
            guard case (var invitation, let person)? = try liveInvitation(digests, now: now, db),
                person.id == operatorID.rawValue
            else { return nil }
            let taken =
                try OperatorPasskeyRecord.loadFirst(db, "WHERE credentialId = ?", [.blob(key.credentialID)]) != nil
                || SecurityKeyRecord.registered(credentialID: key.credentialID, db) != nil
            guard !taken else {
                throw EnrollmentError.webAuthn(
                    reason: "credential_already_registered", detail: "this credential id is registered already")
            }
            invitation.usedAt = now
            try invitation.updateRow(db)
            let passkey = OperatorPasskeyRecord(
                id: world.newID(OperatorPasskeyEntity.self).rawValue, operatorId: person.id,
                credentialId: Data(key.credentialID),
                userHandle: Data(key.userHandle), publicKey: Data(key.publicKeyCOSE), algorithm: key.algorithm,
                signCount: Int64(key.signCount), aaguid: key.aaguid, attestationFormat: key.attestation.format,
                attestationTrust: key.attestation.trust, transports: encodeJSON(key.transports),
                backupEligible: key.backupEligible, backupState: key.backupState, createdAt: now, lastUsedAt: now)
            try passkey.insertRow(db)
            try appendAudit(
                db, .operatorPasskeyRegistered, session: nil, actor: person.id,
                data: [
                    "operatorId": .string(person.id), "passkeyId": .string(passkey.id), "aaguid": .string(key.aaguid),
                    "format": .string(key.attestation.format), "trust": .string(key.attestation.trust),
                    "via": .string("invitation"),
                ])
            return try openConsoleSession(for: person, terms: terms, now: now, db)
        }
    }

    public func operatorPasskey(credentialID: [UInt8]) async throws -> OperatorPasskey? {
        try await engine.read { db in
            try OperatorPasskeyRecord.loadFirst(db, "WHERE credentialId = ?", [.blob(credentialID)])?.domain()
        }
    }

    public func signIn(
        with passkey: OperatorPasskey, signCount: UInt32, backupState: Bool, terms: ConsoleSessionTerms
    ) async throws -> ConsoleSignIn? {
        try await perform { db -> ConsoleSignIn? in
            let now = world.currentSecond()
            guard var record = try OperatorPasskeyRecord.load(db, passkey.id),
                let person = try OperatorRecord.load(db, record.operatorId)
            else { return nil }
            record.signCount = Int64(signCount)
            record.backupState = backupState
            record.lastUsedAt = now
            try record.updateRow(db)
            return try openConsoleSession(for: person, terms: terms, now: now, db)
        }
    }

    public func operatorPasskeys(of operatorID: OperatorID) async throws -> [OperatorPasskey] {
        try await engine.read { db in
            try OperatorPasskeyRecord.loadAll(
                db, "WHERE operatorId = ? ORDER BY createdAt", [.text(operatorID.rawValue)]
            )
            .map { try $0.domain() }
        }
    }

    // MARK: Invitation codes

    /// The MAC of an invitation code under the operator-token key, with its own label so that it can never stand
    /// for a token's or a kiosk enrolment code's MAC.
    private func invitationCodeDigest(_ normalized: String, version: Int?) -> [UInt8]? {
        keyring.mac(.operatorToken, Self.invitationCodeMessage(normalized), version: version)
    }

    private static func invitationCodeMessage(_ normalized: String) -> [UInt8] {
        Array("console-invitation\n\(normalized)".utf8)
    }

    /// The code's MAC under every secret version; a malformed code is MACed like any other, so its refusal
    /// takes as long as a wrong one's.
    private func invitationDigests(_ presented: String) -> [(Int, Data)] {
        let text = PassCode.parse(presented)?.normalized ?? "unparseable:" + presented
        return keyring.macsUnderEveryVersion(.operatorToken, Self.invitationCodeMessage(text)).map {
            ($0.version, Data($0.mac))
        }
    }

    /// The unspent, unexpired invitation among `digests` and its person, when the person may still sign in.
    private func liveInvitation(
        _ digests: [(Int, Data)], now: Date, _ db: any StatementRunner
    ) throws -> (ConsoleInvitationRecord, OperatorRecord)? {
        var found: ConsoleInvitationRecord?
        for (version, digest) in digests {
            found =
                try ConsoleInvitationRecord.loadFirst(
                    db, "WHERE digest = ? AND keyVersion = ?", [digest.directValue, version.directValue]) ?? found
        }
        guard let invitation = found, invitation.usedAt == nil, invitation.expiresAt > now,
            let person = try OperatorRecord.load(db, invitation.operatorId), Self.maySignIn(person, now: now)
        else { return nil }
        return (invitation, person)
    }

    /// Whether an operator may hold a console session now: a person's role, not revoked, not expired.
    static func maySignIn(_ person: OperatorRecord, now: Date) -> Bool {
        guard let role = Role(rawValue: person.role), role.isPerson, person.revokedAt == nil else { return false }
        if let expiresAt = person.expiresAt, expiresAt <= now { return false }
        return true
    }
}
