import Foundation
import TapCore

extension EnrollmentStore {
    func loadPolicy(_ db: any StatementRunner) throws -> Policy {
        // Every create and redeem asks, on the writer, and the policy changes rarely: the stored document is
        // compared in place with the one last decoded, and only a different one is read out and decoded.
        // It is still read each time, since the CLI may have changed it from another process.
        let cached = policyCache.withLock { $0 }
        var policy: Policy?
        try db.query("SELECT document FROM policy WHERE id = 1", []) { row in
            if let cached, row.text(0, equals: cached.document) {
                policy = cached.policy
                return
            }
            let document = try row.text(0)
            let decoded = try decodeJSON(Policy.self, document, what: "policy.document")
            policyCache.withLock { $0 = (document, decoded) }
            policy = decoded
        }
        return policy ?? .standard
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
