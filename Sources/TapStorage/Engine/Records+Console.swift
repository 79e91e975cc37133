import Foundation
import GRDB
import TapCore

/// One row of `consoleInvitation`: the MAC of a person's one-time invitation code.
struct ConsoleInvitationRecord: StoredRecord {
    static let databaseTableName = "consoleInvitation"
    static let keyColumn = "operatorId"
    var operatorId: String
    var digest: Data
    var keyVersion: Int
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?
}

/// One row of `operatorPasskey`.
struct OperatorPasskeyRecord: StoredRecord {
    static let databaseTableName = "operatorPasskey"
    var id: String
    var operatorId: String
    var credentialId: Data
    var userHandle: Data
    var publicKey: Data
    var algorithm: Int
    var signCount: Int64
    var aaguid: String
    var attestationFormat: String
    var attestationTrust: String
    var transports: String  // JSON array of strings
    var backupEligible: Bool
    var backupState: Bool
    var createdAt: Date
    var lastUsedAt: Date?

    func domain() throws -> OperatorPasskey {
        OperatorPasskey(
            id: id, operatorID: try parse(OperatorID(operatorId), "operatorPasskey.operatorId"),
            credentialID: Array(credentialId), userHandle: Array(userHandle), publicKeyCOSE: Array(publicKey),
            signCount: UInt32(clamping: signCount), backupEligible: backupEligible, aaguid: aaguid,
            attestationFormat: attestationFormat, attestationTrust: attestationTrust, createdAt: createdAt,
            lastUsedAt: lastUsedAt)
    }
}

/// One row of `consoleChallenge`: the SHA-256 of a challenge, never the challenge.
struct ConsoleChallengeRecord: StoredRecord {
    static let databaseTableName = "consoleChallenge"
    static let keyColumn = "digest"
    var digest: Data
    var purpose: String
    var operatorId: String?
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?
}

/// One row of `consoleSession`: the MAC of the cookie, never the cookie.
struct ConsoleSessionRecord: StoredRecord {
    static let databaseTableName = "consoleSession"
    var id: String
    var digest: Data
    var keyVersion: Int
    var operatorId: String
    var role: String
    var method: String
    var createdAt: Date
    var lastSeenAt: Date
    var idleExpiresAt: Date
    var expiresAt: Date
    var provenAt: Date
    var endedAt: Date?

    func domain(operator record: OperatorRecord) throws -> ConsoleSession {
        ConsoleSession(
            id: id, operator: try record.domain(),
            method: try parse(ConsoleSignInMethod(rawValue: method), "consoleSession.method"), createdAt: createdAt,
            provenAt: provenAt, expiresAt: expiresAt)
    }
}

/// One row of `consoleLogin`: a single sign-on under way, found by its state's SHA-256.
struct ConsoleLoginRecord: StoredRecord {
    static let databaseTableName = "consoleLogin"
    static let keyColumn = "stateDigest"
    var stateDigest: Data
    var nonce: String
    var codeVerifier: String
    /// For a step-up: the provider's `auth_time` must be at most this many seconds old.
    var freshWithin: Int?
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?
}

/// One row of `consoleIdentity`: the operator a provider's subject signs in as.
struct ConsoleIdentityRecord: StoredRecord {
    static let databaseTableName = "consoleIdentity"
    var issuer: String
    var subject: String
    var operatorId: String
}
