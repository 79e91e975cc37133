import Foundation
import TapCore

extension EnrollmentStore {
    func loadPolicy(_ db: any StatementRunner) throws -> Policy {
        var policy = Policy.standard
        try db.query("SELECT document FROM policy WHERE id = 1", []) { row in policy = try self.policy(in: row, at: 0) }
        return policy
    }

    /// The policy document in `row`'s column `index` (NULL: none stored, the standard policy). Every create and
    /// redeem asks, and the policy changes rarely: the stored document is compared in place with the one last
    /// decoded, and only a different one is read out and decoded. It is still read each time, since another
    /// process (an instance, the CLI) may have changed it.
    func policy(in row: any StatementRow, at index: Int) throws -> Policy {
        guard !row.isNull(index) else { return .standard }
        if let cached = policyCache.withLock({ $0 }), row.text(index, equals: cached.document) { return cached.policy }
        let document = try row.text(index)
        let decoded = try decodeJSON(Policy.self, document, what: "policy.document")
        policyCache.withLock { $0 = (document, decoded) }
        return decoded
    }

    /// The policy in force.
    public func policy() async throws -> Policy {
        try await engine.read { db in try loadPolicy(db) }
    }

    /// The policy in force with its version and who changed it last.
    public func versionedPolicy() async throws -> VersionedPolicy {
        try await engine.read { db in try loadVersionedPolicy(db) }
    }

    func loadVersionedPolicy(_ db: any StatementRunner) throws -> VersionedPolicy {
        let policy = try loadPolicy(db)
        let stored = try db.queryFirst("SELECT version, updatedAt, updatedBy FROM policy WHERE id = 1") { row in
            (try row.integer(0), try row.date(1), try row.optionalText(2))
        }
        return VersionedPolicy(
            policy: policy, version: stored?.0 ?? 0, updatedAt: stored?.1,
            updatedBy: stored?.2.flatMap { OperatorID($0) })
    }

    /// Applies a JSON merge patch (RFC 7396) to the policy, checks the result, stores it and audits the
    /// change. Unknown keys and values outside the bounds are refused; nothing is stored then. With
    /// `expectedVersion`, a policy saved by someone else since that version is refused as stale.
    public func patchPolicy(
        _ patch: JSONValue, by actor: OperatorIdentity, expectedVersion: Int?
    ) async throws -> VersionedPolicy {
        return try await perform { db in
            let current = try loadVersionedPolicy(db)
            // An invalid patch is named as such first: it would be refused against any version.
            let updated = try current.policy.applying(mergePatch: patch)
            if let expectedVersion, expectedVersion != current.version {
                throw EnrollmentError.policyChanged(currentVersion: current.version)
            }
            let saved = VersionedPolicy(
                policy: updated, version: current.version + 1, updatedAt: world.now(), updatedBy: actor.id)
            try db.run(
                """
                INSERT INTO policy (id, document, updatedAt, updatedBy, version) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET document = excluded.document, updatedAt = excluded.updatedAt,
                    updatedBy = excluded.updatedBy, version = excluded.version
                """,
                [
                    .text(encodeJSON(updated)), .date(world.now()), .text(actor.id.rawValue),
                    .integer(Int64(saved.version)),
                ])
            try appendAudit(
                db, .policyChanged, session: nil, actor: actor.id.rawValue,
                data: ["patch": patch, "version": .number(Double(saved.version))])
            return saved
        }
    }
}
