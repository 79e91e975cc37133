import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    // MARK: Create

    /// Creates a session and mints its pass, or replays an earlier identical request.
    public func createSession(
        _ request: NewSession, by creator: OperatorIdentity, idempotency: IdempotencyClaim? = nil
    ) async throws -> CreateOutcome {
        try await perform { db in
            if let earlier = try idempotentReplay(of: idempotency, by: creator, db: db) { return .replayed(earlier) }
            let outcome = try createSessionRow(request, by: creator, db: db)
            if let idempotency {
                let sessionID: SessionID
                switch outcome {
                case .created(let issued): sessionID = issued.session.id
                case .createdExternally(let issued): sessionID = issued.session.id
                case .awaitingApproval(let session), .replayed(let session): sessionID = session.id
                }
                try IdempotencyRecord(
                    operatorId: creator.id.rawValue, key: idempotency.key,
                    requestDigest: Data(idempotency.requestDigest),
                    sessionId: sessionID.rawValue, createdAt: world.currentSecond()
                ).insertRow(db)
            }
            return outcome
        }
    }

    /// The session an earlier create with this idempotency key made, or `nil` when the key is new; the same key
    /// with another request body is refused.
    func idempotentReplay(
        of idempotency: IdempotencyClaim?, by creator: OperatorIdentity, db: any StatementRunner
    ) throws -> Session? {
        guard let idempotency,
            let earlier = try IdempotencyRecord.loadFirst(
                db, "WHERE operatorId = ? AND key = ?", [.text(creator.id.rawValue), .text(idempotency.key)])
        else { return nil }
        guard keyring.constantTimeEqual(Array(earlier.requestDigest), idempotency.requestDigest) else {
            throw EnrollmentError.idempotencyMismatch
        }
        return try parse(try Self.session(id: earlier.sessionId, db: db), "idempotent session")
    }

    /// The body of one local create, inside the caller's transaction (a single create's, or one row of a
    /// batch): the shared rows, then the pass minted here.
    func createSessionRow(
        _ request: NewSession, by creator: OperatorIdentity, db: any StatementRunner
    ) throws -> CreateOutcome {
        let new = try insertNewSession(request, by: creator, db: db)
        var code: PassCode?
        var pass: PassRecord?
        if !new.needsApproval {
            try checkCaps(
                new.settings.caps, issuer: creator.id, site: new.site, privileged: new.isPrivileged, now: new.now,
                db: db)
            (code, pass) = try mintPass(
                plan: new.plan, session: new.record, issuer: creator.id.rawValue, now: new.now, db: db)
            // A fresh pass starts with a clean slate of failed attempts for its user.
            try RedeemFailureRecord.remove(db, new.record.userPrincipalName)
        }
        // Built from the rows just written rather than read back: the writer is what every request waits for.
        let stored = try new.record.domain(device: new.device, pass: pass)
        guard let code else { return .awaitingApproval(stored) }
        return .created(IssuedPass(session: stored, pass: code))
    }

    /// The part of creating a session both authorities share: every check, the device, the session row and
    /// its `session.created` event. `limits` are an outside authority's bounds on the pass (Entra's policy).
    func insertNewSession(
        _ request: NewSession, by creator: OperatorIdentity, limits: AuthorityPassLimits? = nil,
        db: any StatementRunner
    ) throws -> NewSessionRows {
        let now = world.currentSecond()
        let site = try resolveSite(request.site, for: creator)
        let policy = try loadPolicy(db)
        let settings = policy.effectiveSettings(site: site, scenario: request.scenario)
        let user = request.userPrincipalName
        try Self.checkMayIssue(creator, for: user, policy: policy)
        switch (request.scenario, request.device) {
        case (.deviceEnrollment, nil):
            throw EnrollmentError.invalidRequest(field: "device", reason: "is required for deviceEnrollment")
        case (.fido2Registration, .some):
            throw EnrollmentError.invalidRequest(field: "device", reason: "is not allowed for fido2Registration")
        default: break
        }
        if let problem = Proofing.check(
            request.proofing, required: settings.proofingRequired, accepted: settings.acceptedProofingMethods)
        {
            throw EnrollmentError.proofing(problem)
        }
        try checkIssuanceLock(user, site: site, now: now, db: db)
        let plan = try Self.planOrThrow(policy.plan(request.pass, site: site, scenario: request.scenario, now: now))
        if let violation = limits?.violation(of: plan) { throw EnrollmentError.policy(violation) }
        let isPrivileged = policy.privilegedSubjects.contains { $0.matches(user) }
        // Privileged subjects always need a second operator; policy may ask it for everyone.
        let needsApproval = settings.approvalRequired || isPrivileged
        let device = try request.device.map { try upsertDevice($0, site: site, movedBy: creator, now: now, db: db) }

        let sessionID: SessionID = world.newID()
        let approval =
            needsApproval
            ? Approval(deadline: now.addingTimeInterval(TimeInterval(settings.approvalTimeoutInMinutes * 60))) : nil
        let initialState: SessionState = needsApproval ? .awaitingApproval : (plan.startsAt > now ? .pending : .active)
        let session = SessionRecord(
            id: sessionID.rawValue, scenario: request.scenario.rawValue, state: initialState.rawValue, site: site.value,
            userPrincipalName: user.value, deviceId: device?.id, createdBy: creator.id.rawValue,
            reason: request.reason, proofing: request.proofing.map(encodeJSON), createdAt: now, updatedAt: now,
            completionDeadline: plan.plannedCompletionDeadline, firstUsedAt: nil, closedAt: nil,
            passRequest: needsApproval ? encodeJSON(request.pass) : nil, approval: approval.map(encodeJSON),
            approvalDeadline: approval?.deadline, privilegedSubject: isPrivileged)
        try session.insertRow(db)
        try appendAudit(
            db, .sessionCreated, session: session.id, actor: creator.id.rawValue,
            data: [
                "scenario": .string(session.scenario), "site": .string(site.value),
                "userPrincipalName": .string(session.userPrincipalName),
                "serialNumber": device.map { .string($0.serialNumber) } ?? .null,
                "proofingMethod": request.proofing.map { .string($0.method.rawValue) } ?? .null,
                "approvalRequired": .bool(needsApproval), "privilegedSubject": .bool(isPrivileged),
            ])
        return NewSessionRows(
            record: session, device: device, plan: plan, settings: settings, site: site, isPrivileged: isPrivileged,
            needsApproval: needsApproval, now: now)
    }

    /// Every pass minted (create, collection, reissue) passes the same subject rules: the token's allowed
    /// subjects, and no privileged subject for kiosk and bench tokens.
    static func checkMayIssue(_ actor: OperatorIdentity, for user: UserPrincipalName, policy: Policy) throws {
        switch actor.mayIssue(for: user, privileged: policy.privilegedSubjects) {
        case .allowed: return
        case .outsideAllowedSubjects:
            throw EnrollmentError.subjectNotAllowed("this token may not issue passes for \(user)")
        case .privilegedSubject:
            throw EnrollmentError.subjectNotAllowed(
                "\(user) is a privileged user; a \(actor.role.rawValue) token may not issue for them")
        }
    }

    func resolveSite(_ requested: SiteName?, for creator: OperatorIdentity) throws -> SiteName {
        if let own = creator.site {
            if let requested, requested != own {
                throw EnrollmentError.forbidden("a token of site \(own) cannot act for site \(requested)")
            }
            return own
        }
        return requested ?? .defaultSite
    }

    static func planOrThrow(_ result: Result<PassPlan, PassRequestError>) throws -> PassPlan {
        switch result {
        case .success(let plan): return plan
        case .failure(.invalid(let field, let reason)):
            throw EnrollmentError.invalidRequest(field: field, reason: reason)
        case .failure(.policy(let violation)): throw EnrollmentError.policy(violation)
        }
    }

    /// The device of a new session, made or found. A device belongs to one site at a time: only an operator of
    /// every site moves it to another (by creating its session there). A site's operator is refused in the
    /// same words whatever the device's state elsewhere, so that one site learns nothing of another's devices
    /// and cannot block them with an open session.
    private func upsertDevice(
        _ description: DeviceDescription, site: SiteName, movedBy creator: OperatorIdentity, now: Date,
        db: any StatementRunner
    ) throws -> DeviceRecord {
        if var existing = try DeviceRecord.loadFirst(
            db, "WHERE serialNumber = ? AND platform = ?",
            [.text(description.serialNumber.value), .text(description.platform.rawValue)])
        {
            if existing.site != site.value, creator.site != nil {
                throw EnrollmentError.conflict(
                    "device \(description.serialNumber) belongs to another site; "
                        + "an operator of every site moves it by creating its session here")
            }
            let open =
                try db.queryFirst(
                    "SELECT COUNT(*) FROM session WHERE deviceId = ? AND state NOT IN ('completed','cancelled','rejected','abandoned')",
                    [.text(existing.id)]
                ) { try $0.integer(0) } ?? 0
            // Two open sessions for one device would race each other to complete it.
            guard open == 0 else {
                throw EnrollmentError.conflict(
                    "device \(description.serialNumber) already has an open session; cancel it first")
            }
            let original = existing
            existing.model = description.model ?? existing.model
            existing.assetTag = description.assetTag ?? existing.assetTag
            existing.site = site.value
            existing.enrollmentState = EnrollmentState.pending.rawValue
            try existing.updateRow(db, from: original)
            return existing
        }
        let device = DeviceRecord(
            id: (world.newID() as DeviceID).rawValue, serialNumber: description.serialNumber.value,
            platform: description.platform.rawValue, model: description.model, assetTag: description.assetTag,
            site: site.value, enrollmentState: EnrollmentState.pending.rawValue, mdmDeviceId: nil, lastSeenAt: nil,
            createdAt: now)
        try device.insertRow(db)
        return device
    }

    /// Mints a pass for `session` under `plan`, stores only its digest, and returns the value.
    @discardableResult
    func mintPass(
        plan: PassPlan, session: SessionRecord, issuer: String, now: Date, db: any StatementRunner
    ) throws -> (PassCode, PassRecord) {
        let user = try parse(UserPrincipalName(session.userPrincipalName), "session.userPrincipalName")
        let code = PassCode.generate(length: plan.length, randomBytes: world.randomBytes)
        guard let digest = keyring.passDigest(PresentedPass(code), for: user) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        let pass = PassRecord(
            id: (world.newID() as PassID).rawValue, sessionId: session.id, digest: Data(digest),
            createdAt: now, startsAt: plan.startsAt, expiresAt: plan.expiresAt, maxUses: plan.maxUses, uses: 0,
            revokedAt: nil, lockedAt: nil, keyVersion: keyring.currentVersion, issuedBy: issuer)
        try pass.insertRow(db)
        // The user and site ride along so that a webhook can tell the user a pass was issued in their name.
        try appendAudit(
            db, .passIssued, session: session.id, actor: issuer,
            data: [
                "passId": .string(pass.id), "userPrincipalName": .string(session.userPrincipalName),
                "site": .string(session.site), "maxUses": .number(Double(plan.maxUses)),
                "lifetimeInMinutes": .number(Double(plan.lifetimeInMinutes)),
                "startDateTime": auditTime(plan.startsAt),
            ])
        return (code, pass)
    }

    // MARK: Read

    /// One session as `viewer` may see it; `nil` when it does not exist or belongs to another site.
    public func session(_ id: SessionID, visibleTo viewer: OperatorIdentity?) async throws -> Session? {
        try await engine.read { db in
            guard let session = try Self.session(id: id.rawValue, db: db) else { return nil }
            if let viewer, !viewer.canSee(site: session.site) { return nil }
            return session
        }
    }

    /// A page of sessions, newest first. The state filter matches the state at this moment, not the stored one.
    public func sessions(
        matching filter: SessionFilter, visibleTo viewer: OperatorIdentity, after cursor: SessionID?, limit: Int
    ) async throws -> Page<Session> {
        let now = world.now()
        var conditions: [String] = []
        var arguments: [DirectValue] = []
        if let site = viewer.site { conditions.append("session.site = ?"); arguments.append(.text(site.value)) }
        if let site = filter.site { conditions.append("session.site = ?"); arguments.append(.text(site.value)) }
        if let scenario = filter.scenario {
            conditions.append("session.scenario = ?"); arguments.append(.text(scenario.rawValue))
        }
        if let user = filter.userPrincipalName {
            conditions.append("session.userPrincipalName = ?"); arguments.append(.text(user.value))
        }
        if let serial = filter.serialNumber {
            conditions.append("session.deviceId IN (SELECT id FROM device WHERE serialNumber = ?)")
            arguments.append(.text(serial.value))
        }
        if let cursor { conditions.append("session.id < ?"); arguments.append(.text(cursor.rawValue)) }
        // A state filter is one branch per stored state it can come from, each read in id order from an
        // index with the stored state first; SQLite merges the branches and stops at the limit. As one
        // condition with OR, SQLite collected every matching session and sorted them: 0.4 s a page with
        // 25,000 active sessions.
        let branches = filter.state.map { Self.effectiveStateBranches($0, now: now) } ?? [("", [])]
        var statementArguments: [DirectValue] = []
        let selects = branches.map { branch, branchTimes in
            let all = conditions + (branch.isEmpty ? [] : [branch])
            statementArguments += arguments + branchTimes.map(\.directValue)
            return """
                SELECT \(Self.sessionColumns) FROM session
                LEFT JOIN pass ON pass.sessionId = session.id AND pass.revokedAt IS NULL
                \(all.isEmpty ? "" : "WHERE " + all.joined(separator: " AND "))
                """
        }
        statementArguments.append(.integer(Int64(limit + 1)))
        let sql = selects.joined(separator: "\nUNION ALL\n") + "\nORDER BY id DESC LIMIT ?"
        return try await engine.read { [statementArguments] db in
            // Read by position (see `queryDirect`): naming each column of each row was a tenth of a page.
            var records: [SessionRecord] = []
            try db.queryVarying(sql, statementArguments) { row in
                records.append(try SessionRecord(direct: row, startingAt: 0))
            }
            let (page, next) = pageOf(records, limit: limit, id: \.id)
            return Page(items: try Self.sessions(page, db: db), nextCursor: next)
        }
    }

    /// The session's columns in the order ``SessionRecord/init(direct:startingAt:)`` reads them. Each is
    /// named as itself, so that the page's `ORDER BY id` means the session's id beside the joined pass's.
    static let sessionColumns = SessionRecord.columnNames.map { "session.\($0) AS \($0)" }.joined(separator: ", ")

    /// SQL for "the session's state at `now` is `state`", with the live pass joined as `pass`: one condition
    /// per stored state it can come from, each naming that state, so that each can be read from an index.
    static func effectiveStateBranches(_ state: SessionState, now: Date) -> [(String, [Date])] {
        switch state {
        case .pending:
            return [("session.state = 'pending' AND pass.startsAt > ?", [now])]
        case .active:
            return [
                ("session.state = 'active' AND pass.expiresAt > ?", [now]),
                ("session.state = 'pending' AND pass.startsAt <= ? AND pass.expiresAt > ?", [now, now]),
            ]
        case .expired:
            return [
                ("session.state = 'expired'", []),
                ("session.state = 'active' AND pass.expiresAt <= ?", [now]),
                ("session.state = 'pending' AND pass.expiresAt <= ?", [now]),
            ]
        case .inProgress:
            return [("session.state = 'inProgress' AND session.completionDeadline > ?", [now])]
        case .abandoned:
            return [
                ("session.state = 'abandoned'", []),
                ("session.state = 'inProgress' AND session.completionDeadline <= ?", [now]),
            ]
        case .awaitingApproval:
            return [("session.state = 'awaitingApproval' AND session.approvalDeadline > ?", [now])]
        case .rejected:
            return [
                ("session.state = 'rejected'", []),
                ("session.state = 'awaitingApproval' AND session.approvalDeadline <= ?", [now]),
            ]
        default:
            return [("session.state = '\(state.rawValue)'", [])]
        }
    }
}

/// The rows and decisions of a new session, before any pass.
struct NewSessionRows {
    var record: SessionRecord
    var device: DeviceRecord?
    var plan: PassPlan
    var settings: EffectiveSettings
    var site: SiteName
    var isPrivileged: Bool
    var needsApproval: Bool
    var now: Date
}
