import Foundation
import GRDB
import TapCore

/// A person's console passkeys after the first: adding one (a renewed invitation code, spent by the same ceremony
/// as the first), removing one, and an admin's reset when a key is lost.
extension EnrollmentStore {
    public func renewInvitation(
        of operatorID: OperatorID, resettingPasskeys: Bool, codeLifetime: TimeInterval, by actor: OperatorIdentity
    ) async throws -> PersonInvitation {
        try await perform { db in
            let now = world.currentSecond()
            guard let person = try OperatorRecord.load(db, operatorID.rawValue),
                actor.site == nil || person.site == actor.site?.value
            else { throw EnrollmentError.notFound("operator") }
            guard Self.maySignIn(person, now: now), person.userPrincipalName != nil else {
                throw EnrollmentError.conflict("only a person who may still sign in to the console holds passkeys")
            }
            var removed = 0
            if resettingPasskeys {
                removed = try db.changes("DELETE FROM operatorPasskey WHERE operatorId = ?", bind(person.id))
                try db.run(
                    "UPDATE consoleSession SET endedAt = ? WHERE operatorId = ? AND endedAt IS NULL",
                    bind(now, person.id))
            }
            let (code, expiresAt) = try storeInvitation(for: person.id, lifetime: codeLifetime, now: now, db)
            var data: [String: JSONValue] = [
                "operatorId": .string(person.id), "invitationExpiresAt": auditTime(expiresAt),
            ]
            if resettingPasskeys { data["passkeysRemoved"] = .number(Double(removed)) } else { data["renewal"] = true }
            try appendAudit(
                db, resettingPasskeys ? .operatorPasskeysReset : .operatorInvited, session: nil,
                actor: actor.id.rawValue, data: data)
            return PersonInvitation(operator: try person.domain(), code: code, expiresAt: expiresAt)
        }
    }

    public func removeOperatorPasskey(_ passkeyID: String, by person: OperatorIdentity) async throws {
        try await perform { db in
            guard let passkey = try OperatorPasskeyRecord.load(db, passkeyID), passkey.operatorId == person.id.rawValue
            else { throw EnrollmentError.notFound("passkey") }
            let count =
                try db.queryFirst(
                    "SELECT COUNT(*) FROM operatorPasskey WHERE operatorId = ?", bind(passkey.operatorId)
                ) { try $0.integer(0) } ?? 0
            guard count > 1 else {
                throw EnrollmentError.conflict(
                    "this is your only passkey: add another first, or ask an admin to reset your passkeys")
            }
            try passkey.deleteRow(db)
            try appendAudit(
                db, .operatorPasskeyRemoved, session: nil, actor: person.id.rawValue,
                data: ["operatorId": .string(passkey.operatorId), "passkeyId": .string(passkey.id)])
        }
    }
}
