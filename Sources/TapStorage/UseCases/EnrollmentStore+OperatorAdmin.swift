import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Gives a person another role or site. Their console sessions end at once (they sign in again as what they
    /// are now) and their token, if any, answers with the new role from the next request.
    ///
    /// Refused: a machine (its role is what its token was made for: make a new one), yourself, a person whose
    /// role comes from the organisation's sign-in (the claim mapping decides it), a person of another site or a
    /// site other than its own for a site-scoped admin, and taking away the last admin or the last global admin.
    public func changeOperatorRole(
        _ id: OperatorID, to role: Role, site: SiteName?, by actor: OperatorIdentity
    ) async throws -> Operator {
        guard id != actor.id else { throw EnrollmentError.conflict("you cannot change your own role") }
        guard role.isPerson else {
            throw EnrollmentError.invalidRequest(
                field: "role", reason: "must be admin, helpdesk or auditor (a person's)")
        }
        if let own = actor.site, site != own {
            throw EnrollmentError.forbidden("an admin of site \(own) can only give roles at that site")
        }
        let changed = try await perform { db in
            let now = world.currentSecond()
            guard var record = try OperatorRecord.load(db, id.rawValue), record.revokedAt == nil,
                actor.site == nil || record.site == actor.site?.value
            else { throw EnrollmentError.notFound("operator") }
            guard record.userPrincipalName != nil, Role(rawValue: record.role)?.isPerson == true else {
                throw EnrollmentError.conflict("a machine's role is what its token was made for; make a new token")
            }
            if try db.queryFirst("SELECT 1 FROM consoleIdentity WHERE operatorId = ?", bind(id.rawValue), { _ in true })
                == true
            {
                throw EnrollmentError.conflict(
                    "this person's role comes from your organisation's sign-in (its claim mapping); change it there")
            }
            let wasGlobalAdmin = record.role == Role.admin.rawValue && record.site == nil
            if record.role == Role.admin.rawValue, role != .admin, try activeAdmins(db, now: now, global: false) <= 1 {
                throw EnrollmentError.conflict("this is the last admin; make another admin first")
            }
            if wasGlobalAdmin, role != .admin || site != nil, try activeAdmins(db, now: now, global: true) <= 1 {
                throw EnrollmentError.conflict(
                    "this is the last global admin (the only one who may change the policy); make another first")
            }
            let before = (role: record.role, site: record.site)
            record.role = role.rawValue
            record.site = site?.value
            try record.updateRow(db)
            try db.run(
                "UPDATE consoleSession SET endedAt = ? WHERE operatorId = ? AND endedAt IS NULL", bind(now, id.rawValue)
            )
            try appendAudit(
                db, .operatorRoleChanged, session: nil, actor: actor.id.rawValue,
                data: [
                    "operatorId": .string(record.id), "role": .string(role.rawValue),
                    "site": site.map { .string($0.value) } ?? .null, "previousRole": .string(before.role),
                    "previousSite": before.site.map { .string($0) } ?? .null,
                ])
            return try record.domain()
        }
        operatorTokens.invalidate()
        return changed
    }

    private func activeAdmins(_ db: any StatementRunner, now: Date, global: Bool) throws -> Int {
        try db.queryFirst(
            """
            SELECT COUNT(*) FROM operator WHERE role = 'admin' AND revokedAt IS NULL
            AND (expiresAt IS NULL OR expiresAt > ?) \(global ? "AND site IS NULL" : "")
            """,
            bind(now)
        ) { try $0.integer(0) } ?? 0
    }

    /// Remembers when and from where each operator last used their token or console session (the newest of
    /// what is known and what is given), so that an admin sees which tokens are still in use.
    public func recordOperatorUses(_ uses: [OperatorUse]) async throws {
        guard !uses.isEmpty else { return }
        try await engine.writeBulk { db in
            for use in uses {
                try db.run(
                    """
                    INSERT INTO operatorUse (operatorId, lastUsedAt, lastUsedFrom) VALUES (?, ?, ?)
                    ON CONFLICT (operatorId) DO UPDATE SET lastUsedAt = excluded.lastUsedAt,
                        lastUsedFrom = excluded.lastUsedFrom
                    WHERE excluded.lastUsedAt >= operatorUse.lastUsedAt
                    """,
                    [.text(use.operatorID.rawValue), .date(use.at), .text(String(use.from.prefix(64)))])
            }
        }
    }

    /// The last use of every operator that was ever used.
    public func operatorUses() async throws -> [OperatorID: OperatorUse] {
        try await engine.read { db in
            var uses: [OperatorID: OperatorUse] = [:]
            try db.query("SELECT operatorId, lastUsedAt, lastUsedFrom FROM operatorUse", []) { row in
                guard let id = OperatorID(try row.text(0)) else { return }
                uses[id] = OperatorUse(operatorID: id, at: try row.date(1), from: try row.text(2))
            }
            return uses
        }
    }
}
