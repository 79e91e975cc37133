import Foundation
import GRDB
import TapCore

/// Entra mode's use cases. Each is one transaction and none calls Graph: the Entra pass authority calls
/// Graph between them, with an intent written before each create and a pending revocation after each close.
extension EnrollmentStore: EntraLedger {
    public func beginEntraSession(
        _ request: NewSession, by creator: OperatorIdentity, idempotency: IdempotencyClaim?, limits: AuthorityPassLimits
    ) async throws -> EntraBeginOutcome {
        try await perform { db in
            if let earlier = try idempotentReplay(of: idempotency, by: creator, db: db) { return .replayed(earlier) }
            return try beginEntraRow(request, by: creator, limits: limits, db: db)
        }
    }

    /// One create's checks and rows: the session, then (unless it waits for approval) its intent.
    func beginEntraRow(
        _ request: NewSession, by creator: OperatorIdentity, limits: AuthorityPassLimits, db: any StatementRunner
    ) throws -> EntraBeginOutcome {
        let new = try insertNewSession(request, by: creator, limits: limits, db: db)
        if new.needsApproval {
            return .awaitingApproval(try new.record.domain(device: new.device, pass: nil))
        }
        try checkCaps(
            new.settings.caps, issuer: creator.id, site: new.site, privileged: new.isPrivileged, now: new.now, db: db)
        return .provision(
            try insertProvisioningIntent(for: new.record, plan: new.plan, issuer: creator.id, now: new.now, db: db))
    }

    public func beginEntraReissue(
        _ id: SessionID, request: PassRequest, by actor: OperatorIdentity, limits: AuthorityPassLimits
    ) async throws -> ProvisioningIntent {
        try await perform { db in
            let now = world.currentSecond()
            let (loaded, plan) = try prepareReissue(id, request: request, by: actor, limits: limits, now: now, db: db)
            return try insertProvisioningIntent(for: loaded.record, plan: plan, issuer: actor.id, now: now, db: db)
        }
    }

    /// The pass row and the intent written before Graph is asked for a TAP. The pass row carries the terms
    /// (state, expiry, the sweeper); its digest is empty because the value is Entra's and is stored nowhere,
    /// not even as a MAC.
    func insertProvisioningIntent(
        for session: SessionRecord, plan: PassPlan, issuer: OperatorID, now: Date, db: any StatementRunner
    ) throws -> ProvisioningIntent {
        let pass = PassRecord(
            id: (world.newID() as PassID).rawValue, sessionId: session.id, digest: Data(), createdAt: now,
            startsAt: plan.startsAt, expiresAt: plan.expiresAt, maxUses: plan.maxUses, uses: 0, revokedAt: nil,
            lockedAt: nil, keyVersion: keyring.currentVersion, issuedBy: issuer.rawValue)
        try pass.insertRow(db)
        let intent = EntraPassRecord(
            passId: pass.id, sessionId: session.id, userPrincipalName: session.userPrincipalName, methodId: nil,
            provisioning: EntraPassStatus.Provisioning.provisioning.rawValue, revocation: nil,
            isUsableOnce: plan.maxUses == 1, startsLater: plan.startsAt > now, createdAt: now, revocationAttempts: 0,
            revocationRetryAt: nil, revocationConfirmedAt: nil, lastError: nil)
        try intent.insertRow(db)
        return try Self.intent(intent, pass: pass)
    }

    public func finishProvisioning(
        _ intent: ProvisioningIntent, method: ProvisionedMethod, idempotency: IdempotencyClaim?
    ) async throws -> Session {
        try await perform { db in
            guard var entra = try EntraPassRecord.load(db, intent.passID.rawValue),
                var pass = try PassRecord.load(db, intent.passID.rawValue)
            else { throw StorageError.corruptRow("entraPass \(intent.passID)") }
            let now = world.currentSecond()
            entra.methodId = method.methodID
            entra.provisioning = EntraPassStatus.Provisioning.issued.rawValue
            entra.isUsableOnce = method.isUsableOnce
            // The session was closed while Graph worked (an operator cancelled it): the new pass dies at once.
            if pass.revokedAt != nil { entra.revocation = EntraPassStatus.Revocation.pending.rawValue }
            try entra.updateRow(db)
            if pass.revokedAt == nil {
                pass.startsAt = Date(timeIntervalSince1970: method.startsAt.timeIntervalSince1970.rounded(.down))
                pass.expiresAt = pass.startsAt.addingTimeInterval(TimeInterval(method.lifetimeInMinutes * 60))
                try pass.updateRow(db)
            }
            try appendAudit(
                db, .passIssued, session: intent.sessionID.rawValue, actor: pass.issuedBy ?? "system",
                data: [
                    "passId": .string(pass.id), "authority": "entra",
                    "userPrincipalName": .string(entra.userPrincipalName),
                    "entraMethodId": .string(method.methodID), "isUsableOnce": .bool(method.isUsableOnce),
                    "usesCounted": .bool(false), "maxUses": .number(Double(pass.maxUses)),
                    "lifetimeInMinutes": .number(Double(method.lifetimeInMinutes)),
                    "startDateTime": auditTime(pass.startsAt),
                    "replacedEntraMethodIds": .array(method.replacedMethodIDs.map(JSONValue.string)),
                ])
            if let idempotency, let issuer = pass.issuedBy, pass.revokedAt == nil {
                try IdempotencyRecord(
                    operatorId: issuer, key: idempotency.key, requestDigest: Data(idempotency.requestDigest),
                    sessionId: intent.sessionID.rawValue, createdAt: now
                ).insertRow(db)
            }
            return try parse(try Self.session(id: intent.sessionID.rawValue, db: db), "session")
        }
    }

    public func failProvisioning(_ intent: ProvisioningIntent, reason: String, outcomeKnown: Bool) async throws {
        try await perform { db in
            guard var entra = try EntraPassRecord.load(db, intent.passID.rawValue) else { return }
            if outcomeKnown { entra.provisioning = EntraPassStatus.Provisioning.failed.rawValue }
            entra.lastError = reason
            try entra.updateRow(db)
            try cancelIfOpen(intent.sessionID.rawValue, reason: "entra: \(reason)", db: db)
        }
    }

    public func unresolvedProvisioningIntents() async throws -> [ProvisioningIntent] {
        try await engine.read { db in
            let rows = try EntraPassRecord.loadAll(db, "WHERE provisioning = 'provisioning' ORDER BY createdAt")
            return try rows.map { row in
                try Self.intent(row, pass: try parse(try PassRecord.load(db, row.passId), "pass \(row.passId)"))
            }
        }
    }

    public func resolveProvisioningIntent(_ intent: ProvisioningIntent, deletedMethodIDs: [String]) async throws {
        try await perform { db in
            guard var entra = try EntraPassRecord.load(db, intent.passID.rawValue), entra.provisioning == "provisioning"
            else { return }
            entra.provisioning = EntraPassStatus.Provisioning.failed.rawValue
            entra.lastError =
                "reconciled after an interrupted create; deleted \(deletedMethodIDs.count) pass(es) in Entra"
            try entra.updateRow(db)
            try cancelIfOpen(
                intent.sessionID.rawValue, reason: "entra: the pass's creation was interrupted; nobody saw its value",
                extra: ["deletedEntraMethodIds": .array(deletedMethodIDs.map(JSONValue.string))], db: db)
        }
    }

    public func trackedEntraMethodIDs() async throws -> Set<String> {
        try await engine.read { db in
            Set(
                try db.queryAll(
                    "SELECT methodId FROM entraPass WHERE methodId IS NOT NULL AND (revocation IS NULL OR revocation = 'pending')"
                ) { try $0.text(0) })
        }
    }

    public func supersedeEntraPass(methodID: String, by actor: OperatorIdentity) async throws -> PendingRevocation? {
        try await perform { db in
            guard
                let entra = try EntraPassRecord.loadFirst(db, "WHERE methodId = ?", bind(methodID))
            else { return nil }
            if entra.revocation == nil {
                try cancelIfOpen(
                    entra.sessionId, reason: "replaced: a new session for this user replaced its Temporary Access Pass",
                    actor: actor.id.rawValue, db: db)
            }
            guard let row = try EntraPassRecord.load(db, entra.passId), row.revocation == "pending" else { return nil }
            return try Self.pendingRevocation(row)
        }
    }

    public func pendingRevocations(session: SessionID?) async throws -> [PendingRevocation] {
        try await engine.read { db in
            let rows: [EntraPassRecord]
            if let session {
                rows = try EntraPassRecord.loadAll(
                    db, "WHERE revocation = 'pending' AND sessionId = ?", bind(session.rawValue))
            } else {
                rows = try EntraPassRecord.loadAll(db, "WHERE revocation = 'pending' ORDER BY createdAt")
            }
            return try rows.map(Self.pendingRevocation)
        }
    }

    public func confirmRevocation(_ revocation: PendingRevocation, outcome: String) async throws {
        try await perform { db in
            guard var row = try EntraPassRecord.load(db, revocation.passID.rawValue), row.revocation == "pending" else {
                return
            }
            row.revocation = EntraPassStatus.Revocation.confirmed.rawValue
            row.revocationConfirmedAt = world.currentSecond()
            row.revocationAttempts += 1
            row.revocationRetryAt = nil
            try row.updateRow(db)
            try appendAudit(
                db, .passRevocationConfirmed, session: row.sessionId, actor: "system",
                data: [
                    "passId": .string(row.passId), "entraMethodId": .string(row.methodId ?? ""),
                    "outcome": .string(outcome),
                    "attempts": .number(Double(row.revocationAttempts)),
                ])
        }
    }

    public func noteRevocationFailure(_ revocation: PendingRevocation, reason: String, retryAt: Date) async throws {
        try await perform { db in
            guard var row = try EntraPassRecord.load(db, revocation.passID.rawValue), row.revocation == "pending" else {
                return
            }
            row.revocationAttempts += 1
            row.revocationRetryAt = retryAt
            row.lastError = reason
            try row.updateRow(db)
        }
    }

    public func watchedEntraSessions() async throws -> [WatchedEntraSession] {
        try await engine.read { db in
            try db.queryAll(
                """
                SELECT session.id, session.scenario, session.userPrincipalName, session.createdAt, session.state,
                       device.serialNumber, entraPass.methodId, entraPass.isUsableOnce
                FROM entraPass
                JOIN session ON session.id = entraPass.sessionId
                JOIN pass ON pass.id = entraPass.passId AND pass.revokedAt IS NULL
                LEFT JOIN device ON device.id = session.deviceId
                WHERE entraPass.provisioning = 'issued' AND entraPass.revocation IS NULL
                  AND session.state IN ('pending','active','inProgress')
                ORDER BY session.createdAt
                """
            ) { row in
                WatchedEntraSession(
                    sessionID: try parse(SessionID(try row.text(0)), "session.id"),
                    scenario: try parse(Scenario(rawValue: try row.text(1)), "session.scenario"),
                    userPrincipalName: try parse(UserPrincipalName(try row.text(2)), "session.userPrincipalName"),
                    serialNumber: try row.optionalText(5).flatMap(SerialNumber.init),
                    createdAt: try row.date(3), methodID: try row.text(6), isUsableOnce: try row.bool(7),
                    storedState: try parse(SessionState(rawValue: try row.text(4)), "session.state"))
            }
        }
    }

    public func recordEntraPassUsed(_ session: SessionID) async throws {
        try await perform { db in
            guard let record = try SessionRecord.load(db, session.rawValue) else { return }
            var loaded = LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
            let now = world.currentSecond()
            try settle(&loaded, now: now, db: db)
            guard try loaded.record.sessionState == .active, var pass = loaded.pass else { return }
            pass.uses = min(pass.maxUses, pass.uses + 1)
            try pass.updateRow(db)
            let settings = try loaded.record.settings(in: try loadPolicy(db))
            loaded.record.firstUsedAt = now
            loaded.record.completionDeadline = now.addingTimeInterval(
                TimeInterval(settings.completionDeadlineInMinutes * 60))
            if let deviceID = loaded.record.deviceId {
                try db.run(
                    "UPDATE device SET enrollmentState = 'enrolling', lastSeenAt = ? WHERE id = ?", bind(now, deviceID))
            }
            try apply(.passUsed, to: &loaded.record, action: "entra pass used", now: now)
            try loaded.saveRecord(db)
            try appendAudit(
                db, .passUsed, session: record.id, actor: "entra",
                data: ["passId": .string(pass.id), "methodUsabilityReason": "OneTimeUsed"])
        }
    }

    public func completeFromEntra(_ session: SessionID, evidence: CompletionEvidence) async throws -> Session? {
        try await perform { db in
            guard let record = try SessionRecord.load(db, session.rawValue) else { return nil }
            var loaded = LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
            let now = world.currentSecond()
            try settle(&loaded, now: now, db: db)
            let state = try loaded.record.sessionState
            guard state == .active || state == .inProgress else { return nil }
            try apply(.complete, to: &loaded.record, action: "entra completion", now: now)
            switch evidence {
            case .deviceEnrolled(let managedDeviceID, let facts):
                if let deviceID = loaded.record.deviceId, var device = try DeviceRecord.load(db, deviceID) {
                    device.enrollmentState = EnrollmentState.enrolled.rawValue
                    device.mdmDeviceId = managedDeviceID
                    device.lastSeenAt = now
                    try device.updateRow(db)
                    var data = facts.mapValues(JSONValue.string)
                    data["serialNumber"] = .string(device.serialNumber)
                    data["mdmDeviceId"] = .string(managedDeviceID)
                    data["source"] = "intune"
                    try appendAudit(db, .deviceEnrolled, session: record.id, actor: "entra", data: data)
                }
            case .keyRegistered(let methodID, let facts):
                var data = facts.mapValues(JSONValue.string)
                data["entraMethodId"] = .string(methodID)
                data["source"] = "entra"
                try appendAudit(db, .keyRegistered, session: record.id, actor: "entra", data: data)
            }
            try close(&loaded, event: .sessionCompleted, actor: "entra", now: now, db: db, data: ["by": "entra"])
            return try parse(try Self.session(id: record.id, db: db), "session")
        }
    }

    // MARK: Shared steps

    /// Marks an Entra pass's revocation pending inside the closing transaction; `nil` when Graph never
    /// created it (nothing to delete) or its revocation is already recorded.
    func markEntraRevocationPending(passID: String, db: any StatementRunner) throws -> String? {
        guard var row = try EntraPassRecord.load(db, passID), row.revocation == nil,
            row.provisioning == EntraPassStatus.Provisioning.issued.rawValue
        else { return nil }
        let original = row
        row.revocation = EntraPassStatus.Revocation.pending.rawValue
        try row.updateRow(db, from: original)
        return row.revocation
    }

    private func cancelIfOpen(
        _ sessionID: String, reason: String, actor: String = "system", extra: [String: JSONValue] = [:],
        db: any StatementRunner
    ) throws {
        guard let record = try SessionRecord.load(db, sessionID) else { return }
        var loaded = LoadedSession(record: record, pass: try livePass(of: record.id, db: db))
        let now = world.currentSecond()
        try settle(&loaded, now: now, db: db)
        guard try !loaded.record.sessionState.isTerminal else { return }
        try apply(.cancel, to: &loaded.record, action: "cancel", now: now)
        var data = extra
        data["reason"] = .string(reason)
        try close(&loaded, event: .sessionCancelled, actor: actor, now: now, db: db, data: data)
    }

    static func intent(_ row: EntraPassRecord, pass: PassRecord) throws -> ProvisioningIntent {
        ProvisioningIntent(
            passID: try parse(PassID(row.passId), "entraPass.passId"),
            sessionID: try parse(SessionID(row.sessionId), "entraPass.sessionId"),
            userPrincipalName: try parse(UserPrincipalName(row.userPrincipalName), "entraPass.userPrincipalName"),
            createdAt: row.createdAt, startsAt: pass.startsAt,
            lifetimeInMinutes: Int(pass.expiresAt.timeIntervalSince(pass.startsAt) / 60),
            isUsableOnce: row.isUsableOnce,
            startsLater: row.startsLater)
    }

    static func pendingRevocation(_ row: EntraPassRecord) throws -> PendingRevocation {
        PendingRevocation(
            passID: try parse(PassID(row.passId), "entraPass.passId"),
            sessionID: try parse(SessionID(row.sessionId), "entraPass.sessionId"),
            userPrincipalName: try parse(UserPrincipalName(row.userPrincipalName), "entraPass.userPrincipalName"),
            methodID: try parse(row.methodId, "entraPass.methodId"), attempts: row.revocationAttempts,
            retryAt: row.revocationRetryAt)
    }
}

/// Local mode's authority: the store mints, checks and revokes passes inside its own transactions. A thin
/// forward, so that the benchmarked create path gains nothing but one call.
public struct LocalPassAuthority: PassAuthority {
    let store: any SessionStore

    /// The authority over `store`.
    public init(store: any SessionStore) { self.store = store }

    public var mode: PassAuthorityMode { .local }

    public func createSession(
        _ request: NewSession, by creator: OperatorIdentity, idempotency: IdempotencyClaim?, replaceExisting: Bool
    ) async throws -> CreateOutcome {
        try await store.createSession(request, by: creator, idempotency: idempotency)
    }

    public func createSessions(
        _ rows: [BatchRow], by creator: OperatorIdentity, idempotency: IdempotencyClaim?,
        describe: @escaping @Sendable (any Error) -> BatchRowProblem?
    ) async throws -> BatchOutcome {
        try await store.createSessions(rows, by: creator, idempotency: idempotency, describe: describe)
    }

    public func reissuePass(
        _ id: SessionID, request: PassRequest, by actor: OperatorIdentity
    ) async throws -> ReissuedPass {
        .local(try await store.reissuePass(id, request: request, by: actor))
    }

    public func completeSession(_ id: SessionID, by actor: OperatorIdentity) async throws -> Session {
        try await store.completeSession(id, by: actor)
    }

    public func cancelSession(_ id: SessionID, reason: String?, by actor: OperatorIdentity) async throws -> Session {
        try await store.cancelSession(id, reason: reason, by: actor)
    }

    /// Nothing to do: a local pass died in the transaction that closed its session.
    public func finishRevocations(of sessions: [SessionID]) async {}
}
