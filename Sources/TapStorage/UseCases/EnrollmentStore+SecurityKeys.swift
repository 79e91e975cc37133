import Foundation
import GRDB
import TapCore

// The storage steps of the WebAuthn ceremonies: challenges (single-use, expiring, bound to their holder), the
// registered keys, the test sign-in that may be required before a session completes, and the keys' reads.

extension EnrollmentStore {
    /// Starts a key registration for a session that is under way: remembers the challenge, and answers the
    /// user's handle (the one of their existing keys, else `freshUserHandle`) and their keys to exclude.
    public func beginKeyRegistration(
        session id: SessionID, challengeDigest: [UInt8], freshUserHandle: [UInt8], lifetime: TimeInterval
    ) async throws -> RegistrationStart {
        try await perform { db in
            let now = world.now()
            let record = try fido2SessionUnderWay(id, action: "register a key", now: now, db: db)
            let keys = try SecurityKeyRecord.keys(db, status: "active") {
                $0.match("userPrincipalName", record.userPrincipalName)
            }
            let handle = keys.first.map { Array($0.userHandle) } ?? freshUserHandle
            try insertChallenge(
                NewChallenge(
                    digest: challengeDigest, purpose: .registration, holder: .session(id),
                    expiresAt: now.addingTimeInterval(lifetime),
                    userPrincipalName: UserPrincipalName(record.userPrincipalName), userHandle: handle),
                now: now, db: db)
            return RegistrationStart(
                userPrincipalName: try parse(UserPrincipalName(record.userPrincipalName), "session.userPrincipalName"),
                userHandle: handle, existingKeys: try keys.map { try $0.descriptor() })
        }
    }

    /// Starts the test sign-in of a session's key that waits for one: remembers the challenge and answers the
    /// keys that may answer it.
    public func beginTestSignIn(
        session id: SessionID, challengeDigest: [UInt8], lifetime: TimeInterval
    ) async throws -> [KeyDescriptor] {
        try await perform { db in
            let now = world.now()
            let record = try fido2SessionUnderWay(id, action: "start a test sign-in", now: now, db: db)
            let pending = try SecurityKeyRecord.keys(db, status: "pendingProof") { $0.match("sessionId", id.rawValue) }
            guard !pending.isEmpty else {
                throw EnrollmentError.conflict("no key of this session waits for a test sign-in")
            }
            try insertChallenge(
                NewChallenge(
                    digest: challengeDigest, purpose: .testSignIn, holder: .session(id),
                    expiresAt: now.addingTimeInterval(lifetime),
                    userPrincipalName: UserPrincipalName(record.userPrincipalName)),
                now: now, db: db)
            return try pending.map { try $0.descriptor() }
        }
    }

    /// Starts a sign-in for an organisation's app: remembers the challenge, bound to the relying-party token,
    /// and answers the user's active keys at the token's site (none when no user is named: a discoverable sign-in).
    public func beginAssertion(
        by actor: OperatorIdentity, user: UserPrincipalName?, challengeDigest: [UInt8], lifetime: TimeInterval
    ) async throws -> [KeyDescriptor] {
        try await perform { db in
            let now = world.now()
            try insertChallenge(
                NewChallenge(
                    digest: challengeDigest, purpose: .assertion, holder: .relyingParty(actor.id),
                    expiresAt: now.addingTimeInterval(lifetime), userPrincipalName: user),
                now: now, db: db)
            guard let user else { return [] }
            return try activeKeys(of: user, visibleTo: actor, db: db).map { try $0.descriptor() }
        }
    }

    /// Consumes a challenge: refused when it is unknown (`challenge_mismatch`), someone else's
    /// (`challenge_holder_mismatch`), for another ceremony (`challenge_purpose_mismatch`), used before
    /// (`challenge_replayed`) or expired (`challenge_expired`). A challenge is used up by its first answer,
    /// whatever the verdict, and the consumption commits on its own, so a refused answer cannot be retried.
    public func consumeChallenge(
        digest: [UInt8], purpose: ChallengePurpose, holder: ChallengeHolder
    ) async throws -> ConsumedChallenge {
        let outcome: Result<ConsumedChallenge, EnrollmentError> = try await perform { db in
            let now = world.now()
            guard var record = try ChallengeRecord.load(db, Data(digest)) else {
                return .failure(
                    .webAuthn(reason: "challenge_mismatch", detail: "the challenge was not issued by this server"))
            }
            switch holder {
            case .session(let id) where record.sessionId == id.rawValue: break
            case .relyingParty(let id) where record.operatorId == id.rawValue: break
            default:
                return .failure(
                    .webAuthn(
                        reason: "challenge_holder_mismatch",
                        detail: "the challenge was issued to another session or token"))
            }
            if let refusal = try Self.spendChallenge(&record, purpose: purpose.rawValue, now: now, db) {
                return .failure(refusal)
            }
            return .success(
                ConsumedChallenge(
                    purpose: purpose, userPrincipalName: record.userPrincipalName.flatMap(UserPrincipalName.init),
                    userHandle: record.userHandle.map(Array.init)))
        }
        return try outcome.get()
    }

    /// Judges a stored challenge in the order every ceremony checks (another ceremony's, answered before,
    /// expired) and spends it in `db`; the refusal, or `nil` when it may be answered. An unused one of the right
    /// ceremony is spent even when it expired, so a late answer cannot be retried either.
    static func spendChallenge<Record: SpendableChallenge>(
        _ record: inout Record, purpose: String, now: Date, _ db: any StatementRunner
    ) throws -> EnrollmentError? {
        guard record.purpose == purpose else {
            return .webAuthn(
                reason: "challenge_purpose_mismatch", detail: "the challenge was issued for another ceremony")
        }
        guard record.usedAt == nil else {
            return .webAuthn(reason: "challenge_replayed", detail: "the challenge was answered before")
        }
        record.usedAt = now
        try record.updateRow(db)
        guard record.expiresAt > now else {
            return .webAuthn(reason: "challenge_expired", detail: "the challenge expired")
        }
        return nil
    }

    /// Stores a verified key for a session under way. Without a required test sign-in the session completes in
    /// the same transaction (its pass and session tokens die); with one, the key waits as `pendingProof`. `model`,
    /// the name FIDO's metadata gives the key's model, goes into the `key.registered` event.
    public func registerKey(
        _ key: NewSecurityKey, session id: SessionID, model: String?
    ) async throws -> KeyRegistration {
        try await perform { db in
            let now = world.currentSecond()
            guard (1...1023).contains(key.credentialID.count) else {
                throw EnrollmentError.webAuthn(
                    reason: "credential_id_too_long", detail: "credential ids are 1 to 1023 bytes")
            }
            guard try SecurityKeyRecord.registered(credentialID: key.credentialID, db) == nil
            else {
                throw EnrollmentError.webAuthn(
                    reason: "credential_already_registered", detail: "this credential id is registered already")
            }
            var loaded = LoadedSession(
                record: try fido2SessionUnderWay(id, action: "register a key", now: now, db: db),
                pass: try livePass(of: id.rawValue, db: db))
            let policy = try loadPolicy(db)
            let testSignInRequired = try loaded.record.settings(in: policy).keyTestSignInRequired
            let record = SecurityKeyRecord(
                id: world.newID(SecurityKeyEntity.self).rawValue, credentialId: Data(key.credentialID),
                userPrincipalName: loaded.record.userPrincipalName, userHandle: Data(key.userHandle),
                site: loaded.record.site,
                sessionId: id.rawValue, publicKey: Data(key.publicKeyCOSE), algorithm: key.algorithm,
                signCount: Int64(key.signCount),
                aaguid: key.aaguid, attestationFormat: key.attestation.format, attestationType: key.attestation.type,
                attestationTrust: key.attestation.trust, attestation: encodeJSON(key.attestation),
                transports: encodeJSON(key.transports),
                backupEligible: key.backupEligible, backupState: key.backupState, userVerified: key.userVerified,
                status: testSignInRequired
                    ? SecurityKeyStatus.pendingProof.rawValue : SecurityKeyStatus.active.rawValue,
                proven: false, createdAt: now, lastUsedAt: nil, flaggedStatus: nil, flaggedAt: nil)
            try record.insertRow(db)
            try appendAudit(
                db, .keyRegistered, session: id.rawValue, actor: "session-token",
                data: [
                    "keyId": .string(record.id), "aaguid": .string(key.aaguid),
                    "format": .string(key.attestation.format),
                    "attestationType": .string(key.attestation.type), "trust": .string(key.attestation.trust),
                    "testSignInRequired": .bool(testSignInRequired), "model": model.map(JSONValue.string) ?? .null,
                ])
            if !testSignInRequired {
                try apply(.complete, to: &loaded.record, action: "complete", now: now)
                try close(
                    &loaded, event: .sessionCompleted, actor: "session-token", now: now, db: db, data: ["by": "key"])
            }
            return KeyRegistration(
                key: try record.domain(), session: try parse(try Self.session(id: id.rawValue, db: db), "session"),
                testSignInRequired: testSignInRequired)
        }
    }

    /// The key with this WebAuthn credential id, if one is registered.
    public func securityKey(credentialID: [UInt8]) async throws -> SecurityKey? {
        try await engine.read { db in
            try SecurityKeyRecord.registered(credentialID: credentialID, db)?.domain()
        }
    }

    /// Records a verified test sign-in: the key becomes active and proven, its counter is persisted, and the
    /// session completes (its pass and session tokens die), in one transaction.
    public func proveKey(
        _ keyID: SecurityKeyID, session id: SessionID, signCount: UInt32, backupState: Bool
    ) async throws -> KeyRegistration {
        try await perform { db in
            let now = world.currentSecond()
            var loaded = LoadedSession(
                record: try fido2SessionUnderWay(id, action: "prove a key", now: now, db: db),
                pass: try livePass(of: id.rawValue, db: db))
            guard var key = try SecurityKeyRecord.load(db, keyID.rawValue), key.sessionId == id.rawValue,
                key.status == SecurityKeyStatus.pendingProof.rawValue
            else { throw EnrollmentError.conflict("this key does not wait for a test sign-in in this session") }
            key.status = SecurityKeyStatus.active.rawValue
            key.proven = true
            key.signCount = max(key.signCount, Int64(signCount))
            key.backupState = backupState
            key.lastUsedAt = now
            try key.updateRow(db)
            try appendAudit(
                db, .keyVerified, session: id.rawValue, actor: "session-token", data: ["keyId": .string(key.id)])
            try apply(.complete, to: &loaded.record, action: "complete", now: now)
            try close(&loaded, event: .sessionCompleted, actor: "session-token", now: now, db: db, data: ["by": "key"])
            return KeyRegistration(
                key: try key.domain(), session: try parse(try Self.session(id: id.rawValue, db: db), "session"),
                testSignInRequired: false)
        }
    }

    /// Persists what a verified sign-in of an organisation's app changed: the counter (never lowered) and BS.
    public func recordSignIn(_ keyID: SecurityKeyID, signCount: UInt32, backupState: Bool) async throws -> SecurityKey {
        try await perform { db in
            guard var key = try SecurityKeyRecord.load(db, keyID.rawValue) else {
                throw EnrollmentError.notFound("key")
            }
            key.signCount = max(key.signCount, Int64(signCount))
            key.backupState = backupState
            key.lastUsedAt = world.currentSecond()
            try key.updateRow(db)
            return try key.domain()
        }
    }

    /// A page of keys visible to `viewer` (its site, or all for a global token), newest first.
    public func securityKeys(
        user: UserPrincipalName?, flaggedOnly: Bool, visibleTo viewer: OperatorIdentity, after cursor: SecurityKeyID?,
        limit: Int
    ) async throws -> Page<SecurityKey> {
        try await engine.read { db in
            var conditions = SQLConditions()
            conditions.match("site", viewer.site?.value)
            conditions.match("userPrincipalName", user?.value)
            if flaggedOnly { conditions.add("flaggedStatus IS NOT NULL") }
            let page = conditions.newestFirst(after: cursor?.rawValue, limit: limit)
            let (records, next) = pageOf(
                try SecurityKeyRecord.loadAll(db, page.clause, page.values, varying: true), limit: limit, id: \.id)
            return Page(items: try records.map { try $0.domain() }, nextCursor: next)
        }
    }

    /// Deletes a key (lost, stolen, or the user left); audited as `key.deleted`.
    public func deleteSecurityKey(
        _ id: SecurityKeyID, reason: String?, by actor: OperatorIdentity
    ) async throws -> SecurityKey {
        try await perform { db in
            guard let record = try SecurityKeyRecord.load(db, id.rawValue), let site = SiteName(record.site),
                actor.canSee(site: site)
            else { throw EnrollmentError.notFound("key") }
            let key = try record.domain()
            try SecurityKeyRecord.remove(db, id.rawValue)
            try appendAudit(
                db, .keyDeleted, session: record.sessionId, actor: actor.id.rawValue,
                data: [
                    "keyId": .string(record.id), "userPrincipalName": .string(record.userPrincipalName),
                    "reason": reason.map(JSONValue.string) ?? .null,
                ])
            return key
        }
    }

    // MARK: Shared steps

    /// The session, when it is a FIDO2 registration that is under way at `now`; refused otherwise.
    func fido2SessionUnderWay(
        _ id: SessionID, action: String, now: Date, db: any StatementRunner
    ) throws -> SessionRecord {
        guard let record = try SessionRecord.load(db, id.rawValue) else { throw EnrollmentError.notFound("session") }
        guard record.scenario == Scenario.fido2Registration.rawValue else {
            throw EnrollmentError.forbidden("this session does not register a FIDO2 key")
        }
        let session = try parse(try Self.session(id: id.rawValue, db: db), "session")
        let state = session.effectiveState(at: now)
        guard state == .inProgress else { throw EnrollmentError.invalidStateTransition(from: state, action: action) }
        return record
    }

    func insertChallenge(_ challenge: NewChallenge, now: Date, db: any StatementRunner) throws {
        var sessionID: String?
        var operatorID: String?
        switch challenge.holder {
        case .session(let id): sessionID = id.rawValue
        case .relyingParty(let id): operatorID = id.rawValue
        }
        try ChallengeRecord(
            digest: Data(challenge.digest), purpose: challenge.purpose.rawValue, sessionId: sessionID,
            operatorId: operatorID,
            userPrincipalName: challenge.userPrincipalName?.value, userHandle: challenge.userHandle.map { Data($0) },
            createdAt: now,
            expiresAt: challenge.expiresAt, usedAt: nil
        ).insertRow(db)
    }

    func activeKeys(
        of user: UserPrincipalName, visibleTo actor: OperatorIdentity, db: any StatementRunner
    ) throws -> [SecurityKeyRecord] {
        try SecurityKeyRecord.keys(db, status: "active") {
            $0.match("userPrincipalName", user.value)
            $0.match("site", actor.site?.value)
        }
    }

    /// Deletes the keys of a session that never proved themselves: called whenever a session closes.
    func deleteUnprovenKeys(of sessionID: String, db: any StatementRunner) throws {
        try db.run("DELETE FROM securityKey WHERE sessionId = ? AND status = 'pendingProof'", [.text(sessionID)])
    }
}

extension SecurityKeyRecord {
    func descriptor() throws -> KeyDescriptor {
        KeyDescriptor(
            credentialID: Array(credentialId),
            transports: try decodeJSON([String].self, transports, what: "securityKey.transports"))
    }

    func domain() throws -> SecurityKey {
        SecurityKey(
            id: try parse(SecurityKeyID(id), "securityKey.id"),
            key: NewSecurityKey(
                credentialID: Array(credentialId), publicKeyCOSE: Array(publicKey), algorithm: algorithm,
                signCount: UInt32(clamping: signCount), aaguid: aaguid, userHandle: Array(userHandle),
                attestation: try decodeJSON(KeyAttestation.self, attestation, what: "securityKey.attestation"),
                transports: try decodeJSON([String].self, transports, what: "securityKey.transports"),
                backupEligible: backupEligible,
                backupState: backupState, userVerified: userVerified),
            userPrincipalName: try parse(UserPrincipalName(userPrincipalName), "securityKey.userPrincipalName"),
            site: try parse(SiteName(site), "securityKey.site"),
            sessionID: try parse(SessionID(sessionId), "securityKey.sessionId"),
            status: try parse(SecurityKeyStatus(rawValue: status), "securityKey.status"), proven: proven,
            createdAt: createdAt,
            lastUsedAt: lastUsedAt,
            flag: flaggedStatus.map { KeyFlag(status: $0, since: flaggedAt ?? createdAt) })
    }
}

extension SecurityKeyRecord {
    /// The keys in `status`, oldest first, narrowed by `narrow`'s conditions.
    static func keys(
        _ db: any StatementRunner, status: String, _ narrow: (inout SQLConditions) -> Void = { _ in }
    ) throws -> [SecurityKeyRecord] {
        var conditions = SQLConditions()
        conditions.add("status = ?", .text(status))
        narrow(&conditions)
        return try loadAll(db, conditions.clause + " ORDER BY id", conditions.values)
    }

    /// The key with this WebAuthn credential id, if one is registered.
    static func registered(credentialID: [UInt8], _ db: any StatementRunner) throws -> SecurityKeyRecord? {
        try loadFirst(db, "WHERE credentialId = ?", [.blob(credentialID)])
    }
}
