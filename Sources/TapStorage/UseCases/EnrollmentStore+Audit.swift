import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// Appends one event to the chain inside the caller's transaction.
    ///
    /// mac(n) = HMAC(auditKey, mac(n-1) ‖ seq ‖ time ‖ type ‖ session ‖ actor ‖ data), and a head row holds
    /// the last seq and mac under its own MAC, so an edited, deleted or cut-off row breaks verification.
    ///
    /// Inside a group commit (and a sweep batch) the head row is written once, at the end (see
    /// ``deferringAuditHead(_:chain:keyring:_:)``), not after every event: the chain continues from the last event row, which a
    /// rolled-back savepoint takes back with it, so a use case that fails leaves no gap and no stale head.
    @discardableResult
    func appendAudit(
        _ db: Database, _ type: AuditEventType, session: String?, actor: String, data: [String: JSONValue] = [:]
    ) throws -> Int64 {
        let deferringHead = auditChain.deferringHead
        let tail = try deferringHead ? (Self.lastAuditEvent(db) ?? Self.auditHead(db)) : Self.auditHead(db)
        let sequence: Int64 = (tail?.sequence ?? 0) + 1
        var data = data
        if let channel = auditChain.channel { data["channel"] = .string(channel.rawValue) }
        var record = AuditEventRecord(
            seq: sequence, time: Self.millisecondTime(world.now()), type: type.rawValue, sessionId: session,
            actor: actor,
            data: encodeAuditData(data), mac: Data(), keyVersion: keyring.currentVersion,
            site: try session.flatMap { id in
                try String.fetchOne(db.cachedStatement(sql: "SELECT site FROM session WHERE id = ?"), arguments: [id])
            })
        record.mac = Data(try sign(Self.auditMessage(record, previousMAC: tail?.mac ?? []), version: record.keyVersion))
        // Prepared once per connection and run directly: every write use case appends one or two events.
        try record.insertRow(db)
        auditChain.appended = true
        if deferringHead {
            auditChain.headBehind = true
        } else {
            try Self.storeAuditHead(sequence: sequence, mac: Array(record.mac), keyring: keyring, db)
        }
        return sequence
    }

    /// Runs `body` (many use cases in one transaction: a group commit, a sweep batch) with the head row's
    /// write deferred to its end, once, instead of after every event `body` appends.
    static func deferringAuditHead<T>(
        _ db: Database, chain: AuditChainState, keyring: Keyring, _ body: () throws -> T
    ) throws -> T {
        chain.deferringHead = true
        defer {
            chain.deferringHead = false
            chain.headBehind = false
        }
        let result = try body()
        try writeAuditHead(db, chain: chain, keyring: keyring)
        return result
    }

    /// Brings the head row up to the chain's last event.
    private static func writeAuditHead(_ db: Database, chain: AuditChainState, keyring: Keyring) throws {
        guard chain.headBehind else { return }
        chain.headBehind = false
        guard let last = try lastAuditEvent(db), last.sequence != (try auditHead(db))?.sequence else { return }
        try storeAuditHead(sequence: last.sequence, mac: last.mac, keyring: keyring, db)
    }

    private static func storeAuditHead(sequence: Int64, mac: [UInt8], keyring: Keyring, _ db: Database) throws {
        guard let headMAC = keyring.mac(.audit, headMessage(sequence, mac), version: keyring.currentVersion) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO auditHead (id, seq, mac, headMac, keyVersion) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, headMac = excluded.headMac,
                    keyVersion = excluded.keyVersion
                """
        ).execute(arguments: [sequence, Data(mac), Data(headMAC), keyring.currentVersion])
    }

    private static func auditHead(_ db: Database) throws -> (sequence: Int64, mac: [UInt8])? {
        try chainLink(db, "SELECT seq, mac FROM auditHead WHERE id = 1")
    }

    /// The newest event row; after a retention purge of every event, the chain goes on from the head row.
    private static func lastAuditEvent(_ db: Database) throws -> (sequence: Int64, mac: [UInt8])? {
        try chainLink(db, "SELECT seq, mac FROM auditEvent ORDER BY seq DESC LIMIT 1")
    }

    /// The sequence number and MAC of the one row `sql` selects, if any (every append reads one).
    private static func chainLink(_ db: Database, _ sql: String) throws -> (sequence: Int64, mac: [UInt8])? {
        var link: (sequence: Int64, mac: [UInt8])?
        try db.queryDirect(sql) { row in link = (Int64(try row.integer(0)), Array(try row.blob(1))) }
        return link
    }

    private func sign(_ message: [UInt8], version: Int) throws -> [UInt8] {
        guard let mac = keyring.mac(.audit, message, version: version) else {
            throw StorageError.unknownKeyVersion(version)
        }
        return mac
    }

    static func auditMessage(_ record: AuditEventRecord, previousMAC: [UInt8]) -> [UInt8] {
        // Fields are joined with a unit separator that none of them can contain unescaped (data is JSON).
        let fields = [
            String(record.seq), String(Int64((record.time.timeIntervalSince1970 * 1000).rounded())), record.type,
            record.sessionId ?? "", record.actor, record.data,
        ]
        return previousMAC + Array(fields.joined(separator: "\u{1F}").utf8)
    }

    /// Times are stored with millisecond precision; the MAC must cover exactly what is stored.
    static func millisecondTime(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    static func checkpointMessage(_ sequence: Int64, _ mac: [UInt8]) -> [UInt8] {
        Array("checkpoint\u{1F}\(sequence)\u{1F}".utf8) + mac
    }

    static func headMessage(_ sequence: Int64, _ mac: [UInt8]) -> [UInt8] {
        Array("head\u{1F}\(sequence)\u{1F}".utf8) + mac
    }

    /// Walks the whole chain and reports the first break; then checks that it reaches `anchor` (kept outside
    /// the database) and was not emptied or restarted under existing operators.
    public func verifyAudit(anchor: AuditAnchor? = nil) async throws -> AuditVerification {
        try await pool.read { db in
            let walked = try verifyChain(db)
            guard case .intact = walked else { return walked }
            if let problem = try Self.chainProblem(anchor: anchor, keyring: keyring, db) {
                return .broken(sequence: anchor?.sequence ?? 1, reason: problem)
            }
            return walked
        }
    }

    private func verifyChain(_ db: Database) throws -> AuditVerification {
        var previousMAC: [UInt8] = []
        var expected: Int64 = 1
        // After a retention purge the chain starts at its checkpoint, whose own MAC must hold.
        if let checkpoint = try Row.fetchOne(
            db, sql: "SELECT seq, mac, checkpointMac, keyVersion FROM auditCheckpoint WHERE id = 1")
        {
            let (sequence, mac): (Int64, [UInt8]) = (checkpoint[0], Array(checkpoint[1] as Data))
            guard let expectedMAC = keyring.mac(.audit, Self.checkpointMessage(sequence, mac), version: checkpoint[3]),
                keyring.constantTimeEqual(expectedMAC, Array(checkpoint[2] as Data))
            else {
                return .broken(sequence: sequence, reason: "the retention checkpoint was altered")
            }
            previousMAC = mac
            expected = sequence + 1
        }
        let cursor = try AuditEventRecord.fetchCursor(db, sql: "SELECT * FROM auditEvent ORDER BY seq")
        while let record = try cursor.next() {
            if record.seq != expected {
                return .broken(sequence: expected, reason: "event \(expected) is missing (next is \(record.seq))")
            }
            guard
                let mac = keyring.mac(
                    .audit, Self.auditMessage(record, previousMAC: previousMAC), version: record.keyVersion),
                keyring.constantTimeEqual(mac, Array(record.mac))
            else {
                return .broken(sequence: record.seq, reason: "event \(record.seq) was altered or its predecessor was")
            }
            previousMAC = mac
            expected += 1
        }
        let last = expected - 1
        guard let head = try AuditHeadRecord.find(db, 1) else {
            return last == 0 ? .intact(events: 0) : .broken(sequence: last, reason: "the chain head is missing")
        }
        guard let headMAC = keyring.mac(.audit, Self.headMessage(head.seq, Array(head.mac)), version: head.keyVersion),
            keyring.constantTimeEqual(headMAC, Array(head.headMac))
        else {
            return .broken(sequence: head.seq, reason: "the chain head was altered")
        }
        guard head.seq == last, keyring.constantTimeEqual(Array(head.mac), previousMAC) else {
            return .broken(
                sequence: min(head.seq, last + 1),
                reason: head.seq > last
                    ? "the log ends at event \(last) but the head records \(head.seq): the tail was cut off"
                    : "the head does not match the last event \(last)")
        }
        return .intact(events: last)
    }

    /// Events in chain order, filtered; `after` is the last sequence the caller has seen. With `site`, only
    /// events of that site's sessions.
    public func auditEvents(
        sessionID: SessionID? = nil, site: SiteName? = nil, since: Date? = nil, until: Date? = nil,
        type: AuditEventType? = nil,
        after: Int64? = nil, limit: Int
    ) async throws -> [AuditEvent] {
        try await pool.read { db in
            var request = AuditEventRecord.all()
                .matching("sessionId", sessionID?.rawValue).matching("type", type?.rawValue)
            // Each session's event carries its site, with an index (site, seq) to walk in chain order.
            if let site { request = request.filter(Column("site") == site.value) }
            if let since { request = request.filter(Column("time") >= since) }
            if let until { request = request.filter(Column("time") < until) }
            if let after { request = request.filter(Column("seq") > after) }
            return try request.order(Column("seq")).limit(limit).fetchAll(db).map { try $0.domain() }
        }
    }
}

/// The result of walking the audit chain.
public enum AuditVerification: Sendable, Equatable {
    /// Every event verified and the head matches the last one.
    case intact(events: Int64)
    /// The first place the chain does not hold.
    case broken(sequence: Int64, reason: String)
}

extension EnrollmentStore {
    /// Writes one `request.refused` event per (caller, code, route) with how often it happened, so that
    /// refused requests are on the record without letting a caller force one write per request.
    public func recordRefusals(_ refusals: [RefusalCount]) async throws {
        guard !refusals.isEmpty else { return }
        try await pool.write { db in try appendRefusals(refusals, db) }
    }

    /// The same, blocking the calling thread: for the last report at shutdown, when the task is cancelled.
    public func recordRefusalsNow(_ refusals: [RefusalCount]) throws {
        guard !refusals.isEmpty else { return }
        try pool.write { db in try appendRefusals(refusals, db) }
    }

    private func appendRefusals(_ refusals: [RefusalCount], _ db: Database) throws {
        for refusal in refusals {
            try appendAudit(
                db, .requestRefused, session: nil, actor: refusal.actor,
                data: [
                    "code": .string(refusal.code), "route": .string(refusal.route),
                    "count": .number(Double(refusal.count)),
                ])
        }
    }
}
