import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapCore
import Testing
import Yams

@testable import TapHTTP

/// The contract, `Sources/TapHTTP/API/openapi.yaml`, as the binary embeds and serves it, read with a YAML parser.
enum Contract {
    /// The served text: the bytes SwiftPM compiled into TapHTTP.
    static var text: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }

    /// The whole document; times stay strings, as a JSON client would send them.
    static func document() throws -> [String: Any] {
        try #require(mapping(try Yams.load(yaml: text, Resolver.default.removing(.timestamp))))
    }

    /// Every operation by `METHOD /path`, as the router names routes.
    static func operations() throws -> [String: [String: Any]] {
        var found: [String: [String: Any]] = [:]
        for (path, item) in mapping(try document()["paths"]) ?? [:] {
            let methods: Set = ["get", "put", "post", "patch", "delete"]
            for (method, operation) in mapping(item) ?? [:] where methods.contains(method) {
                found["\(method.uppercased()) \(path)"] = mapping(operation)
            }
        }
        return found
    }

    /// The value at `keys` below `value`, mapping by mapping.
    static func value(_ value: Any?, at keys: String...) -> Any? {
        keys.reduce(value) { mapping($0)?[$1] }
    }

    /// The routes the application registers, with their access rules.
    static func routes(_ fixture: HTTPFixture) -> [RouteDescription] {
        buildRouter(
            configuration: fixture.configuration, store: fixture.store, keyring: fixture.keyring, world: fixture.world
        ).routes
    }

    /// An operation's security requirements: scheme name to scopes (here, the roles or the scenario).
    static func security(_ operation: [String: Any]) -> [[String: Set<String>]] {
        (operation["security"] as? [Any] ?? []).map { requirement in
            (mapping(requirement) ?? [:]).mapValues { Set(($0 as? [Any] ?? []).compactMap { $0 as? String }) }
        }
    }

    /// A YAML mapping with string keys (Yams gives `[AnyHashable: Any]`).
    static func mapping(_ value: Any?) -> [String: Any]? {
        if let strings = value as? [String: Any] { return strings }
        guard let any = value as? [AnyHashable: Any] else { return nil }
        return Dictionary(uniqueKeysWithValues: any.map { ("\($0.key.base)", $0.value) })
    }

    /// A YAML value as JSONSerialization takes it.
    static func json(_ value: Any?) -> Any {
        if let object = mapping(value) { return object.mapValues { json($0) } }
        if let array = value as? [Any] { return array.map { json($0) } }
        return value ?? NSNull()
    }
}

@Suite("API description")
struct OpenAPISpecTests {
    /// Every route the router serves is in `/openapi.yaml`, and the spec names no route the router lacks.
    @Test func specAndRoutesAgree() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let routes = Contract.routes(fixture)
        let served = Set(routes.map { "\($0.method) \($0.path)" })
        #expect(served.count == routes.count, "a route is registered twice")
        let documented = Set(try Contract.operations().keys)
        #expect(!documented.isEmpty)
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }

    @Test func wrongMethodsAre405WithAllowAndHeadFollowsGet() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let wrong = try await client.execute(
                uri: "/v1/sessions/01a2188d-7c2c-7a00-be99-26f7f98d8209", method: .delete)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET, HEAD")
            let head = try await client.execute(uri: "/healthz", method: .head)
            #expect(head.status == .ok)
        }
    }

    @Test func specIsServed() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.text.hasPrefix("openapi: 3.1"))
            #expect(response.text == Contract.text, "the served document is the embedded file, unchanged")
            #expect(response.headers[.contentType] == "application/yaml; charset=utf-8")
            let health = try await client.execute(uri: "/readyz", method: .get)
            #expect(health.text.contains("\"journalMode\":\"wal\""))
        }
    }

    /// Each operation's security requirements name exactly the roles (as scopes) that the route's access rule
    /// admits, and its description's "Roles:" sentence says the same.
    @Test func rolesMatchAccessRules() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let routes = Contract.routes(fixture)
        let operations = try Contract.operations()
        let everyRole = Set(Role.allCases.map(\.rawValue))
        for route in routes {
            let operation = try #require(operations[route.description], "\(route) is not in the spec")
            let requirements = Contract.security(operation)
            let expected: [[String: Set<String>]]
            switch route.access {
            case .anyone:
                // No credential, or one the handler itself checks: the board's or the console's cookie, or a token that `/metrics`
                // takes from anywhere but loopback (`{}` in the list says "or none").
                let noneOrCookie = requirements.allSatisfy {
                    [["boardCookie"], ["consoleCookie"]].contains(Array($0.keys))
                }
                let optional = requirements.contains { $0.isEmpty }
                #expect(noneOrCookie || optional, "\(route) is open to anyone, the spec asks for \(requirements)")
                continue
            case .operators(let roles):
                expected = [["operatorToken": Set(roles.map(\.rawValue))]]
            case .sessionToken(let scenario):
                expected = [["sessionToken": [scenario.rawValue]]]
            case .sessionTokenOrOperators(let scenario, let roles):
                expected = [["sessionToken": [scenario.rawValue]], ["operatorToken": Set(roles.map(\.rawValue))]]
            }
            #expect(requirements == expected, "\(route): the spec asks for \(requirements), the router \(route.access)")
            if let roles = expected.compactMap({ $0["operatorToken"] }).first, expected.count == 1 {
                #expect(
                    Self.rolesSentence(operation["description"] as? String ?? "", everyRole: everyRole) == roles,
                    "\(route): the description's Roles sentence disagrees")
            }
        }
    }

    /// The roles a description's first line names: `Roles: admin, helpdesk.` or `Roles: any operator.`.
    private static func rolesSentence(_ description: String, everyRole: Set<String>) -> Set<String>? {
        guard let line = description.split(separator: "\n").first, line.hasPrefix("Roles:") else { return nil }
        let list = line.dropFirst("Roles:".count)
        if list.contains("any operator") { return everyRole }
        let names = list.prefix { $0 != "." && $0 != "(" }.components(separatedBy: ", with").first ?? ""
        return Set(names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }
}

@Suite("Problem codes")
struct ProblemCodeContractTests {
    /// The spec's list of codes is exactly ``ProblemCode``, and it documents the two families.
    @Test func specListsExactlyTheEnum() throws {
        let document = try Contract.document()
        let code = try #require(
            Contract.mapping(Contract.value(document, at: "components", "schemas", "Problem", "properties", "code")))
        let choices = (code["anyOf"] as? [Any] ?? []).compactMap { Contract.mapping($0) }
        let listed = choices.compactMap { $0["enum"] as? [Any] }.flatMap { $0 }.compactMap { $0 as? String }
        #expect(listed.count == Set(listed).count, "a code is listed twice")
        #expect(Set(listed) == Set(ProblemCode.allCases.map(\.rawValue)))
        let patterns = Set(choices.compactMap { $0["pattern"] as? String })
        #expect(patterns == ["^webauthn_[a-z0-9_]+$", "^http_[0-9]{3}$"])
    }

    /// Every code the document mentions anywhere (in backquotes) is one the server has.
    @Test func everyCodeTheSpecMentionsExists() throws {
        let known = Set(ProblemCode.allCases.map(\.rawValue))
        let mentioned = try Regex(#"`([a-z0-9]+(?:_[a-z0-9]+)+)`"#)
        let text = Contract.text
        let names = Set(text.matches(of: mentioned).map { String(text[$0.range].dropFirst().dropLast()) })
        #expect(!names.isEmpty)
        let unknown = names.filter { !known.contains($0) && !$0.hasPrefix(ProblemCode.webAuthnPrefix) }
        #expect(unknown.sorted() == [], "the spec names codes the server does not have")
    }

    /// Every case is written somewhere in TapHTTP outside its declaration, so every documented code can be emitted.
    @Test func everyCodeIsUsed() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/TapHTTP")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var text = ""
        for case let file as URL in files
        where file.pathExtension == "swift" && file.lastPathComponent != "ProblemCode.swift" {
            text += try String(contentsOf: file, encoding: .utf8)
        }
        #expect(text.contains("APIError"), "the sources were not found at \(sources.path)")
        // `code: .x` or `ProblemCode.x`: a bare `.x` could be the HTTP status of the same name.
        let unused = ProblemCode.allCases.filter { code in
            !["code: .\(code)", "ProblemCode.\(code)"].contains { written in
                text.contains(try! Regex("\(NSRegularExpression.escapedPattern(for: written))\\b"))
            }
        }
        #expect(unused.map(\.rawValue) == [], "documented codes that nothing emits")
    }
}

@Suite("Spec examples")
struct OpenAPIExampleTests {
    /// Sends every request-body example in the spec (and each row example of the batch create) to the server with
    /// a token the operation admits. The rule: a 400 or 422 is the example's own fault and fails the test; any
    /// other answer is fine, because it depends on what the server holds (404 for the made-up id in the path,
    /// 401 for a pass or enrolment code that was never issued, 409 for a state). No example may carry an
    /// absolute time the server compares with its clock; the spec has none today, so none is skipped.
    @Test func everyRequestExampleIsAccepted() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        var tokens: [String: String] = ["admin": fixture.adminToken]
        for role in Role.allCases where role != .admin { tokens[role.rawValue] = try await fixture.token(role) }
        let tokensByRole = tokens
        let sent = try await fixture.application().test(.router) { client -> [String] in
            let operations = try Contract.operations()
            var sent: [String] = []
            for (route, operation) in operations.sorted(by: { $0.key < $1.key }) {
                let content = Contract.mapping(Contract.value(operation, at: "requestBody", "content")) ?? [:]
                for (mediaType, entry) in content {
                    let media = Contract.mapping(entry) ?? [:]
                    var examples: [Any] = media["example"].map { [$0] } ?? []
                    for named in (Contract.mapping(media["examples"]) ?? [:]).values {
                        if let value = Contract.mapping(named)?["value"] { examples.append(value) }
                    }
                    for example in examples {
                        let body = try JSONSerialization.data(withJSONObject: Contract.json(example))
                        let status = try await Self.send(
                            route, body: body, mediaType: mediaType, operation: operation, tokens: tokensByRole,
                            client: client)
                        #expect(![400, 422].contains(status.code), "\(route) \(mediaType) refused it: \(status)")
                        sent.append(route)
                    }
                }
            }
            // The batch's rows are one schema's examples, each answered in its own item.
            let rows = try #require(Self.batchRowExamples())
            let body = try JSONSerialization.data(withJSONObject: ["sessions": rows])
            let operation = try #require(operations["POST /v1/sessions/batch"])
            let response = try await Self.execute(
                "POST /v1/sessions/batch", body: body, mediaType: "application/json", operation: operation,
                tokens: tokensByRole, client: client)
            #expect(response.status.code == 207, "\(response.text)")
            let answer = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
            let items = try #require(Contract.value(answer, at: "items") as? [Any])
            for item in items {
                let status = Contract.mapping(item)?["status"] as? Int ?? 0
                #expect(![400, 422].contains(status), "a batch row example was refused: \(item)")
            }
            sent.append("POST /v1/sessions/batch")
            return sent
        }
        #expect(sent.count >= 6, "the spec's examples were not found: \(sent)")
    }

    private static func batchRowExamples() -> [Any]? {
        let rows = Contract.value(
            try? Contract.document(),
            at: "components", "schemas", "CreateSessionBatchRequest", "properties", "sessions", "items", "examples")
        return (rows as? [Any])?.map { Contract.json($0) }
    }

    private static func send(
        _ route: String, body: Data, mediaType: String, operation: [String: Any], tokens: [String: String],
        client: some TestClientProtocol
    ) async throws -> HTTPResponse.Status {
        try await execute(route, body: body, mediaType: mediaType, operation: operation, tokens: tokens, client: client)
            .status
    }

    /// One request for `route` (`METHOD /path`): made-up path ids, and the first role the operation admits.
    private static func execute(
        _ route: String, body: Data, mediaType: String, operation: [String: Any], tokens: [String: String],
        client: some TestClientProtocol
    ) async throws -> TestResponse {
        let parts = route.split(separator: " ", maxSplits: 1)
        let path = String(parts[1])
            .replacingOccurrences(of: "{id}", with: "01a2188d-7c2c-7a00-be99-26f7f98d8209")
            .replacingOccurrences(of: "{userPrincipalName}", with: "ada@contoso.example")
        var headers: HTTPFields = [.contentType: mediaType]
        let requirements = (operation["security"] as? [Any] ?? []).compactMap { Contract.mapping($0) }
        if let roles = requirements.compactMap({ $0["operatorToken"] as? [Any] }).first {
            let role = roles.contains { $0 as? String == "admin" } ? "admin" : roles.first as? String ?? "admin"
            headers[.authorization] = "Bearer \(tokens[role]!)"
        }
        return try await client.execute(
            uri: path, method: HTTPRequest.Method(String(parts[0]))!, headers: headers, body: ByteBuffer(bytes: body))
    }
}
