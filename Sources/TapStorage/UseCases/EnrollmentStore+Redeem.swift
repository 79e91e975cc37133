import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Redeems a pass for a user, atomically: a pass with N uses admits exactly N redeems, however many
    /// arrive at once, because each redeem is one write transaction and no two of one user's overlap (SQLite runs
    /// one writer at a time; PostgreSQL's user groups lock the user, ``StoreEngine/write(forUser:firstRead:_:)``).
    ///
    /// Every refusal does the same work (one MAC per live pass of the user, at least one) and the
    /// same single write (the user's failure counter), so unknown user, wrong pass, expired pass and used
    /// pass cannot be told apart by answer or timing. At the policy's limit, the user's open passes lock.
    public func redeem(
        user: UserPrincipalName, pass presented: PresentedPass, client: String? = nil
    ) async throws -> RedeemOutcome {
        // The MACs and the session token are computed before the transaction: the writer is the one thing
        // every write waits for, so it only compares. A digest per secret version, for every redeem alike.
        let presentedDigests = Dictionary(
            uniqueKeysWithValues: keyring.versions.compactMap { version in
                keyring.passDigest(presented, for: user, version: version).map { (version, $0) }
            })
        let token = BearerToken.generate(.sessionToken, randomBytes: world.randomBytes)
        guard let tokenDigest = keyring.tokenDigest(token) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        // Every row a redeem writes is its user's, so PostgreSQL may run it beside other users' redeems.
        return try await perform(forUser: user, firstRead: Self.redeemReadSQL) { db in
            let now = world.currentSecond()
            // Each live pass of the user with its session, the user's failures and the policy, in one statement
            // that answers one row even for a user with no pass, so that every redeem reads alike.
            var candidates: [PassRecord] = []
            var sessionRecords: [SessionRecord] = []
            var failures: RedeemFailureRecord?
            var policy = Policy.standard
            var firstRow = true
            try db.query(Self.redeemReadSQL, [user.value.directValue]) { row in
                if firstRow {
                    firstRow = false
                    let failuresAt = PassRecord.columnNames.count + SessionRecord.columnNames.count
                    if !row.isNull(failuresAt) {
                        failures = try RedeemFailureRecord(direct: row, startingAt: failuresAt)
                    }
                    policy = try self.policy(in: row, at: failuresAt + RedeemFailureRecord.columnNames.count)
                }
                guard !row.isNull(0) else { return }
                candidates.append(try PassRecord(direct: row, startingAt: 0))
                sessionRecords.append(try SessionRecord(direct: row, startingAt: PassRecord.columnNames.count))
            }
            var matched: PassRecord?
            for candidate in candidates {
                let digest = presentedDigests[candidate.keyVersion] ?? []
                if keyring.constantTimeEqual(Array(candidate.digest), digest) { matched = candidate }
            }
            let limit = try failedAttemptLimit(for: sessionRecords, policy: policy)

            if let matched, let record = sessionRecords.first(where: { $0.id == matched.sessionId }),
                try mayAdmit(matched, of: record, failures: failures?.count ?? 0, limit: limit, policy: policy)
            {
                var loaded = LoadedSession(record: record, pass: matched)
                let effective = SessionTimeline.effectiveState(
                    state: try record.sessionState, pass: matched.terms, completionDeadline: record.completionDeadline,
                    now: now)
                let enabled = try record.settings(in: policy).enabled
                if effective == .active || effective == .inProgress,
                    matched.terms.usability(at: now, policyEnabled: enabled).isUsable
                {
                    try settle(&loaded, now: now, db: db)
                    let admitted = try admit(
                        &loaded, user: user, client: client, policy: policy, hadFailures: failures != nil, now: now,
                        db: db)
                    try storeSessionToken(tokenDigest, for: loaded, now: now, db: db)
                    return .admitted(admitted, token)
                }
            }
            try recordFailure(
                user: user, client: client, previous: failures, limit: limit, candidates: sessionRecords,
                policy: policy,
                now: now, db: db)
            return .refused
        }
    }

    /// What a redeem reads, in one round trip: each live pass of the user followed by its session's columns, the
    /// user's failure row and the policy document (see the records' `columnNames`), on every row. A user with no
    /// open session gets one row of NULL pass and session columns, and an open session without a live pass a row
    /// of NULL pass columns; both are read for the failures and the policy alone. (A join of pass and session in
    /// parentheses reads the same, but SQLite builds that join whole for each redeem.) PostgreSQL's user groups
    /// read it for every user of a group in one statement (``StoreEngine/write(forUser:firstRead:_:)``).
    private static let redeemReadSQL = """
        SELECT \(PassRecord.selection(of: "pass")), \(SessionRecord.selection(of: "session")),
            \(RedeemFailureRecord.selection(of: "redeemFailure")), policy.document
        FROM (SELECT ? AS userPrincipalName) AS asked
        LEFT JOIN redeemFailure ON redeemFailure.userPrincipalName = asked.userPrincipalName
        LEFT JOIN policy ON policy.id = 1
        LEFT JOIN session ON session.userPrincipalName = asked.userPrincipalName
            AND session.state IN ('pending','active','inProgress','expired','lockedOut')
        LEFT JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
        """

    /// The lowest failed-attempt limit among the policies of the user's sessions.
    private func failedAttemptLimit(for sessions: [SessionRecord], policy: Policy) throws -> Int {
        let limits = try sessions.map { try $0.settings(in: policy).failedAttemptLimit }
        return limits.min()
            ?? policy.effectiveSettings(site: .defaultSite, scenario: .deviceEnrollment).failedAttemptLimit
    }

    /// Whether the user's failures still let a matching pass in: below the limit; or, where the policy locks only
    /// unused passes, a pass already used once (its lock-out spared it), so strangers cannot stop an enrollment.
    private func mayAdmit(
        _ pass: PassRecord, of record: SessionRecord, failures: Int, limit: Int, policy: Policy
    ) throws -> Bool {
        if failures < limit { return true }
        return try record.settings(in: policy).lockOutOnlyUnusedPasses && pass.uses > 0 && pass.lockedAt == nil
    }

    private func admit(
        _ loaded: inout LoadedSession, user: UserPrincipalName, client: String?, policy: Policy, hadFailures: Bool,
        now: Date,
        db: any StatementRunner
    ) throws -> Session {
        guard var pass = loaded.pass else { throw StorageError.corruptRow("admitted session without a pass") }
        pass.uses += 1
        loaded.pass = pass
        try loaded.savePass(db)
        if try loaded.record.sessionState == .active {
            let settings = try loaded.record.settings(in: policy)
            loaded.record.firstUsedAt = now
            // The completion deadline runs from the first sign-in: that is when enrollment starts.
            loaded.record.completionDeadline = now.addingTimeInterval(
                TimeInterval(settings.completionDeadlineInMinutes * 60))
            if let deviceID = loaded.record.deviceId {
                try db.write(
                    "UPDATE device SET enrollmentState = 'enrolling', lastSeenAt = ? WHERE id = ?",
                    [.date(now), .text(deviceID)], row: DeviceRecord.row(.text(deviceID)))
            }
        }
        try apply(.passUsed, to: &loaded.record, action: "redeem", now: now)
        try loaded.saveRecord(db)
        try appendAudit(
            db, .passUsed, session: loaded.record.id, actor: "redeem",
            data: [
                "passId": .string(pass.id), "uses": .number(Double(pass.uses)),
                "usesRemaining": .number(Double(pass.maxUses - pass.uses)),
                "clientAddress": client.map(JSONValue.string) ?? .null,
            ])
        if hadFailures { try RedeemFailureRecord.remove(db, user.value) }
        // Built from the rows in hand rather than read back: the writer is what every redeem waits for.
        let device = try loaded.record.deviceId.flatMap { try DeviceRecord.load(db, $0) }
        return try loaded.record.domain(device: device, pass: pass)
    }

    private func storeSessionToken(
        _ digest: [UInt8], for loaded: LoadedSession, now: Date, db: any StatementRunner
    ) throws {
        try SessionTokenRecord(
            digest: Data(digest), sessionId: loaded.record.id, createdAt: now,
            expiresAt: loaded.record.completionDeadline,
            revokedAt: nil, keyVersion: keyring.currentVersion
        ).insertRow(db)
    }

    private func recordFailure(
        user: UserPrincipalName, client: String?, previous: RedeemFailureRecord?, limit: Int,
        candidates: [SessionRecord], policy: Policy, now: Date, db: any StatementRunner
    ) throws {
        var failures =
            previous
            ?? RedeemFailureRecord(userPrincipalName: user.value, count: 0, unreported: 0, firstAt: now, lastAt: now)
        failures.count += 1
        failures.unreported += 1
        failures.lastAt = now
        if let client {
            // Same row, same write: the address group joins the few kept, for the lock-out to judge.
            var groups = failures.addresses.split(separator: " ").map(String.init)
            let group = AddressBlock.abuseGroup(of: client)
            if !groups.contains(group), groups.count < RedeemFailureRecord.maximumAddresses, !group.contains(" ") {
                groups.append(group)
                failures.addresses = groups.joined(separator: " ")
            }
        }
        try failures.upsertRow(db)
        guard failures.count >= limit else { return }
        // Looked up once, at the first pass this failure locks: lock-outs are rare, redeems are not.
        var strangers: [String]?
        // At the limit: lock every open pass of the user (already locked ones are skipped below), or, where the
        // policy says so, only those not used yet.
        for record in candidates {
            var loaded = LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
            let effective = SessionTimeline.effectiveState(
                state: try record.sessionState, pass: loaded.pass?.terms, completionDeadline: record.completionDeadline,
                now: now)
            guard effective == .active || effective == .inProgress, var pass = loaded.pass else { continue }
            if pass.uses > 0, try record.settings(in: policy).lockOutOnlyUnusedPasses { continue }
            try settle(&loaded, now: now, db: db)
            pass.lockedAt = now
            loaded.pass = pass
            try loaded.savePass(db)
            try apply(.lockOut, to: &loaded.record, action: "lock out", now: now)
            try loaded.saveRecord(db)
            try appendAudit(
                db, .passLocked, session: record.id, actor: "redeem",
                data: ["passId": .string(pass.id), "failedAttempts": .number(Double(failures.count))])
            let unknown = try strangers ?? strangerAddresses(failures.addresses, of: user, db: db)
            strangers = unknown
            if !unknown.isEmpty {
                try appendAudit(
                    db, .userLockedOutByStrangers, session: record.id, actor: "redeem",
                    data: [
                        "passId": .string(pass.id), "userPrincipalName": .string(user.value),
                        "failedAttempts": .number(Double(failures.count)),
                        "strangerAddresses": .array(unknown.map(JSONValue.string)),
                    ])
            }
        }
    }

    /// The address groups among `addresses` (space-separated) that no pass of the user was ever redeemed from,
    /// as the user's `pass.used` events record.
    private func strangerAddresses(
        _ addresses: String, of user: UserPrincipalName, db: any StatementRunner
    ) throws -> [String] {
        let groups = addresses.split(separator: " ").map(String.init)
        guard !groups.isEmpty else { return [] }
        // The events this transaction still holds back are read with the rest.
        try audit.appendHeldBack(db)
        let used = try db.queryAll(
            """
            SELECT a.data FROM auditEvent a JOIN session s ON s.id = a.sessionId
            WHERE s.userPrincipalName = ? AND a.type = ?
            """,
            [.text(user.value), .text(AuditEventType.passUsed.rawValue)]
        ) { try $0.text(0) }
        var known = Set<String>()
        for data in used {
            guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any],
                let address = object["clientAddress"] as? String
            else { continue }
            known.insert(AddressBlock.abuseGroup(of: address))
        }
        return groups.filter { !known.contains($0) }
    }

    /// The session a session token belongs to, while the token may still act: not revoked, not past its
    /// session's completion deadline, and the session under way.
    public func sessionForToken(_ token: BearerToken) async throws -> Session? {
        let now = world.now()
        let digests = keyring.versions.compactMap { version in
            keyring.tokenDigest(token, version: version).map { (version, Data($0)) }
        }
        // No transaction, as for operator tokens: the token row and its session each come from a committed
        // state, and a session closed in between is caught by the use case's own checks in its transaction.
        return try await engine.unsafeRead { db in
            var found: SessionTokenRecord?
            for (version, digest) in digests {
                if let record = try SessionTokenRecord.load(db, digest), record.keyVersion == version { found = record }
            }
            guard let token = found, token.revokedAt == nil, token.expiresAt > now,
                let session = try Self.session(id: token.sessionId, db: db),
                session.effectiveState(at: now) == .inProgress
            else { return nil }
            return session
        }
    }
}
