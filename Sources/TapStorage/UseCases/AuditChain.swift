import Foundation
import TapCore

/// The audit log's HMAC chain, on either engine: one event appended inside a use case's transaction, the head
/// row brought up to date once per group, and the whole chain walked to verify it.
///
/// mac(n) = HMAC(auditKey, mac(n-1) ‖ seq ‖ time ‖ type ‖ session ‖ actor ‖ data), and a head row holds the last
/// seq and mac under its own MAC, so an edited, deleted or cut-off row breaks verification. Appends read the
/// chain's tail and write after it, so whoever runs them must let one transaction append at a time: SQLite's
/// single writer does; on PostgreSQL every group takes the chain's lock first (TapPostgres `PostgresWriter`).
package struct AuditChain: Sendable {
    let keyring: Keyring
    let world: World
    package let state: AuditChainState

    package init(keyring: Keyring, world: World, state: AuditChainState) {
        self.keyring = keyring
        self.world = world
        self.state = state
    }

    /// Appends one event inside the caller's transaction and returns its sequence number.
    ///
    /// Inside a group (see ``deferringHead(_:_:)``) the head row is written once, at the end, not after every
    /// event: the chain continues from the last event row, which a rolled-back savepoint takes back with it, so
    /// a use case that fails leaves no gap and no stale head.
    @discardableResult
    package func append(
        _ db: any StatementRunner, _ type: AuditEventType, session: String?, actor: String,
        data: [String: JSONValue] = [:]
    ) throws -> Int64 {
        let deferringHead = state.deferringHead
        let tail = try deferringHead ? (Self.lastEvent(db) ?? Self.head(db)) : Self.head(db)
        let sequence: Int64 = (tail?.sequence ?? 0) + 1
        var data = data
        if let channel = state.channel { data["channel"] = .string(channel.rawValue) }
        var record = AuditEventRecord(
            seq: sequence, time: Self.millisecondTime(world.now()), type: type.rawValue, sessionId: session,
            actor: actor, data: encodeAuditData(data), mac: Data(), keyVersion: keyring.currentVersion,
            site: try session.flatMap { id in
                try db.queryFirst("SELECT site FROM session WHERE id = ?", [.text(id)]) { try $0.text(0) }
            })
        record.mac = Data(try sign(Self.message(record, previousMAC: tail?.mac ?? []), version: record.keyVersion))
        try record.insertRow(db)
        state.appended = true
        if deferringHead {
            state.headBehind = true
        } else {
            try storeHead(sequence: sequence, mac: Array(record.mac), db)
        }
        return sequence
    }

    /// Runs `body` (many use cases in one transaction: a group commit, a sweep batch) with the head row's
    /// write deferred to its end, once, instead of after every event `body` appends.
    package func deferringHead<T>(_ db: any StatementRunner, _ body: () throws -> T) throws -> T {
        state.deferringHead = true
        defer {
            state.deferringHead = false
            state.headBehind = false
        }
        let result = try body()
        try catchUpHead(db)
        return result
    }

    /// Brings the head row up to the chain's last event.
    private func catchUpHead(_ db: any StatementRunner) throws {
        guard state.headBehind else { return }
        state.headBehind = false
        guard let last = try Self.lastEvent(db), last.sequence != (try Self.head(db))?.sequence else { return }
        try storeHead(sequence: last.sequence, mac: last.mac, db)
    }

    private func storeHead(sequence: Int64, mac: [UInt8], _ db: any StatementRunner) throws {
        let headMAC = try sign(Self.headMessage(sequence, mac), version: keyring.currentVersion)
        try db.run(
            """
            INSERT INTO auditHead (id, seq, mac, headMac, keyVersion) VALUES (1, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, headMac = excluded.headMac,
                keyVersion = excluded.keyVersion
            """,
            [.integer(sequence), .blob(mac), .blob(headMAC), .integer(Int64(keyring.currentVersion))])
    }

    private static func head(_ db: any StatementRunner) throws -> (sequence: Int64, mac: [UInt8])? {
        try link(db, "SELECT seq, mac FROM auditHead WHERE id = 1")
    }

    /// The newest event row; after a retention purge of every event, the chain goes on from the head row.
    private static func lastEvent(_ db: any StatementRunner) throws -> (sequence: Int64, mac: [UInt8])? {
        try link(db, "SELECT seq, mac FROM auditEvent ORDER BY seq DESC LIMIT 1")
    }

    private static func link(_ db: any StatementRunner, _ sql: String) throws -> (sequence: Int64, mac: [UInt8])? {
        try db.queryFirst(sql) { row in (Int64(try row.integer(0)), Array(try row.blob(1))) }
    }

    private func sign(_ message: [UInt8], version: Int) throws -> [UInt8] {
        guard let mac = keyring.mac(.audit, message, version: version) else {
            throw StorageError.unknownKeyVersion(version)
        }
        return mac
    }

    // MARK: What the MACs cover

    static func message(_ record: AuditEventRecord, previousMAC: [UInt8]) -> [UInt8] {
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
}
