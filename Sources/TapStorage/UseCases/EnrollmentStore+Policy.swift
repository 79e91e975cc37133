import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    func loadPolicy(_ db: Database) throws -> Policy {
        // Every create and redeem asks, on the writer, and the policy changes rarely: the stored document is
        // compared in place with the one last decoded, and only a different one is read out and decoded.
        // It is still read each time, since the CLI may have changed it from another process.
        let cached = policyCache.withLock { $0 }
        var policy: Policy?
        try db.queryDirect("SELECT document FROM policy WHERE id = 1") { row in
            if let cached, row.text(0, equals: cached.document) {
                policy = cached.policy
                return
            }
            let document = try row.text(0)
            let decoded = try decodeJSON(Policy.self, document, what: "policy.document")
            policyCache.withLock { $0 = (document, decoded) }
            policy = decoded
        }
        return policy ?? .standard
    }

    /// The policy in force.
    public func policy() async throws -> Policy {
        try await pool.read { db in try loadPolicy(db) }
    }

    /// Applies a JSON merge patch (RFC 7396) to the policy, checks the result, stores it and audits the
    /// change. Unknown keys and values outside the bounds are refused; nothing is stored then.
    public func patchPolicy(_ patch: JSONValue, by actor: OperatorIdentity) async throws -> Policy {
        guard case .object = patch else {
            throw EnrollmentError.invalidRequest(field: "body", reason: "must be a JSON object (a merge patch)")
        }
        if let unknown = Policy.unknownKey(in: patch) {
            throw EnrollmentError.invalidRequest(field: unknown, reason: "is not a policy setting")
        }
        return try await pool.write { db in
            let current = try loadPolicy(db)
            let currentJSON = try jsonDecoder.decode(JSONValue.self, from: jsonEncoder.encode(current))
            let merged = currentJSON.merging(patch: patch)
            let updated: Policy
            do {
                updated = try jsonDecoder.decode(Policy.self, from: jsonEncoder.encode(merged))
            } catch let error as DecodingError {
                throw EnrollmentError.invalidRequest(field: Self.path(of: error), reason: "has the wrong type or value")
            }
            let roundTrip = try jsonDecoder.decode(JSONValue.self, from: jsonEncoder.encode(updated))
            if let unknown = merged.keysMissing(from: roundTrip).first {
                throw EnrollmentError.invalidRequest(field: unknown, reason: "is not a policy setting")
            }
            if let field = updated.fieldWithControlCharacters() {
                throw EnrollmentError.invalidRequest(field: field, reason: "must not contain control characters")
            }
            if let violation = updated.validate() { throw EnrollmentError.policy(violation) }
            try PolicyRecord(id: 1, document: encodeJSON(updated), updatedAt: world.now(), updatedBy: actor.id.rawValue)
                .save(db)
            try appendAudit(db, .policyChanged, session: nil, actor: actor.id.rawValue, data: ["patch": patch])
            return updated
        }
    }

    static func path(of error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
        case .keyNotFound(let key, let c):
            return (c.codingPath + [key]).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        @unknown default: return "body"
        }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "body" : path
    }
}
