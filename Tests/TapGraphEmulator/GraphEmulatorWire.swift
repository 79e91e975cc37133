import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

// The emulator's value types and its wire helpers (routes, paths, forms, JSON answers, dates, base64url),
// apart from the state and the serving in GraphEmulator.swift.
extension GraphEmulator {
    /// What Entra does with a second Temporary Access Pass for a user.
    public enum OneTapFlavour: Sendable {
        /// Current documented behaviour: the new pass replaces the old one.
        case replace
        /// Older behaviour: the create is refused while the user has one.
        case refuse
    }

    /// Which calls a scripted fault hits.
    public enum Route: Sendable, Equatable {
        case any, token, tapList, tapGet, tapCreate, tapDelete, managedDevices, fido2Methods, policy, batch
    }

    /// A Temporary Access Pass as the emulator holds it.
    public struct StoredPass: Sendable, Equatable {
        public var id: String
        public var value: String
        public var createdAt: Date
        public var startAt: Date
        public var lifetimeInMinutes: Int
        public var isUsableOnce: Bool
        public var used: Bool
    }

    /// A request as it reached the emulator (the raw, still percent-encoded target).
    public struct Seen: Sendable, Equatable {
        public var method: String
        public var target: String
        public var route: Route
        public var at: Date
        public var body: String
        /// It came inside a `$batch` call (which is itself seen, as `.batch`).
        public var batched: Bool
    }

    /// An answer before it is sent: on its own as an HTTP response, or as one entry of a batch's answer.
    struct Answer {
        var status: Int
        /// The JSON body; `nil` for none.
        var object: Any?
        var headers: [String: String] = [:]

        var response: Response {
            var fields: HTTPFields = [:]
            for (name, value) in headers {
                if let name = HTTPField.Name(name) { fields[name] = value }
            }
            guard let object else { return Response(status: HTTPResponse.Status(code: status), headers: fields) }
            fields[.contentType] = "application/json"
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return Response(
                status: HTTPResponse.Status(code: status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    struct Fault {
        var route: Route
        var status: Int
        var retryAfter: Int?
        var remaining: Int
    }

    // MARK: Helpers

    static func route(method: String, segments: [String]) -> Route {
        switch (method, segments.count) {
        case ("POST", 4) where segments[1] == "oauth2": return .token
        case ("POST", 2) where segments[1] == "$batch": return .batch
        case ("GET", 5) where segments[1] == "policies": return .policy
        case ("GET", 3) where segments[1] == "deviceManagement" && segments[2] == "managedDevices":
            return .managedDevices
        case ("GET", 5) where segments[1] == "users" && segments[4] == "fido2Methods": return .fido2Methods
        case (_, 5) where segments[1] == "users" && segments[4] == "temporaryAccessPassMethods":
            return method == "POST" ? .tapCreate : .tapList
        case (_, 6) where segments[1] == "users" && segments[4] == "temporaryAccessPassMethods":
            return method == "DELETE" ? .tapDelete : .tapGet
        default: return .any
        }
    }

    /// Path segments (still percent-encoded) and the decoded query.
    static func split(_ target: String) -> ([String], [String: String]) {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let segments = (parts.first ?? "").split(separator: "/").map(String.init)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard keyValue.count == 2 else { continue }
                query[keyValue[0].removingPercentEncoding ?? keyValue[0]] = keyValue[1].removingPercentEncoding
            }
        }
        return (segments, query)
    }

    static func form(_ body: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard keyValue.count == 2 else { continue }
            values[keyValue[0]] = keyValue[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return values
    }

    static func graphError(_ status: Int, _ code: String, _ message: String, headers: [String: String] = [:]) -> Answer
    {
        Answer(
            status: status,
            object: [
                "error": [
                    "code": code, "message": message,
                    "innerError": ["request-id": UUID().uuidString, "date": format(Date())],
                ]
            ], headers: headers)
    }

    static func json(_ status: Int, _ object: Any) -> Answer { Answer(status: status, object: object) }

    static func format(_ date: Date, fractional: Bool = false) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions =
            fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func base64URL(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64).map(Array.init)
    }

    static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }
}
