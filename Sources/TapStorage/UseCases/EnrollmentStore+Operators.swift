import Foundation
import GRDB
import TapCore

/// What is needed to create an operator token.
public struct NewOperator: Sendable, Equatable {
    public var name: String
    public var role: Role
    public var site: SiteName?
    public var userPrincipalName: UserPrincipalName?
    public var allowedSubjects: [SubjectPattern]
    public var allowedSources: [String]
    public var expiresAt: Date?

    /// Makes a request.
    public init(
        name: String, role: Role, site: SiteName? = nil, userPrincipalName: UserPrincipalName? = nil,
        allowedSubjects: [SubjectPattern] = [], allowedSources: [String] = [], expiresAt: Date? = nil
    ) {
        self.name = name
        self.role = role
        self.site = site
        self.userPrincipalName = userPrincipalName
        self.allowedSubjects = allowedSubjects
        self.allowedSources = allowedSources
        self.expiresAt = expiresAt
    }
}

/// An operator's token as it is checked on each request.
public enum OperatorLookup: Sendable, Equatable {
    case valid(Operator)
    case expired
    case revoked
    case unknown
}

extension EnrollmentStore {
    /// Creates an operator and its token; the token value is returned here once and stored only as a MAC.
    /// The checks every new operator passes, however it gets its token; returns the trimmed name.
    func checkNewOperator(_ request: NewOperator) throws -> String {
        let name = request.name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.unicodeScalars.count), !name.contains(where: { $0.isNewline }) else {
            throw EnrollmentError.invalidRequest(field: "name", reason: "must be 1 to 100 characters on one line")
        }
        // Also here, not only at the HTTP edge: `operator create` on the CLI reaches the store directly, and the
        // name is shown on kiosk screens and in `session show`.
        guard !TerminalText.containsActive(name) else {
            throw EnrollmentError.invalidRequest(field: "name", reason: "must not contain control characters")
        }
        if request.site == nil, !request.role.mayBeGlobal {
            throw EnrollmentError.invalidRequest(
                field: "site", reason: "is required: a \(request.role.rawValue) token belongs to one site")
        }
        for source in request.allowedSources where AddressBlock(source) == nil {
            throw EnrollmentError.invalidRequest(
                field: "allowedSources",
                reason: "must hold IP addresses or CIDR blocks (\(source.prefix(64)) is neither)")
        }
        if let expiresAt = request.expiresAt, expiresAt <= world.now() {
            throw EnrollmentError.invalidRequest(field: "expirationDateTime", reason: "must be in the future")
        }
        return name
    }

    /// `creator` is `nil` for the bootstrap admin made by the local CLI.
    public func createOperator(
        _ request: NewOperator, by creator: OperatorIdentity?
    ) async throws -> (Operator, BearerToken) {
        let trimmedName = try checkNewOperator(request)
        return try await perform { db in
            let now = world.currentSecond()
            let (record, token) = try insertOperator(
                request, name: trimmedName, createdBy: creator?.id, now: now, db)
            try appendAudit(
                db, .operatorCreated, session: nil, actor: creator?.id.rawValue ?? "local-cli",
                data: [
                    "operatorId": .string(record.id), "name": .string(record.name), "role": .string(record.role),
                    "site": record.site.map(JSONValue.string) ?? .null,
                ])
            return (try record.domain(), token)
        }
    }

    /// Inserts an operator with a new token (storage keeps its digest under the current secret); the token is
    /// returned to be shown once, or thrown away (``insertOperatorWithoutToken(_:name:createdBy:now:_:)``).
    func insertOperator(
        _ request: NewOperator, name: String, createdBy: OperatorID?, now: Date, _ db: any StatementRunner
    ) throws -> (record: OperatorRecord, token: BearerToken) {
        let token = BearerToken.generate(.operatorToken, randomBytes: world.randomBytes)
        guard let digest = keyring.tokenDigest(token) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        let record = OperatorRecord(
            id: (world.newID() as OperatorID).rawValue, name: name, role: request.role.rawValue,
            site: request.site?.value, userPrincipalName: request.userPrincipalName?.value,
            tokenDigest: Data(digest), allowedSubjects: encodeJSON(request.allowedSubjects),
            allowedSources: encodeJSON(request.allowedSources), createdAt: now, createdBy: createdBy?.rawValue,
            expiresAt: request.expiresAt, revokedAt: nil, keyVersion: keyring.currentVersion)
        try record.insertRow(db)
        return (record, token)
    }

    /// Finds the operator a token belongs to, under whichever secret version made its digest.
    public func operatorForToken(_ token: BearerToken) async throws -> OperatorLookup {
        let now = world.now()
        let digests = keyring.versions.compactMap { version in
            keyring.tokenDigest(token, version: version).map { (version, Data($0)) }
        }
        guard let cacheKey = digests.first(where: { $0.0 == keyring.currentVersion })?.1 ?? digests.first?.1 else {
            return .unknown
        }
        if let cached = operatorTokens.lookup(cacheKey, now: now) { return .valid(cached) }
        let generation = operatorTokens.generation
        // Every operator request that missed the cache starts here. Without a transaction (unsafeRead): each
        // statement reads a committed state, which is all a token lookup needs, and BEGIN and COMMIT are spared.
        let (lookup, validUntil) = try await engine.unsafeRead { db -> (OperatorLookup, Date?) in
            var found: OperatorRecord?
            var graceEnds: Date?
            for (version, digest) in digests {
                if let record = try OperatorRecord.loadFirst(
                    db, "WHERE tokenDigest = ? AND keyVersion = ?", [digest.directValue, version.directValue])
                {
                    found = record
                    graceEnds = nil
                }
                // A token replaced by a rotation keeps working until its grace period ends.
                if let record = try OperatorRecord.loadFirst(
                    db, "WHERE previousTokenDigest = ? AND previousTokenKeyVersion = ? AND previousTokenExpiresAt > ?",
                    [digest.directValue, version.directValue, .date(now)])
                {
                    found = record
                    graceEnds = record.previousTokenExpiresAt
                }
            }
            guard let record = found else { return (.unknown, nil) }
            if record.revokedAt != nil { return (.revoked, nil) }
            if let expiresAt = record.expiresAt, expiresAt <= now { return (.expired, nil) }
            let validUntil = [record.expiresAt, graceEnds].compactMap { $0 }.min()
            return (.valid(try record.domain()), validUntil)
        }
        if case .valid(let found) = lookup {
            operatorTokens.store(found, validUntil: validUntil, for: cacheKey, generation: generation, now: now)
        }
        return lookup
    }

    /// Every operator, oldest first (tokens are never shown).
    public func operators() async throws -> [Operator] {
        try await engine.read { db in
            try OperatorRecord.loadAll(db, "ORDER BY id").map { try $0.domain() }
        }
    }

    /// Revokes an operator's token. Revoking yourself, or the last admin that can still act, is refused.
    public func revokeOperator(_ id: OperatorID, by actor: OperatorIdentity) async throws -> Operator {
        guard id != actor.id else { throw EnrollmentError.conflict("you cannot revoke your own token") }
        let revoked = try await perform { db in
            let now = world.currentSecond()
            guard var record = try OperatorRecord.load(db, id.rawValue) else {
                throw EnrollmentError.notFound("operator")
            }
            guard record.revokedAt == nil else { throw EnrollmentError.conflict("operator is already revoked") }
            if record.role == Role.admin.rawValue {
                let admins =
                    try db.queryFirst(
                        "SELECT COUNT(*) FROM operator WHERE role = 'admin' AND revokedAt IS NULL AND (expiresAt IS NULL OR expiresAt > ?)",
                        [.date(now)]
                    ) { try $0.integer(0) } ?? 0
                guard admins > 1 else { throw EnrollmentError.conflict("this is the last admin; create another first") }
            }
            let original = record
            record.revokedAt = now
            try record.updateRow(db, from: original)
            try appendAudit(
                db, .operatorRevoked, session: nil, actor: actor.id.rawValue, data: ["operatorId": .string(record.id)])
            return try record.domain()
        }
        operatorTokens.invalidate()
        return revoked
    }

    /// Gives an operator a new token. The old one keeps working for `grace` (so a kiosk can switch without
    /// downtime), then dies. Returns the new token, shown once. `presented` is the token the actor called with:
    /// unless it is the actor's newest, the rotation is refused (``EnrollmentError/newerTokenExists``), so that a
    /// token in its grace period cannot rotate again and leave the new token's holder with a dying one.
    public func rotateToken(
        of id: OperatorID, grace: TimeInterval, by actor: OperatorIdentity, presented: BearerToken? = nil
    ) async throws -> (Operator, BearerToken) {
        let presentedDigests = presented.map { token in
            keyring.versions.compactMap { version in
                keyring.tokenDigest(token, version: version).map { (version, Data($0)) }
            }
        }
        let rotated = try await perform { db in
            let now = world.currentSecond()
            if let presentedDigests {
                // Checked in the rotation's own transaction: two rotations racing cannot both pass it.
                guard let caller = try OperatorRecord.load(db, actor.id.rawValue),
                    presentedDigests.contains(where: { $0.0 == caller.keyVersion && $0.1 == caller.tokenDigest })
                else { throw EnrollmentError.newerTokenExists }
            }
            guard var record = try OperatorRecord.load(db, id.rawValue), record.revokedAt == nil else {
                throw EnrollmentError.notFound("operator")
            }
            let original = record
            let token = BearerToken.generate(.operatorToken, randomBytes: world.randomBytes)
            guard let digest = keyring.tokenDigest(token) else {
                throw StorageError.unknownKeyVersion(keyring.currentVersion)
            }
            record.previousTokenDigest = record.tokenDigest
            record.previousTokenKeyVersion = record.keyVersion
            record.previousTokenExpiresAt = now.addingTimeInterval(grace)
            record.tokenDigest = Data(digest)
            record.keyVersion = keyring.currentVersion
            try record.updateRow(db, from: original)
            try appendAudit(
                db, .operatorRotated, session: nil, actor: actor.id.rawValue,
                data: ["operatorId": .string(record.id), "graceSeconds": .number(grace.rounded())])
            return (try record.domain(), token)
        }
        operatorTokens.invalidate()
        return rotated
    }
}
