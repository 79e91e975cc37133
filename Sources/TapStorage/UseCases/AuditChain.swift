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

    /// Appends one event inside the caller's transaction.
    ///
    /// Inside a group (see ``deferringHead(_:_:)``) the head row is written once, at the end, not after every
    /// event: the chain continues from the last event row, which a rolled-back savepoint takes back with it, so
    /// a use case that fails leaves no gap and no stale head. In a transaction that holds its events back
    /// (``AuditChainState/heldBack``) the event waits, unnumbered, for ``appendHeldBack(_:)``.
    package func append(
        _ db: any StatementRunner, _ type: AuditEventType, session: String?, actor: String,
        data: [String: JSONValue] = [:]
    ) throws {
        let state = db.transactionChain ?? self.state
        guard state.heldBack != nil else {
            _ = try appendNow(db, state, record(type, session: session, actor: actor, data: data, state))
            return
        }
        state.heldBack?.append(record(type, session: session, actor: actor, data: data, state))
        state.appended = true
    }

    /// Appends one event as ``append(_:_:session:actor:data:)`` does and returns its sequence number, writing
    /// any events held back before it.
    package func appendNumbered(
        _ db: any StatementRunner, _ type: AuditEventType, session: String?, actor: String,
        data: [String: JSONValue] = [:]
    ) throws -> Int64 {
        let state = db.transactionChain ?? self.state
        try appendHeldBack(db)
        return try appendNow(db, state, record(type, session: session, actor: actor, data: data, state))
    }

    /// In a transaction that holds its events back, takes the chain's lock and writes them after the chain's
    /// tail, in the order they were appended, with the head, in one statement; the transaction's later appends
    /// are written at once. Anything that reads the chain inside such a transaction calls this first.
    package func appendHeldBack(_ db: any StatementRunner) throws {
        let state = db.transactionChain ?? self.state
        guard var events = state.heldBack else { return }
        state.heldBack = nil
        guard !events.isEmpty else { return }
        // The head row is the chain's tail at every commit (and after a retention purge of every event, where the
        // chain goes on from it), so the lock may read it as it takes it.
        let tail = try state.lockChain.map { try $0(db) } ?? (Self.lastEvent(db) ?? Self.head(db))
        var previous = (sequence: tail?.sequence ?? 0, mac: tail?.mac ?? [])
        for index in events.indices {
            events[index].seq = previous.sequence + 1
            events[index].mac = Data(
                try sign(Self.message(events[index], previousMAC: previous.mac), version: events[index].keyVersion))
            previous = (events[index].seq, Array(events[index].mac))
        }
        let headMAC = try sign(Self.headMessage(previous.sequence, previous.mac), version: keyring.currentVersion)
        try db.run(
            Self.heldBackSQL(count: events.count) + (state.headReturning.map { " RETURNING \($0)" } ?? ""),
            events.flatMap(Self.heldBackValues) + [
                .integer(previous.sequence), .blob(previous.mac), .blob(headMAC),
                .integer(Int64(keyring.currentVersion)),
            ])
        state.lastAppended = previous.sequence
    }

    /// One event's record, its sequence and MAC still to be given.
    private func record(
        _ type: AuditEventType, session: String?, actor: String, data: [String: JSONValue], _ state: AuditChainState
    ) -> AuditEventRecord {
        var data = data
        if let channel = state.channel { data["channel"] = .string(channel.rawValue) }
        return AuditEventRecord(
            seq: 0, time: Self.millisecondTime(world.now()), type: type.rawValue, sessionId: session, actor: actor,
            data: encodeAuditData(data), mac: Data(), keyVersion: keyring.currentVersion, site: nil)
    }

    /// Writes `record` after the chain's tail and returns its sequence number.
    private func appendNow(
        _ db: any StatementRunner, _ state: AuditChainState, _ record: AuditEventRecord
    ) throws -> Int64 {
        let deferringHead = state.deferringHead
        let tail = try deferringHead ? (Self.lastEvent(db) ?? Self.head(db)) : Self.head(db)
        var record = record
        record.seq = (tail?.sequence ?? 0) + 1
        record.site = try record.sessionId.flatMap { id in
            try db.queryFirst("SELECT site FROM session WHERE id = ?", [.text(id)]) { try $0.text(0) }
        }
        record.mac = Data(try sign(Self.message(record, previousMAC: tail?.mac ?? []), version: record.keyVersion))
        try record.insertRow(db)
        state.appended = true
        state.lastAppended = record.seq
        if deferringHead {
            state.headBehind = true
        } else {
            try storeHead(sequence: record.seq, mac: Array(record.mac), db)
        }
        return record.seq
    }

    /// The held-back events' rows (each session's site looked up as it is written) and the head, in one
    /// statement.
    private static func heldBackSQL(count: Int) -> String {
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, (SELECT site FROM session WHERE id = ?))"
        return """
            WITH events AS (
                INSERT INTO auditEvent (seq, time, type, sessionId, actor, data, mac, keyVersion, site)
                VALUES \(Array(repeating: row, count: count).joined(separator: ", "))
            )
            \(headSQL)
            """
    }

    private static func heldBackValues(_ event: AuditEventRecord) -> [DirectValue] {
        let session = event.sessionId.map(DirectValue.text) ?? .null
        return [
            .integer(event.seq), .date(event.time), .text(event.type), session, .text(event.actor), .text(event.data),
            .blob(Array(event.mac)), .integer(Int64(event.keyVersion)), session,
        ]
    }

    /// Runs `body` (many use cases in one transaction: a group commit, a sweep batch) with the head row's
    /// write deferred to its end, once, instead of after every event `body` appends.
    package func deferringHead<T>(_ db: any StatementRunner, _ body: () throws -> T) throws -> T {
        let state = db.transactionChain ?? self.state
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
        let state = db.transactionChain ?? self.state
        guard state.headBehind else { return }
        state.headBehind = false
        guard let last = try Self.lastEvent(db), last.sequence != (try Self.head(db))?.sequence else { return }
        try storeHead(sequence: last.sequence, mac: last.mac, db)
    }

    private func storeHead(sequence: Int64, mac: [UInt8], _ db: any StatementRunner) throws {
        let headMAC = try sign(Self.headMessage(sequence, mac), version: keyring.currentVersion)
        try db.run(
            Self.headSQL, [.integer(sequence), .blob(mac), .blob(headMAC), .integer(Int64(keyring.currentVersion))])
    }

    private static let headSQL = """
        INSERT INTO auditHead (id, seq, mac, headMac, keyVersion) VALUES (1, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, headMac = excluded.headMac,
            keyVersion = excluded.keyVersion
        """

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
