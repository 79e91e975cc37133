import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Sessions waiting for a second operator that `viewer` may see, oldest first.
    public func pendingApprovals(visibleTo viewer: OperatorIdentity) async throws -> [Session] {
        let now = world.now()
        var conditions = SQLConditions()
        conditions.add("state = 'awaitingApproval' AND approvalDeadline > ?", .date(now))
        conditions.match("site", viewer.site?.value)
        return try await engine.read { [conditions] db in
            try Self.sessions(
                try SessionRecord.loadAll(db, conditions.clause + " ORDER BY id LIMIT 500", conditions.values), db: db)
        }
    }

    /// A second operator approves issuance. Never the person who asked (by their user principal name), and
    /// only with a person's token; with the approver's own proofing note when policy wants one. No pass is
    /// minted here: the requester collects it.
    public func approve(_ id: SessionID, by approver: OperatorIdentity, proofing: Proofing?) async throws -> Session {
        try await decide(id, by: approver) { loaded, settings, now, db in
            if let problem = Proofing.check(
                proofing, required: settings.approverProofingRequired, accepted: settings.acceptedProofingMethods)
            {
                throw EnrollmentError.proofing(problem)
            }
            let asked = try loaded.record.passRequest.map {
                try decodeJSON(PassRequest.self, $0, what: "session.passRequest")
            }
            let startsLater = (asked?.startDateTime).map { $0 > now } ?? false
            try self.apply(.approve(startsLater: startsLater), to: &loaded.record, action: "approve", now: now)
            try self.recordDecision(
                &loaded.record, .approved, by: approver.id, proofing: proofing, reason: nil, now: now, db: db)
        }
    }

    /// A second operator refuses issuance, with a reason.
    public func reject(_ id: SessionID, by approver: OperatorIdentity, reason: String) async throws -> Session {
        try await decide(id, by: approver) { loaded, _, now, db in
            try self.apply(.reject, to: &loaded.record, action: "reject", now: now)
            try self.recordDecision(
                &loaded.record, .rejected, by: approver.id, proofing: nil, reason: reason, now: now, db: db)
        }
    }

    private func decide(
        _ id: SessionID, by approver: OperatorIdentity,
        _ change: @escaping @Sendable (inout LoadedSession, EffectiveSettings, Date, any StatementRunner) throws -> Void
    ) async throws -> Session {
        try await perform { db in
            let now = world.currentSecond()
            var loaded = try loadForChange(id, visibleTo: approver, db: db)
            try settle(&loaded, now: now, db: db)
            guard let approverName = approver.userPrincipalName else { throw EnrollmentError.approverNotAPerson }
            let requester = try OperatorRecord.load(db, loaded.record.createdBy)
            if approver.id.rawValue == loaded.record.createdBy || requester?.userPrincipalName == approverName.value {
                throw EnrollmentError.selfApproval
            }
            let settings = try loaded.record.settings(in: try loadPolicy(db))
            if let requester, let approverRecord = try OperatorRecord.load(db, approver.id.rawValue),
                Self.areTied(
                    requester, approverRecord, window: TimeInterval(settings.approvalTimeoutInMinutes * 60), now: now)
            {
                throw EnrollmentError.tiedApproval
            }
            try change(&loaded, settings, now, db)
            try loaded.saveRecord(db)
            return try parse(try Self.session(id: id.rawValue, db: db), "session")
        }
    }

    /// Whether two person operators are one person's doing, so that one of them approving the other's request
    /// would be four-eyes with one pair of eyes. Whoever creates a token sees it, so: one created the other, or
    /// one operator created both and the newer is younger than the approval window (a fresh pair of puppets).
    /// Operators made at the server's console (`tapstation operator create`, no creator) are not tied by that:
    /// whoever has that shell holds the database and the server secret, which four-eyes cannot guard against.
    static func areTied(
        _ requester: OperatorRecord, _ approver: OperatorRecord, window: TimeInterval, now: Date
    ) -> Bool {
        if approver.createdBy == requester.id || requester.createdBy == approver.id { return true }
        guard let creator = approver.createdBy, creator == requester.createdBy else { return false }
        return now.timeIntervalSince(max(requester.createdAt, approver.createdAt)) < window
    }

    /// Writes the decision into the session's approval record and the audit chain.
    func recordDecision(
        _ record: inout SessionRecord, _ decision: Approval.Decision, by approver: OperatorID?, proofing: Proofing?,
        reason: String?, now: Date, db: any StatementRunner
    ) throws {
        var approval =
            try record.approval.map { try decodeJSON(Approval.self, $0, what: "session.approval") }
            ?? Approval(deadline: now)
        approval.decision = decision
        approval.decidedBy = approver
        approval.decidedAt = now
        approval.approverProofing = proofing
        approval.reason = reason
        record.approval = encodeJSON(approval)
        if decision == .rejected {
            record.closedAt = now
            record.passRequest = nil
        }
        record.updatedAt = now
        try record.updateRow(db)
        try appendAudit(
            db, decision == .approved ? .sessionApproved : .sessionRejected, session: record.id,
            actor: approver?.rawValue ?? "system",
            data: [
                "reason": reason.map(JSONValue.string) ?? .null,
                "approverProofingMethod": proofing.map { .string($0.method.rawValue) } ?? .null,
            ])
    }

    // MARK: Limits on issuance

    /// Refuses when the user is locked out of issuance at `site`, by a lock on every site or on that one.
    func checkIssuanceLock(_ user: UserPrincipalName, site: SiteName, now: Date, db: any StatementRunner) throws {
        let sql =
            "SELECT MAX(lockedUntil) FROM issuanceLock WHERE userPrincipalName = ? AND site IN ('', ?) AND lockedUntil > ?"
        let until = try db.queryFirst(sql, [.text(user.value), .text(site.value), .date(now)]) {
            try $0.optionalDate(0)
        }
        if let until = until.flatMap({ $0 }) { throw EnrollmentError.issuanceLocked(until: until) }
    }

    /// Refuses when minting one more pass would pass a cap. Counted inside the write transaction, so under
    /// any concurrency exactly the cap succeeds.
    func checkCaps(
        _ caps: IssuanceCaps, issuer: OperatorID, site: SiteName, privileged: Bool, now: Date,
        db: any StatementRunner
    ) throws {
        let hourAgo = DirectValue.date(now.addingTimeInterval(-3600)),
            dayAgo = DirectValue.date(now.addingTimeInterval(-86_400))
        func count(_ condition: String, _ arguments: [DirectValue]) throws -> Int {
            let sql = "SELECT COUNT(*) FROM pass JOIN session ON session.id = pass.sessionId WHERE \(condition)"
            return try db.queryFirst(sql, arguments) { try $0.integer(0) } ?? 0
        }
        let checks: [(String, Int?, String, () -> [DirectValue])] = [
            (
                "passesPerOperatorPerHour", caps.perOperatorPerHour, "pass.issuedBy = ? AND pass.createdAt > ?",
                { [.text(issuer.rawValue), hourAgo] }
            ),
            (
                "passesPerOperatorPerDay", caps.perOperatorPerDay, "pass.issuedBy = ? AND pass.createdAt > ?",
                { [.text(issuer.rawValue), dayAgo] }
            ),
            (
                "passesPerSitePerHour", caps.perSitePerHour, "session.site = ? AND pass.createdAt > ?",
                { [.text(site.value), hourAgo] }
            ),
            (
                "passesPerSitePerDay", caps.perSitePerDay, "session.site = ? AND pass.createdAt > ?",
                { [.text(site.value), dayAgo] }
            ),
            (
                "privilegedPassesPerDay", privileged ? caps.privilegedPerDay : nil,
                "session.privilegedSubject = ? AND pass.createdAt > ?", { [.bool(true), dayAgo] }
            ),
        ]
        for (name, limit, condition, arguments) in checks {
            guard let limit else { continue }
            if try count(condition, arguments()) >= limit {
                throw EnrollmentError.issuanceCapReached(cap: name, limit: limit)
            }
        }
    }

    /// Passes minted by each operator in the last hour and day.
    public func issuanceCounts() async throws -> [OperatorID: (lastHour: Int, lastDay: Int)] {
        let now = world.now()
        let rows = try await engine.read { db in
            // Per operator, two range counts on the covering index (issuedBy, createdAt): a grouped scan of
            // the day's passes read every pass ever issued at a million (the planner took the issuer index).
            try db.queryAll(
                """
                SELECT id,
                    (SELECT COUNT(*) FROM pass WHERE issuedBy = operator.id AND createdAt > ?),
                    (SELECT COUNT(*) FROM pass WHERE issuedBy = operator.id AND createdAt > ?)
                FROM operator
                """,
                [.date(now.addingTimeInterval(-3600)), .date(now.addingTimeInterval(-86_400))]
            ) { row in (try row.text(0), try row.integer(1), try row.integer(2)) }
        }
        var counts: [OperatorID: (lastHour: Int, lastDay: Int)] = [:]
        for (id, lastHour, lastDay) in rows {
            if let id = OperatorID(id) { counts[id] = (lastHour, lastDay) }
        }
        return counts
    }

    // MARK: Incident tools

    /// Locks a user out of issuance until a time (replacing an earlier lock of the same scope), audited. The lock
    /// has the actor's scope: every site for a global operator, the operator's own site otherwise.
    public func lockIssuance(
        for user: UserPrincipalName, until: Date, reason: String, by actor: OperatorIdentity
    ) async throws {
        try await perform { db in
            let site = actor.site?.value ?? IssuanceLockRecord.everySite
            try db.run(
                """
                INSERT INTO issuanceLock (userPrincipalName, site, lockedUntil, reason, lockedBy, createdAt)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (userPrincipalName, site) DO UPDATE SET lockedUntil = excluded.lockedUntil,
                    reason = excluded.reason, lockedBy = excluded.lockedBy, createdAt = excluded.createdAt
                """,
                [
                    .text(user.value), .text(site), .date(until), .text(reason), .text(actor.id.rawValue),
                    .date(world.now()),
                ])
            try appendAudit(
                db, .issuanceLocked, session: nil, actor: actor.id.rawValue,
                data: [
                    "userPrincipalName": .string(user.value), "until": auditTime(until), "reason": .string(reason),
                    "site": actor.site.map { .string($0.value) } ?? .null,
                ])
        }
    }

    /// The user's locks in force that `viewer` may see: a site-scoped viewer sees its site's and every-site ones.
    public func issuanceLocks(
        for user: UserPrincipalName, visibleTo viewer: OperatorIdentity
    ) async throws -> [IssuanceLock] {
        let now = world.now()
        var conditions = SQLConditions()
        conditions.add("userPrincipalName = ? AND lockedUntil > ?", .text(user.value), .date(now))
        if let site = viewer.site {
            conditions.add("site IN (?, ?)", .text(site.value), .text(IssuanceLockRecord.everySite))
        }
        return try await engine.read { [conditions] db in
            try db.queryAll(
                "SELECT site, lockedUntil, reason, lockedBy FROM issuanceLock \(conditions.clause) ORDER BY createdAt DESC",
                conditions.values
            ) { row in
                let site = try row.text(0)
                return IssuanceLock(
                    site: site == IssuanceLockRecord.everySite ? nil : SiteName(site), lockedUntil: try row.date(1),
                    reason: try row.text(2), lockedBy: OperatorID(try row.text(3)))
            }
        }
    }

    /// Lifts a user's issuance locks that `actor` may lift; false when there was none. A global operator lifts
    /// the user's locks at every scope; a site-scoped one only its own site's, and is refused when the user is
    /// locked by a global operator (that incident lock is not the site's to lift).
    public func unlockIssuance(for user: UserPrincipalName, by actor: OperatorIdentity) async throws -> Bool {
        try await perform { db in
            let now = world.now()
            let lifted: Int
            if let site = actor.site {
                let globalSQL =
                    "SELECT COUNT(*) FROM issuanceLock WHERE userPrincipalName = ? AND site = '' AND lockedUntil > ?"
                if try db.queryFirst(globalSQL, [.text(user.value), .date(now)], { try $0.integer(0) }) ?? 0 > 0 {
                    throw EnrollmentError.forbidden(
                        "this user's issuance lock was set for every site; only a global operator lifts it")
                }
                lifted = try db.changes(
                    "DELETE FROM issuanceLock WHERE userPrincipalName = ? AND site = ?",
                    [.text(user.value), .text(site.value)])
            } else {
                lifted = try db.changes("DELETE FROM issuanceLock WHERE userPrincipalName = ?", [.text(user.value)])
            }
            guard lifted > 0 else { return false }
            try appendAudit(
                db, .issuanceUnlocked, session: nil, actor: actor.id.rawValue,
                data: ["userPrincipalName": .string(user.value), "site": actor.site.map { .string($0.value) } ?? .null])
            return true
        }
    }

    /// Cancels every open session of a user that `actor` may see, in one transaction: every live pass and
    /// session token of theirs dies. Returns the cancelled sessions.
    public func revokeEverything(
        of user: UserPrincipalName, reason: String, by actor: OperatorIdentity
    ) async throws -> [SessionID] {
        var conditions = SQLConditions()
        let open = "state NOT IN ('completed','cancelled','rejected','abandoned')"
        conditions.add("userPrincipalName = ? AND \(open)", .text(user.value))
        conditions.match("site", actor.site?.value)
        return try await perform { [conditions] db in
            let now = world.currentSecond()
            var cancelled: [SessionID] = []
            for record in try SessionRecord.loadAll(db, conditions.clause, conditions.values) {
                var loaded = LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
                try settle(&loaded, now: now, db: db)
                guard try !loaded.record.sessionState.isTerminal else { continue }
                try apply(.cancel, to: &loaded.record, action: "cancel", now: now)
                try close(
                    &loaded, event: .sessionCancelled, actor: actor.id.rawValue, now: now, db: db,
                    data: ["reason": .string(reason), "revokeAll": .bool(true)])
                cancelled.append(try parse(SessionID(record.id), "session.id"))
            }
            return cancelled
        }
    }
}
