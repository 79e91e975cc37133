import Foundation
import TapCore

extension AuditChain {
    /// Walks the whole chain and reports the first break; then checks that it reaches `anchor` (kept outside
    /// the database) and was not emptied or restarted under existing operators.
    package static func verify(
        _ db: any StatementRunner, anchor: AuditAnchor?, keyring: Keyring
    ) throws -> AuditVerification {
        let walked = try walk(db, keyring: keyring)
        guard case .intact = walked else { return walked }
        if let problem = try problem(db, anchor: anchor, keyring: keyring) {
            return .broken(sequence: anchor?.sequence ?? 1, reason: problem)
        }
        return walked
    }

    private static func walk(_ db: any StatementRunner, keyring: Keyring) throws -> AuditVerification {
        var previousMAC: [UInt8] = []
        var expected: Int64 = 1
        // After a retention purge the chain starts at its checkpoint, whose own MAC must hold.
        if let checkpoint = try signedLink(
            db, "SELECT seq, mac, checkpointMac, keyVersion FROM auditCheckpoint WHERE id = 1")
        {
            let (sequence, mac, checkpointMAC, version) = checkpoint
            guard let expectedMAC = keyring.mac(.audit, checkpointMessage(sequence, mac), version: version),
                keyring.constantTimeEqual(expectedMAC, checkpointMAC)
            else {
                return .broken(sequence: sequence, reason: "the retention checkpoint was altered")
            }
            previousMAC = mac
            expected = sequence + 1
        }
        var broken: AuditVerification?
        try db.query("SELECT \(AuditEventRecord.selection()) FROM auditEvent ORDER BY seq", []) { row in
            guard broken == nil else { return }
            let record = try AuditEventRecord(direct: row, startingAt: 0)
            if record.seq != expected {
                broken = .broken(sequence: expected, reason: "event \(expected) is missing (next is \(record.seq))")
                return
            }
            guard
                let mac = keyring.mac(.audit, message(record, previousMAC: previousMAC), version: record.keyVersion),
                keyring.constantTimeEqual(mac, Array(record.mac))
            else {
                broken = .broken(
                    sequence: record.seq, reason: "event \(record.seq) was altered or its predecessor was")
                return
            }
            previousMAC = mac
            expected += 1
        }
        if let broken { return broken }
        let last = expected - 1
        guard let head = try head(db) else {
            return last == 0 ? .intact(events: 0) : .broken(sequence: last, reason: "the chain head is missing")
        }
        let (headSequence, headLast, headMAC, version) = head
        guard headVerifies(head, keyring: keyring) else {
            return .broken(sequence: headSequence, reason: "the chain head was altered")
        }
        guard headSequence == last, keyring.constantTimeEqual(headLast, previousMAC) else {
            return .broken(
                sequence: min(headSequence, last + 1),
                reason: headSequence > last
                    ? "the log ends at event \(last) but the head records \(headSequence): the tail was cut off"
                    : "the head does not match the last event \(last)")
        }
        return .intact(events: last)
    }

    /// The chain's head: the last event's sequence and MAC, the head's own MAC and its secret version.
    private static func head(
        _ db: any StatementRunner
    ) throws -> (sequence: Int64, last: [UInt8], mac: [UInt8], version: Int)? {
        try signedLink(db, "SELECT seq, mac, headMac, keyVersion FROM auditHead WHERE id = 1")
    }

    /// Whether the head's own MAC is the one this keyring makes for it.
    private static func headVerifies(
        _ head: (sequence: Int64, last: [UInt8], mac: [UInt8], version: Int), keyring: Keyring
    ) -> Bool {
        guard let expected = keyring.mac(.audit, headMessage(head.sequence, head.last), version: head.version) else {
            return false
        }
        return keyring.constantTimeEqual(expected, head.mac)
    }

    /// A row that vouches for a point of the chain (the head, retention's checkpoint): its sequence number, that
    /// event's MAC, its own MAC and the secret version of that.
    private static func signedLink(
        _ db: any StatementRunner, _ sql: String
    ) throws -> (Int64, [UInt8], [UInt8], Int)? {
        try db.queryFirst(sql) { row in
            (Int64(try row.integer(0)), Array(try row.blob(1)), Array(try row.blob(2)), try row.integer(3))
        }
    }

    /// Checks, without walking the chain, that it still reaches `anchor` (the event there has the anchor's MAC,
    /// or retention's checkpoint is past it) and that it was not emptied or restarted under existing
    /// operators; `nil` when it holds, otherwise what is wrong.
    package static func problem(_ db: any StatementRunner, anchor: AuditAnchor?, keyring: Keyring) throws -> String? {
        let checkpointSequence = try db.queryFirst("SELECT seq FROM auditCheckpoint WHERE id = 1") {
            Int64(try $0.integer(0))
        }
        // The head vouches for itself under the secret: another server.key (an instance given the wrong copy, a
        // data directory moved to the wrong database) fails here, before it writes anything the others reject.
        if let head = try head(db), head.sequence > 0, !headVerifies(head, keyring: keyring) {
            return
                "the audit chain's head does not verify under this server.key (secret version \(head.version)): this is not the secret the database was written with, or the head was altered"
        }
        if let anchor {
            guard anchor.isAuthentic(under: keyring) else { return "the audit anchor file was altered" }
            if anchor.sequence > (checkpointSequence ?? 0) {
                let mac = try db.queryFirst("SELECT mac FROM auditEvent WHERE seq = ?", [.integer(anchor.sequence)]) {
                    Array(try $0.blob(0))
                }
                guard let mac else {
                    let newest = try db.queryFirst("SELECT MAX(seq) FROM auditEvent") { row in
                        row.isNull(0) ? nil : Int64(try row.integer(0))
                    }
                    let last = newest.flatMap { $0 } ?? checkpointSequence ?? 0
                    return
                        "the chain ends at event \(last) but its anchor records event \(anchor.sequence): events were deleted or the log was restarted"
                }
                guard keyring.constantTimeEqual(mac, anchor.mac) else {
                    return "event \(anchor.sequence) is not the one its anchor records: the chain was rewritten"
                }
            }
        }
        // Every operator's creation is an audit event, so operators older than the chain's first event (with no
        // retention checkpoint to explain it) mean the chain was emptied and started again.
        guard checkpointSequence == nil else { return nil }
        let firstOperator = try db.queryFirst("SELECT MIN(createdAt) FROM operator") { try $0.optionalDate(0) }
        guard let firstOperator = firstOperator.flatMap({ $0 }) else { return nil }
        let firstEvent = try db.queryFirst("SELECT seq, time FROM auditEvent ORDER BY seq LIMIT 1") { row in
            (Int64(try row.integer(0)), try row.date(1))
        }
        guard let (sequence, time) = firstEvent else {
            return "the audit chain is empty but operators exist: the log was wiped"
        }
        // The operator's time is whole seconds and its event's is read a moment later with milliseconds: a
        // writer stalled at the end of a second puts them more than a second apart, so allow a few.
        if sequence != 1 || time.timeIntervalSince(firstOperator) > firstOperatorEventSlack {
            return "the audit chain starts after the first operator was created: the log was wiped and started again"
        }
        return nil
    }

    /// How long after the first operator's (whole-second) creation time its own event may be stamped.
    static let firstOperatorEventSlack: TimeInterval = 5
}
