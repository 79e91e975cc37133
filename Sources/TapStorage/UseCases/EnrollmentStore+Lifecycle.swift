import Foundation
import GRDB
import TapCore

/// A session row with its live pass, loaded for a change.
struct LoadedSession {
    var record: SessionRecord
    var pass: PassRecord?
    /// The rows as last read or written, so that saving writes only the columns that changed.
    private var storedRecord: SessionRecord
    private var storedPass: PassRecord?

    init(record: SessionRecord, pass: PassRecord?) {
        self.record = record
        self.pass = pass
        storedRecord = record
        storedPass = pass
    }

    /// Writes the session row's changes since it was loaded or last saved.
    mutating func saveRecord(_ db: any StatementRunner) throws {
        try record.updateRow(db, from: storedRecord)
        storedRecord = record
    }

    /// Writes the pass row's changes since it was loaded or last saved.
    mutating func savePass(_ db: any StatementRunner) throws {
        guard let pass else { return }
        try pass.updateRow(db, from: storedPass)
        storedPass = pass
    }
}

extension EnrollmentStore {
    /// Mints a pass for a session: the first pass of an approved request (collected by the operator who asked,
    /// once), or a fresh pass for a session whose pass expired, locked, or must be replaced (the old one dies).
    public func reissuePass(
        _ id: SessionID, request: PassRequest, by actor: OperatorIdentity
    ) async throws -> IssuedPass {
        try await perform { db in
            let now = world.currentSecond()
            let (loaded, plan) = try prepareReissue(id, request: request, by: actor, limits: nil, now: now, db: db)
            let (code, _) = try mintPass(
                plan: plan, session: loaded.record, issuer: actor.id.rawValue, now: now, db: db)
            try RedeemFailureRecord.remove(db, loaded.record.userPrincipalName)
            return IssuedPass(session: try parse(try Self.session(id: id.rawValue, db: db), "session"), pass: code)
        }
    }

    /// What a reissue or a collection does before the new pass exists, for both authorities: every check, the
    /// old pass revoked, the session row given the new plan. `limits` are an outside authority's bounds on the
    /// pass (Entra's policy).
    func prepareReissue(
        _ id: SessionID, request: PassRequest, by actor: OperatorIdentity, limits: AuthorityPassLimits?, now: Date,
        db: any StatementRunner
    ) throws -> (LoadedSession, PassPlan) {
        var loaded = try loadForChange(id, visibleTo: actor, db: db)
        try settle(&loaded, now: now, db: db)
        let session = try Self.sessions([loaded.record], db: db)[0]
        if session.storedState == .awaitingApproval { throw EnrollmentError.approvalRequired }
        let scenario = session.scenario, site = session.site, user = session.userPrincipalName
        let policy = try loadPolicy(db)
        let settings = policy.effectiveSettings(site: site, scenario: scenario)
        try Self.checkMayIssue(actor, for: user, policy: policy)
        try checkIssuanceLock(user, site: site, now: now, db: db)
        let collecting = session.isAwaitingCollection
        let plan: PassPlan
        if collecting {
            // The approved request is minted as it was asked, and only for the operator who is with the user.
            guard actor.id == session.createdBy else { throw EnrollmentError.notTheRequester }
            // The approval vouched for the person at the time of the decision, so it does not wait forever.
            let window = TimeInterval(settings.approvalTimeoutInMinutes * 60)
            if let decidedAt = session.approval?.decidedAt, now >= decidedAt.addingTimeInterval(window) {
                throw EnrollmentError.approvalSpent(.lapsed)
            }
            let asked = try loaded.record.passRequest.map {
                try decodeJSON(PassRequest.self, $0, what: "session.passRequest")
            }
            plan = try Self.planOrThrow(policy.plan(asked ?? PassRequest(), site: site, scenario: scenario, now: now))
        } else {
            // Four-eyes guards every pass of the session, not only the first: whoever reissues (the approver,
            // another issuer, a kiosk) would otherwise mint a fresh pass that nobody approved.
            if session.approval != nil { throw EnrollmentError.approvalSpent(.collected) }
            plan = try Self.planOrThrow(
                policy.plan(request, site: site, scenario: scenario, now: now, allowFutureStart: false))
            try apply(.reissue, to: &loaded.record, action: "reissue", now: now)
            try revokeLivePass(&loaded, reason: "reissued", actor: actor.id.rawValue, now: now, db: db)
        }
        if let violation = limits?.violation(of: plan) { throw EnrollmentError.policy(violation) }
        try checkCaps(
            settings.caps, issuer: actor.id, site: site, privileged: session.isPrivilegedSubject, now: now, db: db)
        loaded.record.completionDeadline = plan.plannedCompletionDeadline
        loaded.record.passRequest = nil
        if collecting, plan.startsAt <= now, loaded.record.state == SessionState.pending.rawValue {
            try apply(.startTimeReached, to: &loaded.record, action: "collect", now: now)
        }
        try loaded.saveRecord(db)
        return (loaded, plan)
    }

    /// Stops a session; its pass and session tokens die in the same transaction.
    public func cancelSession(_ id: SessionID, reason: String?, by actor: OperatorIdentity) async throws -> Session {
        try await perform { db in
            let now = world.currentSecond()
            var loaded = try loadForChange(id, visibleTo: actor, db: db)
            try settle(&loaded, now: now, db: db)
            try apply(.cancel, to: &loaded.record, action: "cancel", now: now)
            try close(
                &loaded, event: .sessionCancelled, actor: actor.id.rawValue, now: now, db: db,
                data: ["reason": reason.map(JSONValue.string) ?? .null])
            return try parse(try Self.session(id: id.rawValue, db: db), "session")
        }
    }

    /// Marks a session completed by hand (the operator saw the enrollment finish); a device is marked enrolled.
    public func completeSession(_ id: SessionID, by actor: OperatorIdentity) async throws -> Session {
        try await perform { db in
            let now = world.currentSecond()
            var loaded = try loadForChange(id, visibleTo: actor, db: db)
            try settle(&loaded, now: now, db: db)
            try apply(.complete, to: &loaded.record, action: "complete", now: now)
            try markDeviceEnrolled(loaded.record, mdmDeviceID: nil, actor: actor.id.rawValue, now: now, db: db)
            try close(
                &loaded, event: .sessionCompleted, actor: actor.id.rawValue, now: now, db: db, data: ["by": "operator"])
            return try parse(try Self.session(id: id.rawValue, db: db), "session")
        }
    }

    /// The device reports that enrollment finished, with the session token its redeem returned. The serial
    /// must be the session's device; the session completes and the pass dies, in one transaction.
    public func checkInDevice(
        session id: SessionID, serialNumber: SerialNumber, mdmDeviceID: String?
    ) async throws -> Session {
        try await perform { db in
            let now = world.currentSecond()
            guard let record = try SessionRecord.load(db, id.rawValue) else {
                throw EnrollmentError.notFound("session")
            }
            var loaded = LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
            try settle(&loaded, now: now, db: db)
            guard loaded.record.scenario == Scenario.deviceEnrollment.rawValue,
                let deviceID = loaded.record.deviceId, let device = try DeviceRecord.load(db, deviceID)
            else {
                throw EnrollmentError.invalidRequest(
                    field: "serialNumber", reason: "cannot be checked in: this session enrolls no device")
            }
            guard device.serialNumber == serialNumber.value else {
                throw EnrollmentError.conflict("serial number \(serialNumber) is not this session's device")
            }
            guard try loaded.record.sessionState == .inProgress else {
                throw EnrollmentError.invalidStateTransition(
                    from: try loaded.record.sessionState, action: "device check-in")
            }
            try apply(.complete, to: &loaded.record, action: "device check-in", now: now)
            try markDeviceEnrolled(loaded.record, mdmDeviceID: mdmDeviceID, actor: "session-token", now: now, db: db)
            try close(
                &loaded, event: .sessionCompleted, actor: "session-token", now: now, db: db, data: ["by": "device"])
            return try parse(try Self.session(id: id.rawValue, db: db), "session")
        }
    }

    /// An MDM-side script (an `mdm` token) reports that the device with this serial number finished
    /// enrolling: the open session of that device in the token's site completes, as a device check-in
    /// would, though the script never saw a pass or session token. Another site's device is not found.
    public func checkInDevice(
        serialNumber: SerialNumber, mdmDeviceID: String?, by actor: OperatorIdentity
    ) async throws -> Session {
        var conditions = SQLConditions()
        conditions.add(
            """
            deviceId IN (SELECT id FROM device WHERE serialNumber = ?)
                AND state NOT IN ('completed','cancelled','rejected','abandoned')
            """, .text(serialNumber.value))
        conditions.match("site", actor.site?.value)
        return try await perform { [conditions] db in
            let now = world.currentSecond()
            let clause = conditions.clause + " ORDER BY id DESC LIMIT 1"
            guard let record = try SessionRecord.loadFirst(db, clause, conditions.values) else {
                throw EnrollmentError.notFound("open session for this serial number")
            }
            var loaded = LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
            try settle(&loaded, now: now, db: db)
            let state = try loaded.record.sessionState
            // A pass the device used (inProgress), or one the MDM flow never showed us being used (active).
            guard state == .inProgress || state == .active else {
                throw EnrollmentError.invalidStateTransition(from: state, action: "device check-in")
            }
            try apply(.complete, to: &loaded.record, action: "device check-in", now: now)
            try markDeviceEnrolled(loaded.record, mdmDeviceID: mdmDeviceID, actor: actor.id.rawValue, now: now, db: db)
            try close(
                &loaded, event: .sessionCompleted, actor: actor.id.rawValue, now: now, db: db, data: ["by": "mdm"])
            return try parse(try Self.session(id: record.id, db: db), "session")
        }
    }

    // MARK: Shared steps

    func loadForChange(
        _ id: SessionID, visibleTo actor: OperatorIdentity, db: any StatementRunner
    ) throws -> LoadedSession {
        guard let record = try SessionRecord.load(db, id.rawValue),
            let site = SiteName(record.site), actor.canSee(site: site)
        else { throw EnrollmentError.notFound("session") }
        return LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
    }

    func livePass(of sessionID: String, db: any StatementRunner) throws -> PassRecord? {
        try PassRecord.loadFirst(db, "WHERE sessionId = ? AND revokedAt IS NULL", [.text(sessionID)])
    }

    func apply(_ event: SessionEvent, to record: inout SessionRecord, action: String, now: Date) throws {
        let from = try record.sessionState
        guard let to = from.applying(event) else {
            throw EnrollmentError.invalidStateTransition(from: from, action: action)
        }
        record.state = to.rawValue
        record.updatedAt = now
    }

    /// Persists what time has done to the session since it was stored, with its audit events.
    func settle(_ loaded: inout LoadedSession, now: Date, db: any StatementRunner) throws {
        let events = SessionTimeline.dueEvents(
            state: try loaded.record.sessionState, pass: loaded.pass?.terms,
            completionDeadline: loaded.record.completionDeadline, approvalDeadline: loaded.record.approvalDeadline,
            now: now)
        guard !events.isEmpty else { return }
        for event in events {
            try apply(event, to: &loaded.record, action: event.description, now: now)
            switch event {
            case .passExpired:
                try appendAudit(db, .passExpired, session: loaded.record.id, actor: "system")
            case .reject:
                try recordDecision(
                    &loaded.record, .rejected, by: nil, proofing: nil, reason: "timeout", now: now, db: db)
            case .deadlinePassed:
                if let deviceID = loaded.record.deviceId {
                    try db.run(
                        "UPDATE device SET enrollmentState = 'failed' WHERE id = ? AND enrollmentState = 'enrolling'",
                        [.text(deviceID)])
                }
                try close(&loaded, event: .sessionAbandoned, actor: "system", now: now, db: db)
            default:
                break
            }
        }
        try loaded.saveRecord(db)
    }

    /// Writes a terminal state: the session event, then the pass revocation and the end of its tokens.
    func close(
        _ loaded: inout LoadedSession, event: AuditEventType, actor: String, now: Date, db: any StatementRunner,
        data: [String: JSONValue] = [:]
    ) throws {
        loaded.record.closedAt = now
        try loaded.saveRecord(db)
        try appendAudit(db, event, session: loaded.record.id, actor: actor, data: data)
        try revokeLivePass(&loaded, reason: event.rawValue, actor: actor, now: now, db: db)
        try db.run(
            "UPDATE sessionToken SET revokedAt = ? WHERE sessionId = ? AND revokedAt IS NULL",
            [.date(now), .text(loaded.record.id)])
        // A key that was still to prove itself when its session ended is not kept (issue 3).
        if loaded.record.scenario == Scenario.fido2Registration.rawValue {
            try deleteUnprovenKeys(of: loaded.record.id, db: db)
        }
    }

    func revokeLivePass(
        _ loaded: inout LoadedSession, reason: String, actor: String, now: Date, db: any StatementRunner
    ) throws {
        guard var pass = loaded.pass else { return }
        pass.revokedAt = now
        loaded.pass = pass
        try loaded.savePass(db)
        loaded.pass = nil
        var data: [String: JSONValue] = ["passId": .string(pass.id), "reason": .string(reason)]
        // An Entra pass (empty digest) dies in Entra only when Graph deletes it: mark that pending here, in the
        // transaction that closes the session, and confirm it once Graph has answered.
        if pass.digest.isEmpty, let revocation = try markEntraRevocationPending(passID: pass.id, db: db) {
            data["revocation"] = .string(revocation)
        }
        try appendAudit(db, .passRevoked, session: loaded.record.id, actor: actor, data: data)
    }

    func markDeviceEnrolled(
        _ session: SessionRecord, mdmDeviceID: String?, actor: String, now: Date, db: any StatementRunner
    ) throws {
        guard let deviceID = session.deviceId, var device = try DeviceRecord.load(db, deviceID) else { return }
        let original = device
        device.enrollmentState = EnrollmentState.enrolled.rawValue
        device.mdmDeviceId = mdmDeviceID ?? device.mdmDeviceId
        device.lastSeenAt = now
        try device.updateRow(db, from: original)
        try appendAudit(
            db, .deviceEnrolled, session: session.id, actor: actor,
            data: [
                "serialNumber": .string(device.serialNumber), "mdmDeviceId": mdmDeviceID.map(JSONValue.string) ?? .null,
            ])
    }
}
