import Foundation
import GRDB
import TapCore

/// Console sign-in through the organisation's OpenID provider: the state of a sign-in under way, and the
/// operator a provider's subject signs in as.
extension EnrollmentStore {
    /// Sign-ins older than this are deleted when a new one begins (they expired long before).
    static let singleSignOnRetention: TimeInterval = 86_400

    public func beginSingleSignOn(_ login: SingleSignOnStart, lifetime: TimeInterval) async throws {
        try await perform { db in
            let now = world.now()
            try db.run(
                "DELETE FROM consoleLogin WHERE expiresAt < ?",
                bind(now.addingTimeInterval(-Self.singleSignOnRetention)))
            try ConsoleLoginRecord(
                stateDigest: Data(login.stateDigest), nonce: login.nonce, codeVerifier: login.codeVerifier,
                freshWithin: login.freshWithin, createdAt: now, expiresAt: now.addingTimeInterval(lifetime), usedAt: nil
            ).insertRow(db)
        }
    }

    public func consumeSingleSignOn(stateDigest: [UInt8]) async throws -> SingleSignOnStart? {
        try await perform { db in
            let now = world.now()
            guard var login = try ConsoleLoginRecord.load(db, Data(stateDigest)), login.usedAt == nil else {
                return nil
            }
            login.usedAt = now
            try login.updateRow(db)
            guard login.expiresAt > now else { return nil }
            return SingleSignOnStart(
                stateDigest: stateDigest, nonce: login.nonce, codeVerifier: login.codeVerifier,
                freshWithin: login.freshWithin)
        }
    }

    public func signInWithSingleSignOn(
        _ person: SingleSignOnPerson, terms: ConsoleSessionTerms
    ) async throws -> ConsoleSignIn? {
        guard person.role.isPerson else { return nil }
        let name = try checkNewOperator(
            NewOperator(
                name: person.name, role: person.role, site: person.site, userPrincipalName: person.userPrincipalName))
        let (signedIn, revokedOne) = try await perform { db -> (ConsoleSignIn?, Bool) in
            var revokedOne = false
            let now = world.currentSecond()
            var link = try ConsoleIdentityRecord.loadFirst(
                db, "WHERE issuer = ? AND subject = ?", bind(person.issuer, person.subject))
            if let link, var known = try OperatorRecord.load(db, link.operatorId) {
                if known.role == person.role.rawValue, known.site == person.site?.value,
                    known.userPrincipalName == person.userPrincipalName.value
                {
                    // An admin's revocation stands: the provider cannot undo it.
                    return (try openConsoleSession(for: known, terms: terms, now: now, db), false)
                }
                // The claim mapping now gives another role or site: that is another operator, and the old one
                // (with its console sessions) ends here.
                if known.revokedAt == nil {
                    known.revokedAt = now
                    try known.updateRow(db)
                    try appendAudit(
                        db, .operatorRevoked, session: nil, actor: "sso",
                        data: ["operatorId": .string(known.id), "via": "sso", "reason": "role or site changed"])
                    revokedOne = true
                }
            }
            let record = try insertOperatorWithoutToken(
                NewOperator(
                    name: name, role: person.role, site: person.site, userPrincipalName: person.userPrincipalName),
                name: name, createdBy: nil, now: now, db)
            try appendAudit(
                db, .operatorCreated, session: nil, actor: "sso",
                data: [
                    "operatorId": .string(record.id), "name": .string(record.name), "role": .string(record.role),
                    "site": record.site.map(JSONValue.string) ?? .null, "via": "sso",
                    "userPrincipalName": .string(person.userPrincipalName.value),
                ])
            if link == nil {
                link = ConsoleIdentityRecord(issuer: person.issuer, subject: person.subject, operatorId: record.id)
                try link?.insertRow(db)
            } else {
                // The link's key is (issuer, subject): only the operator it points at changes.
                try db.run(
                    "UPDATE consoleIdentity SET operatorId = ? WHERE issuer = ? AND subject = ?",
                    bind(record.id, person.issuer, person.subject))
            }
            return (try openConsoleSession(for: record, terms: terms, now: now, db), revokedOne)
        }
        if revokedOne { operatorTokens.invalidate() }
        return signedIn
    }

    public func recordConsoleRefusal(method: ConsoleSignInMethod, reason: String, subject: String?) async throws {
        try await perform { db in
            try appendAudit(
                db, .consoleSignInRefused, session: nil, actor: "anonymous",
                data: [
                    "method": .string(method.rawValue), "reason": .string(String(reason.prefix(200))),
                    "subject": subject.map { .string(String($0.prefix(200))) } ?? .null,
                ])
        }
    }
}
