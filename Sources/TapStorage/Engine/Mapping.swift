import Foundation
import GRDB
import TapCore

// Record -> domain conversions. A row that does not parse means the file was edited by hand or by a newer
// version; that is reported, never guessed around.

let jsonEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
}()

let jsonDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}()

/// A time inside audit data: RFC 3339 UTC, whole seconds, like the API.
func auditTime(_ date: Date) -> JSONValue {
    .string(UTCTime.rfc3339(date))
}

/// Audit data as compact JSON with sorted keys, written by hand: it is encoded once or twice inside every
/// write transaction, where `JSONEncoder` was a fifth of the audit cost.
func encodeAuditData(_ data: [String: JSONValue]) -> String {
    var out = [UInt8]()
    out.reserveCapacity(256)
    writeJSON(.object(data), to: &out)
    return String(decoding: out, as: UTF8.self)
}

private func writeJSON(_ value: JSONValue, to out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
    case .number(let number):
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            out.append(contentsOf: String(Int64(number)).utf8)
        } else if number.isFinite {
            out.append(contentsOf: "\(number)".utf8)
        } else {
            out.append(contentsOf: "null".utf8)  // JSON has no NaN or infinity
        }
    case .string(let text): out.appendJSONString(text)
    case .array(let items):
        out.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeJSON(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    case .object(let members):
        out.append(UInt8(ascii: "{"))
        for (index, key) in members.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendJSONString(key)
            out.append(UInt8(ascii: ":"))
            writeJSON(members[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

func encodeJSON<T: Encodable>(_ value: T) -> String {
    // Encoding our own plain values cannot fail.
    String(decoding: try! jsonEncoder.encode(value), as: UTF8.self)
}

func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
    do {
        return try jsonDecoder.decode(type, from: Data(text.utf8))
    } catch {
        throw StorageError.corruptRow(what)
    }
}

func parse<T>(_ value: T?, _ what: @autoclosure () -> String) throws -> T {
    guard let value else { throw StorageError.corruptRow(what()) }
    return value
}

extension DeviceRecord {
    func domain() throws -> Device {
        Device(
            id: try parse(DeviceID(id), "device.id \(id)"),
            serialNumber: try parse(SerialNumber(serialNumber), "device.serialNumber"),
            platform: try parse(DevicePlatform(rawValue: platform), "device.platform"),
            model: model, assetTag: assetTag,
            site: try parse(SiteName(site), "device.site"),
            enrollmentState: try parse(EnrollmentState(rawValue: enrollmentState), "device.enrollmentState"),
            mdmDeviceID: mdmDeviceId, lastSeenAt: lastSeenAt, createdAt: createdAt)
    }
}

extension SessionRecord {
    /// The policy settings in force for this session's site and scenario.
    func settings(in policy: Policy) throws -> EffectiveSettings {
        policy.effectiveSettings(
            site: try parse(SiteName(site), "session.site"),
            scenario: try parse(Scenario(rawValue: scenario), "session.scenario"))
    }

    var sessionState: SessionState {
        get throws { try parse(SessionState(rawValue: state), "session.state \(state)") }
    }

    func domain(device: DeviceRecord?, pass: PassRecord?) throws -> Session {
        var session = Session(
            id: try parse(SessionID(id), "session.id \(id)"),
            scenario: try parse(Scenario(rawValue: scenario), "session.scenario"),
            storedState: try sessionState,
            site: try parse(SiteName(site), "session.site"),
            userPrincipalName: try parse(UserPrincipalName(userPrincipalName), "session.userPrincipalName"),
            device: try device?.domain(),
            createdBy: try parse(OperatorID(createdBy), "session.createdBy"),
            reason: reason,
            proofing: try proofing.map { try decodeJSON(Proofing.self, $0, what: "session.proofing") },
            createdAt: createdAt, updatedAt: updatedAt, completionDeadline: completionDeadline,
            firstUsedAt: firstUsedAt, closedAt: closedAt, pass: pass?.terms)
        session.approval = try approval.map { try decodeJSON(Approval.self, $0, what: "session.approval") }
        session.isPrivilegedSubject = privilegedSubject
        return session
    }
}

extension OperatorRecord {
    func domain() throws -> Operator {
        let identity = OperatorIdentity(
            id: try parse(OperatorID(id), "operator.id"), name: name,
            role: try parse(Role(rawValue: role), "operator.role"),
            site: try site.map { try parse(SiteName($0), "operator.site") },
            userPrincipalName: try userPrincipalName.map {
                try parse(UserPrincipalName($0), "operator.userPrincipalName")
            },
            allowedSubjects: try decodeJSON([SubjectPattern].self, allowedSubjects, what: "operator.allowedSubjects"))
        return Operator(
            identity: identity, createdAt: createdAt,
            createdBy: try createdBy.map { try parse(OperatorID($0), "operator.createdBy") },
            expiresAt: expiresAt, revokedAt: revokedAt,
            allowedSources: try decodeJSON([String].self, allowedSources, what: "operator.allowedSources"))
    }
}

extension AuditEventRecord {
    func domain() throws -> AuditEvent {
        AuditEvent(
            sequence: seq, time: time, type: try parse(AuditEventType(rawValue: type), "auditEvent.type \(type)"),
            sessionID: try sessionId.map { try parse(SessionID($0), "auditEvent.sessionId") }, actor: actor, data: data)
    }
}

extension EnrollmentStore {
    /// Loads sessions with their devices and latest passes, in the order of `records`.
    static func sessions(_ records: [SessionRecord], db: any StatementRunner) throws -> [Session] {
        guard !records.isEmpty else { return [] }
        let deviceIDs = Array(Set(records.compactMap(\.deviceId)))
        let devices =
            deviceIDs.isEmpty
            ? []
            : try DeviceRecord.loadAll(
                db, "WHERE id IN (\(databaseQuestionMarks(count: deviceIDs.count)))", deviceIDs.map(\.directValue),
                varying: true)
        let devicesByID = Dictionary(devices.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sessionIDs = records.map(\.id)
        // The latest pass of each session: live if there is one, else the last revoked one.
        var latestPass: [String: PassRecord] = [:]
        for pass in try PassRecord.loadAll(
            db, "WHERE sessionId IN (\(databaseQuestionMarks(count: sessionIDs.count))) ORDER BY id",
            sessionIDs.map(\.directValue), varying: true)
        {
            latestPass[pass.sessionId] = pass
        }
        return try records.map { record in
            let pass = latestPass[record.id]
            var session = try record.domain(device: record.deviceId.flatMap { devicesByID[$0] }, pass: pass)
            session.entra = try entraStatus(of: pass, db: db)
            return session
        }
    }

    /// One session with its device and latest pass, through cached statements read by column position (it is
    /// read back by every write use case that answers a session, on the writer).
    static func session(id: String, db: any StatementRunner) throws -> Session? {
        guard let record = try SessionRecord.load(db, id) else { return nil }
        let device = try record.deviceId.flatMap { try DeviceRecord.load(db, $0) }
        let pass = try PassRecord.loadFirst(db, "WHERE sessionId = ? ORDER BY id DESC LIMIT 1", [.text(record.id)])
        var session = try record.domain(device: device, pass: pass)
        session.entra = try entraStatus(of: pass, db: db)
        return session
    }

    /// Entra's side of a pass. Only Entra passes have an empty digest (their value is stored nowhere, not even
    /// as a MAC), so a local pass costs no lookup.
    static func entraStatus(of pass: PassRecord?, db: any StatementRunner) throws -> EntraPassStatus? {
        guard let pass, pass.digest.isEmpty else { return nil }
        return try EntraPassRecord.load(db, pass.id)?.status
    }
}

/// Splits a `LIMIT limit + 1` result into a page and its cursor: the extra row only says that more exist.
func pageOf<Record>(_ records: [Record], limit: Int, id: (Record) -> String) -> (records: [Record], nextCursor: String?)
{
    guard records.count > limit else { return (records, nil) }
    let page = Array(records.prefix(limit))
    return (page, page.last.map(id))
}
