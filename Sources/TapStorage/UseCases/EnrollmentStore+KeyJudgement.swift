import Foundation
import GRDB
import TapCore

/// Registered keys re-judged when FIDO's metadata changes what it says of their models.
extension EnrollmentStore {
    public func rejudgeKeys(models: [String: AuthenticatorModel]) async throws -> [KeyStatusChange] {
        try await write { db in
            let policy = try loadPolicy(db)
            let now = world.currentSecond()
            var profiles: [String: EffectivePasskeyProfile] = [:]
            var changes: [KeyStatusChange] = []
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, aaguid, site, sessionId, userPrincipalName, flaggedStatus FROM securityKey ORDER BY id
                    """)
            for row in rows {
                let site: String = row["site"]
                let aaguid = (row["aaguid"] as String).lowercased()
                let profile =
                    profiles[site]
                    ?? policy.effectiveSettings(site: SiteName(site) ?? .defaultSite, scenario: .fido2Registration)
                    .passkeys
                profiles[site] = profile
                let model = models[aaguid]
                let flagged = profile.refuses(status: model?.status) ? model?.status : nil
                let before: String? = row["flaggedStatus"]
                guard flagged != before else { continue }
                let id: String = row["id"]
                try db.execute(
                    sql: "UPDATE securityKey SET flaggedStatus = ?, flaggedAt = ? WHERE id = ?",
                    arguments: [flagged, flagged == nil ? nil : now, id])
                try appendAudit(
                    db, .keyStatusChanged, session: row["sessionId"], actor: "system",
                    data: [
                        "keyId": .string(id), "aaguid": .string(aaguid),
                        "model": model.map { .string($0.name) } ?? .null,
                        "status": model?.status.map(JSONValue.string) ?? .null, "flagged": .bool(flagged != nil),
                        "previousStatus": before.map(JSONValue.string) ?? .null,
                        "suspended": .bool(flagged != nil && profile.flaggedKeysSuspended),
                    ])
                changes.append(
                    KeyStatusChange(
                        keyID: try parse(SecurityKeyID(id), "securityKey.id"),
                        userPrincipalName: try parse(
                            UserPrincipalName(row["userPrincipalName"] as String), "securityKey.userPrincipalName"),
                        aaguid: aaguid, flaggedStatus: flagged))
            }
            return changes
        }
    }
}
