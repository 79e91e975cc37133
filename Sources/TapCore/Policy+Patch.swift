import Foundation

extension Policy {
    /// This policy with an RFC 7396 merge patch applied, checked whole: unknown keys, wrong types, control
    /// characters and every bound and combination. One function for the store's save and the console's preview,
    /// so a preview that passes is a save that passes (unless someone else saved first).
    public func applying(mergePatch patch: JSONValue) throws -> Policy {
        guard case .object = patch else {
            throw EnrollmentError.invalidRequest(field: "body", reason: "must be a JSON object (a merge patch)")
        }
        if let unknown = Policy.unknownKey(in: patch) {
            throw EnrollmentError.invalidRequest(field: unknown, reason: "is not a policy setting")
        }
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        let merged = try asJSON().merging(patch: patch)
        let updated: Policy
        do {
            updated = try decoder.decode(Policy.self, from: encoder.encode(merged))
        } catch let error as DecodingError {
            throw EnrollmentError.invalidRequest(field: Self.path(of: error), reason: "has the wrong type or value")
        }
        if let unknown = merged.keysMissing(from: try updated.asJSON()).first {
            throw EnrollmentError.invalidRequest(field: unknown, reason: "is not a policy setting")
        }
        if let field = updated.fieldWithControlCharacters() {
            throw EnrollmentError.invalidRequest(field: field, reason: "must not contain control characters")
        }
        if let violation = updated.validate() { throw EnrollmentError.policy(violation) }
        return updated
    }

    /// The document as a JSON value (absent optionals are absent keys).
    public func asJSON() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(self))
    }

    /// The dotted path of the field a decoding error names (`overrides.bench-1.deviceEnrollment.maximumUses`).
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

extension JSONValue {
    /// The RFC 7396 merge patch that turns `old` into `new`: changed members, `null` for removed ones, nested
    /// objects patched member by member (arrays and other values are replaced whole). Empty when they are equal.
    public static func mergePatch(from old: JSONValue, to new: JSONValue) -> JSONValue {
        guard case .object(let before) = old, case .object(let after) = new else { return new }
        var patch: [String: JSONValue] = [:]
        for key in before.keys where after[key] == nil { patch[key] = .null }
        for (key, value) in after {
            guard let previous = before[key] else {
                patch[key] = value
                continue
            }
            if previous == value { continue }
            if case .object = previous, case .object = value {
                patch[key] = mergePatch(from: previous, to: value)
            } else {
                patch[key] = value
            }
        }
        return .object(patch)
    }

    /// Every leaf (a value that is not an object) by its dotted path; arrays are leaves, empty objects have none.
    public func leaves(prefix: String = "") -> [String: JSONValue] {
        guard case .object(let members) = self else { return [prefix: self] }
        var result: [String: JSONValue] = [:]
        for (key, value) in members {
            result.merge(value.leaves(prefix: prefix.isEmpty ? key : "\(prefix).\(key)")) { first, _ in first }
        }
        return result
    }

    /// The value as compact JSON text with sorted keys, for showing a person.
    public var compactText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }
}
