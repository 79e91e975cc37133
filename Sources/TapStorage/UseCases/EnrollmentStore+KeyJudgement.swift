import Foundation
import TapCore

/// Registered keys re-judged when FIDO's metadata changes what it says of their models.
extension EnrollmentStore {
    public func rejudgeKeys(models: [String: AuthenticatorModel]) async throws -> [KeyStatusChange] {
        try await perform { db in
            let policy = try loadPolicy(db)
            let now = world.currentSecond()
            var profiles: [String: EffectivePasskeyProfile] = [:]
            var changes: [KeyStatusChange] = []
            let rows = try db.queryAll(
                "SELECT id, aaguid, site, sessionId, userPrincipalName, flaggedStatus FROM securityKey ORDER BY id"
            ) { row in
                (
                    id: try row.text(0), aaguid: try row.text(1), site: try row.text(2), sessionID: try row.text(3),
                    user: try row.text(4), flaggedStatus: try row.optionalText(5)
                )
            }
            for row in rows {
                let site = row.site
                let aaguid = row.aaguid.lowercased()
                let profile =
                    profiles[site]
                    ?? policy.effectiveSettings(site: SiteName(site) ?? .defaultSite, scenario: .fido2Registration)
                    .passkeys
                profiles[site] = profile
                let model = models[aaguid]
                let flagged = profile.refuses(status: model?.status) ? model?.status : nil
                let before = row.flaggedStatus
                guard flagged != before else { continue }
                let id = row.id
                try db.run(
                    "UPDATE securityKey SET flaggedStatus = ?, flaggedAt = ? WHERE id = ?",
                    bind(flagged, flagged == nil ? nil : now, id))
                try appendAudit(
                    db, .keyStatusChanged, session: row.sessionID, actor: "system",
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
                        userPrincipalName: try parse(UserPrincipalName(row.user), "securityKey.userPrincipalName"),
                        aaguid: aaguid, flaggedStatus: flagged))
            }
            return changes
        }
    }
}
