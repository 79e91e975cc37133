import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

@Suite("Bad input gets a clear 4xx and changes nothing")
struct BadInputTests {
    struct Case: Sendable {
        let name: String
        let method: HTTPRequest.Method
        let path: String
        let token: String?  // a key into the fixture's token table
        let body: String?
        let status: HTTPResponse.Status
        let code: String
        var contentType: String? = "application/json"
    }

    static let device = #""device": {"serialNumber": "ABC123", "platform": "ios"}"#
    static let cases: [Case] = [
        Case(
            name: "malformed JSON", method: .post, path: "/v1/sessions", token: "admin", body: #"{"scenario": "#,
            status: .badRequest, code: "invalid_json"),
        Case(
            name: "JSON that is not an object", method: .post, path: "/v1/sessions", token: "admin", body: "[1,2]",
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "wrong type", method: .post, path: "/v1/sessions", token: "admin",
            body: #"{"scenario": "fido2Registration", "userPrincipalName": ["ada@contoso.example"]}"#,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "unknown scenario", method: .post, path: "/v1/sessions", token: "admin",
            body: #"{"scenario": "teleport", "userPrincipalName": "ada@contoso.example"}"#, status: .badRequest,
            code: "invalid_request"),
        Case(
            name: "unknown platform", method: .post, path: "/v1/sessions", token: "admin",
            body:
                #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", "device": {"serialNumber": "A1", "platform": "beos"}}"#,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "missing device", method: .post, path: "/v1/sessions", token: "admin",
            body: #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example"}"#, status: .badRequest,
            code: "invalid_request"),
        Case(
            name: "user principal name outside the grammar", method: .post, path: "/v1/sessions", token: "admin",
            body: #"{"scenario": "fido2Registration", "userPrincipalName": "ada lovelace@contoso.example"}"#,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "serial outside the grammar", method: .post, path: "/v1/sessions", token: "admin",
            body:
                #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", "device": {"serialNumber": "A1;DROP", "platform": "ios"}}"#,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "lifetime below policy", method: .post, path: "/v1/sessions", token: "admin",
            body:
                #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", \#(device), "pass": {"lifetimeInMinutes": 5}}"#,
            status: .unprocessableContent, code: "policy_violation"),
        Case(
            name: "lifetime above policy", method: .post, path: "/v1/sessions", token: "admin",
            body:
                #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", \#(device), "pass": {"lifetimeInMinutes": 100000}}"#,
            status: .unprocessableContent, code: "policy_violation"),
        Case(
            name: "isUsableOnce disagrees with maxUses", method: .post, path: "/v1/sessions", token: "admin",
            body:
                #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", \#(device), "pass": {"maxUses": 2, "isUsableOnce": true}}"#,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "reason with control characters", method: .post, path: "/v1/sessions", token: "admin",
            body:
                #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example", "reason": "a\u0007b"}"#,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "form-encoded body", method: .post, path: "/v1/sessions", token: "admin", body: "scenario=x",
            status: .unsupportedMediaType, code: "unsupported_media_type",
            contentType: "application/x-www-form-urlencoded"),
        Case(
            name: "a 10 MB body", method: .post, path: "/v1/sessions", token: "admin",
            body: "{\"reason\": \"" + String(repeating: "x", count: 10_000_000) + "\"}", status: .contentTooLarge,
            code: "payload_too_large"),
        Case(
            name: "a bad id in a path", method: .get, path: "/v1/sessions/..%2F..%2Fetc", token: "admin", body: nil,
            status: .notFound, code: "not_found"),
        Case(
            name: "an id that does not exist", method: .post,
            path: "/v1/sessions/01a2188d-7c2c-7a00-be99-26f7f98d8209/cancel",
            token: "admin", body: nil, status: .notFound, code: "not_found"),
        Case(
            name: "no token", method: .get, path: "/v1/sessions", token: nil, body: nil, status: .unauthorized,
            code: "unauthorized"),
        Case(
            name: "unknown token", method: .get, path: "/v1/sessions", token: "unknown", body: nil,
            status: .unauthorized, code: "unauthorized"),
        Case(
            name: "expired token", method: .get, path: "/v1/sessions", token: "expired", body: nil,
            status: .unauthorized, code: "token_expired"),
        Case(
            name: "revoked token", method: .get, path: "/v1/sessions", token: "revoked", body: nil,
            status: .unauthorized, code: "token_revoked"),
        Case(
            name: "token bound to another address", method: .get, path: "/v1/sessions", token: "bound", body: nil,
            status: .forbidden, code: "source_not_allowed"),
        Case(
            name: "auditor creating a session", method: .post, path: "/v1/sessions", token: "auditor",
            body: #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example"}"#, status: .forbidden,
            code: "forbidden"),
        Case(
            name: "kiosk reading another site's session", method: .get, path: "/v1/sessions/{other-site}",
            token: "kiosk", body: nil,
            status: .notFound, code: "not_found"),
        Case(
            name: "kiosk creating for another site", method: .post, path: "/v1/sessions", token: "kiosk",
            body: #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example", "site": "site-2"}"#,
            status: .forbidden, code: "forbidden"),
        Case(
            name: "kiosk minting for a privileged user", method: .post, path: "/v1/sessions", token: "kiosk",
            body: #"{"scenario": "fido2Registration", "userPrincipalName": "Global.Admin@contoso.example"}"#,
            status: .forbidden, code: "subject_not_allowed"),
        Case(
            name: "session token on an operator route", method: .get, path: "/v1/sessions", token: "session", body: nil,
            status: .forbidden, code: "forbidden"),
        Case(
            name: "bad query value", method: .get, path: "/v1/sessions?state=sleeping", token: "admin", body: nil,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "bad cursor", method: .get, path: "/v1/sessions?cursor=zzz", token: "admin", body: nil,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "limit out of range", method: .get, path: "/v1/sessions?limit=100000", token: "admin", body: nil,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "redeem with a malformed user principal name", method: .post, path: "/v1/redeem", token: nil,
            body: #"{"userPrincipalName": "nobody", "temporaryAccessPass": "AAAA-BBBB-CCCC"}"#, status: .badRequest,
            code: "invalid_request"),
        Case(
            name: "redeem with garbage for a pass", method: .post, path: "/v1/redeem", token: nil,
            body:
                #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "\u0000'; DROP TABLE pass;--"}"#,
            status: .unauthorized, code: "invalid_pass"),
        Case(
            name: "check-in with an operator token", method: .post, path: "/v1/enrollment/device", token: "admin",
            body: #"{"serialNumber": "ABC123"}"#, status: .forbidden, code: "forbidden"),
        Case(
            name: "check-in for another device", method: .post, path: "/v1/enrollment/device", token: "session",
            body: #"{"serialNumber": "NOT-THIS-ONE"}"#, status: .conflict, code: "conflict"),
        Case(
            name: "unknown route", method: .get, path: "/v1/teleport", token: "admin", body: nil, status: .notFound,
            code: "not_found"),
        Case(
            name: "a method the route does not take", method: .put, path: "/v1/sessions", token: "admin", body: nil,
            status: .methodNotAllowed, code: "method_not_allowed"),
        Case(
            name: "a reason that is short in characters but long in code points", method: .post, path: "/v1/sessions",
            token: "admin",
            body: #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example", "reason": ""#
                + String(repeating: #"e\u0301"#, count: 300) + #""}"#,
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "policy patch with an unknown key set to null", method: .patch, path: "/v1/policy", token: "admin",
            body: #"{"defualts": null}"#, status: .badRequest, code: "invalid_request"),
        Case(
            name: "policy patch with an unknown setting set to null", method: .patch, path: "/v1/policy",
            token: "admin",
            body: #"{"defaults": {"maximumUsess": null}}"#, status: .badRequest, code: "invalid_request"),
        Case(
            name: "policy patch that is not an object", method: .patch, path: "/v1/policy", token: "admin", body: "42",
            status: .badRequest, code: "invalid_request"),
        Case(
            name: "operator with a role that does not exist", method: .post, path: "/v1/operators", token: "admin",
            body: #"{"name": "x", "role": "root"}"#, status: .badRequest, code: "invalid_request"),
        Case(
            name: "kiosk operator without a site", method: .post, path: "/v1/operators", token: "admin",
            body: #"{"name": "x", "role": "kiosk"}"#, status: .badRequest, code: "invalid_request"),
    ]

    @Test func everyBadInputIsRefusedWithItsCodeAndWritesNothing() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        _ = try await fixture.store.patchPolicy(
            .object(["privilegedSubjects": .array(["global.admin@contoso.example"])]), by: fixture.adminIdentity())
        var tokens: [String: String] = [
            "admin": fixture.adminToken, "kiosk": try await fixture.token(.kiosk, site: "site-1"),
            "auditor": try await fixture.token(.auditor), "unknown": "tso_" + String(repeating: "a", count: 32),
            "expired": try await fixture.token(.helpdesk, expiresAt: fixture.clock.now.addingTimeInterval(1)),
            "bound": try await fixture.token(.helpdesk, allowedSources: ["192.0.2.0/24"]),
        ]
        let (revokedOperator, revokedToken) = try await fixture.store.createOperator(
            NewOperator(name: "gone", role: .helpdesk), by: nil)
        _ = try await fixture.store.revokeOperator(revokedOperator.identity.id, by: fixture.adminIdentity())
        tokens["revoked"] = revokedToken.value
        // A session of another site, and a session token of an enrollment under way.
        let admin = try await fixture.adminIdentity()
        guard
            case .created(let other) = try await fixture.store.createSession(
                NewSession(
                    scenario: .fido2Registration, userPrincipalName: UserPrincipalName("bob@contoso.example")!,
                    site: SiteName("site-2")),
                by: admin)
        else { throw CancellationError() }
        guard
            case .created(let underWay) = try await fixture.store.createSession(
                NewSession(
                    scenario: .deviceEnrollment, userPrincipalName: UserPrincipalName("carol@contoso.example")!,
                    device: DeviceDescription(serialNumber: SerialNumber("ABC123")!, platform: .ios)),
                by: admin),
            case .admitted(_, let sessionToken) = try await fixture.store.redeem(
                user: underWay.session.userPrincipalName,
                pass: PresentedPass(underWay.pass))
        else { throw CancellationError() }
        tokens["session"] = sessionToken.value
        fixture.clock.advance(seconds: 2)  // the "expired" token is now past its time

        let tokenTable = tokens
        let before = try await snapshot(fixture)
        try await fixture.application().test(.router) { client in
            for testCase in Self.cases {
                var headers = HTTPFields()
                if let name = testCase.token { headers[.authorization] = "Bearer \(tokenTable[name]!)" }
                if testCase.body != nil, let type = testCase.contentType { headers[.contentType] = type }
                let path = testCase.path.replacingOccurrences(of: "{other-site}", with: other.session.id.rawValue)
                let response = try await client.execute(
                    uri: path, method: testCase.method, headers: headers,
                    body: testCase.body.map { ByteBuffer(string: $0) })
                #expect(response.status == testCase.status, "\(testCase.name): status \(response.status)")
                #expect(response.problemCode == testCase.code, "\(testCase.name): \(response.text.prefix(300))")
                #expect(response.headers[.contentType] == "application/problem+json", "\(testCase.name)")
            }
        }
        #expect(try await snapshot(fixture) == before, "a refused request changed stored data")
    }

    /// Counts of every table that a request could change (the audit log included).
    private func snapshot(_ fixture: HTTPFixture) async throws -> [String: Int] {
        let queue = try DatabaseQueue(path: fixture.directory.appendingPathComponent("tapstation.sqlite").path)
        return try await queue.read { db in
            var counts: [String: Int] = [:]
            for table in [
                "session", "pass", "device", "operator", "sessionToken", "auditEvent", "policy", "idempotencyKey",
            ] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)")
            }
            counts["sessionStates"] = try Int.fetchOne(db, sql: "SELECT SUM(length(state)) FROM session")
            return counts
        }
    }
}

@Suite("Refused requests on the record")
struct RefusalAuditTests {
    @Test func refusalsAreCountedPerCallerAndAuditedInAggregate() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let ledger = RefusalLedger()
        let auditor = try await fixture.token(.auditor)
        try await fixture.application(refusals: ledger).test(.router) { client in
            for _ in 0..<3 { _ = try await client.execute(uri: "/v1/sessions", method: .get) }
            _ = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(auditor),
                body: ByteBuffer(
                    string: #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example"}"#))
            _ = try await client.execute(
                uri: "/v1/redeem", method: .post, headers: HTTPFixture.headers(nil),
                body: ByteBuffer(
                    string: #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "AAAA-BBBB-CCCC"}"#))
        }
        let counts = await ledger.drain()
        #expect(
            counts.contains(RefusalCount(actor: "anonymous", code: "unauthorized", route: "GET /v1/sessions", count: 3))
        )
        #expect(
            counts.contains {
                $0.code == "forbidden" && $0.route == "POST /v1/sessions" && $0.count == 1 && $0.actor != "anonymous"
            })
        #expect(!counts.contains { $0.code == "invalid_pass" }, "redeem refusals are aggregated by the store, not here")
        try await fixture.store.recordRefusals(counts)
        let events = try await fixture.store.auditEvents(type: .requestRefused, limit: 10)
        #expect(events.count == counts.count)
        #expect(await ledger.drain().isEmpty)
    }

    @Test func theLedgerIsBounded() async {
        let ledger = RefusalLedger(maximumKeys: 2)
        for index in 0..<10 { await ledger.record(actor: "a\(index)", code: "forbidden", route: "GET /x") }
        let counts = await ledger.drain()
        #expect(counts.count == 3)
        #expect(counts.reduce(0) { $0 + $1.count } == 10)
    }
}
