import Foundation
import GRDB
import TapCore

/// Console (browser) sessions: opened by a sign-in, found by their cookie, ended by sign-out, idling, their
/// absolute end, or a change to the person behind them.
extension EnrollmentStore {
    /// How long the idle end may lag behind: a session seen less than this long ago is not written again, so a
    /// page with an event stream and a few calls costs one write a minute, not one per request.
    static let consoleTouchInterval: TimeInterval = 60

    /// Opens a console session for `person` inside the caller's transaction; `nil` when they may not sign in.
    func openConsoleSession(
        for person: OperatorRecord, terms: ConsoleSessionTerms, now: Date, _ db: any StatementRunner
    ) throws -> ConsoleSignIn? {
        guard Self.maySignIn(person, now: now) else { return nil }
        let cookie = Hex.encode(world.randomBytes(32))
        guard let digest = consoleCookieDigest(cookie, version: nil) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        let record = ConsoleSessionRecord(
            id: world.newID(ConsoleSessionEntity.self).rawValue, digest: Data(digest),
            keyVersion: keyring.currentVersion, operatorId: person.id, role: person.role, method: terms.method.rawValue,
            createdAt: now, lastSeenAt: now, idleExpiresAt: now.addingTimeInterval(terms.idleTimeout),
            expiresAt: now.addingTimeInterval(terms.absoluteLifetime), provenAt: now, endedAt: nil)
        try record.insertRow(db)
        try appendAudit(
            db, .consoleSignedIn, session: nil, actor: person.id,
            data: ["operatorId": .string(person.id), "method": .string(terms.method.rawValue)])
        return ConsoleSignIn(session: try record.domain(operator: person), cookie: cookie)
    }

    public func consoleSession(cookie: String, idleTimeout: TimeInterval?) async throws -> ConsoleSession? {
        let digests = consoleCookieDigests(cookie)
        guard !digests.isEmpty else { return nil }
        let now = world.now()
        let found = try await engine.read { db -> (ConsoleSessionRecord, OperatorRecord)? in
            guard let record = try Self.consoleSessionRecord(digests, db),
                let person = try OperatorRecord.load(db, record.operatorId)
            else { return nil }
            return (record, person)
        }
        guard let (record, person) = found, record.endedAt == nil, record.idleExpiresAt > now, record.expiresAt > now,
            Self.maySignIn(person, now: now), person.role == record.role
        else { return nil }
        if let idleTimeout, now.timeIntervalSince(record.lastSeenAt) >= Self.consoleTouchInterval {
            try await perform { db in
                try db.run(
                    "UPDATE consoleSession SET lastSeenAt = ?, idleExpiresAt = ? WHERE id = ? AND endedAt IS NULL",
                    bind(now, now.addingTimeInterval(idleTimeout), record.id))
            }
        }
        return try record.domain(operator: person)
    }

    public func stepUp(
        consoleSession id: String, with passkey: OperatorPasskey, signCount: UInt32, backupState: Bool
    ) async throws -> Bool {
        try await perform { db in
            let now = world.currentSecond()
            guard var session = try ConsoleSessionRecord.load(db, id), session.endedAt == nil, session.expiresAt > now,
                session.operatorId == passkey.operatorID.rawValue,
                var key = try OperatorPasskeyRecord.load(db, passkey.id)
            else { return false }
            key.signCount = Int64(signCount)
            key.backupState = backupState
            key.lastUsedAt = now
            try key.updateRow(db)
            session.provenAt = now
            try session.updateRow(db)
            return true
        }
    }

    public func endConsoleSession(cookie: String) async throws -> Bool {
        let digests = consoleCookieDigests(cookie)
        guard !digests.isEmpty else { return false }
        return try await perform { db in
            let now = world.currentSecond()
            guard var record = try Self.consoleSessionRecord(digests, db), record.endedAt == nil else { return false }
            record.endedAt = now
            try record.updateRow(db)
            try appendAudit(
                db, .consoleSignedOut, session: nil, actor: record.operatorId,
                data: ["operatorId": .string(record.operatorId)])
            return true
        }
    }

    // MARK: The cookie's MAC

    /// The MAC of a console cookie under the operator-token key, with its own label so that it can never stand
    /// for a token's MAC.
    private func consoleCookieDigest(_ cookie: String, version: Int?) -> [UInt8]? {
        keyring.mac(.operatorToken, Self.cookieMessage(cookie), version: version)
    }

    private static func cookieMessage(_ cookie: String) -> [UInt8] { Array("console-session\n\(cookie)".utf8) }

    /// The cookie's MAC under every secret version; empty for a value that cannot be one of ours.
    private func consoleCookieDigests(_ cookie: String) -> [(Int, Data)] {
        guard cookie.utf8.count == 64, Hex.decode(cookie, acceptsUpperCase: false) != nil else { return [] }
        return keyring.macsUnderEveryVersion(.operatorToken, Self.cookieMessage(cookie)).map {
            ($0.version, Data($0.mac))
        }
    }

    private static func consoleSessionRecord(
        _ digests: [(Int, Data)], _ db: any StatementRunner
    ) throws -> ConsoleSessionRecord? {
        for (version, digest) in digests {
            if let record = try ConsoleSessionRecord.loadFirst(
                db, "WHERE digest = ? AND keyVersion = ?", [digest.directValue, version.directValue])
            {
                return record
            }
        }
        return nil
    }
}
