import Foundation
import GRDB
import TapCore

/// A point of the audit chain kept outside the database (`audit.anchor` beside `server.key`, and inside every
/// backup): the chain's length and last MAC at some moment, under a MAC of its own.
///
/// The head row proves that no event after it was cut off, but it lives in the same database: deleting every
/// event and the head leaves a chain that verifies as "intact: 0 events" and starts afresh. The anchor, kept
/// where a database writer does not reach, says how long the chain already was. It may lag the chain (it is
/// written every few seconds and at shutdown), never lead it, so a crash never makes a true chain look cut.
public struct AuditAnchor: Sendable, Equatable {
    /// The sequence number of the anchored event.
    public var sequence: Int64
    /// That event's MAC.
    public var mac: [UInt8]
    /// The secret version of ``anchorMAC``.
    public var keyVersion: Int
    /// MAC of the two fields above, so that nobody without the server secret can write a shorter anchor.
    public var anchorMAC: [UInt8]

    /// The anchor of `sequence` and `mac`, signed with the keyring's current version.
    public init?(sequence: Int64, mac: [UInt8], keyring: Keyring) {
        guard let anchorMAC = keyring.mac(.audit, Self.message(sequence, mac), version: keyring.currentVersion) else {
            return nil
        }
        self.init(sequence: sequence, mac: mac, keyVersion: keyring.currentVersion, anchorMAC: anchorMAC)
    }

    init(sequence: Int64, mac: [UInt8], keyVersion: Int, anchorMAC: [UInt8]) {
        self.sequence = sequence
        self.mac = mac
        self.keyVersion = keyVersion
        self.anchorMAC = anchorMAC
    }

    /// Whether the anchor's own MAC holds under `keyring`.
    public func isAuthentic(under keyring: Keyring) -> Bool {
        guard let expected = keyring.mac(.audit, Self.message(sequence, mac), version: keyVersion) else { return false }
        return keyring.constantTimeEqual(expected, anchorMAC)
    }

    private static func message(_ sequence: Int64, _ mac: [UInt8]) -> [UInt8] {
        Array("anchor\u{1F}\(sequence)\u{1F}".utf8) + mac
    }

    /// The file form: a comment line and `key=value` lines.
    public var fileText: String {
        """
        # TapStation audit anchor: the chain was at least this long. Kept beside server.key; do not edit.
        sequence=\(sequence)
        mac=\(Hex.encode(mac))
        keyVersion=\(keyVersion)
        anchorMac=\(Hex.encode(anchorMAC))

        """
    }

    /// Reads the file form; `nil` when it is not one.
    public init?(fileText: String) {
        var fields: [String: String] = [:]
        for line in fileText.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            fields[String(parts[0])] = String(parts[1])
        }
        guard let sequence = fields["sequence"].flatMap({ Int64($0) }), sequence >= 0,
            let mac = fields["mac"].flatMap({ Hex.decode($0) }),
            let keyVersion = fields["keyVersion"].flatMap({ Int($0) }),
            let anchorMAC = fields["anchorMac"].flatMap({ Hex.decode($0) })
        else { return nil }
        self.init(sequence: sequence, mac: mac, keyVersion: keyVersion, anchorMAC: anchorMAC)
    }
}

extension EnrollmentStore {
    /// The chain's present head as an anchor to keep outside the database; `nil` while the chain is empty.
    public func currentAuditAnchor() async throws -> AuditAnchor? {
        let head = try await engine.read { db in
            try db.queryFirst("SELECT seq, mac FROM auditHead WHERE id = 1") { row in
                (sequence: Int64(try row.integer(0)), mac: Array(try row.blob(1)))
            }
        }
        guard let head, head.sequence > 0 else { return nil }
        guard let anchor = AuditAnchor(sequence: head.sequence, mac: head.mac, keyring: keyring) else {
            throw StorageError.unknownKeyVersion(keyring.currentVersion)
        }
        return anchor
    }

    /// Checks, without walking the chain, that it still reaches `anchor` (the event there has the anchor's MAC,
    /// or retention's checkpoint is past it) and that it was not emptied or restarted under existing
    /// operators. Cheap enough for every start; `nil` when it holds, otherwise what is wrong.
    public func auditChainProblem(anchor: AuditAnchor?) async throws -> String? {
        try await engine.read { db in try AuditChain.problem(db, anchor: anchor, keyring: keyring) }
    }
}
