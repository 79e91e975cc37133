import Foundation
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

@Suite("A body that names a member twice is refused")
struct DuplicateNameTests {
    static let bodies: [(String, String)] = [
        (
            "top level",
            #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example", "userPrincipalName": "bob@contoso.example"}"#
        ),
        (
            "nested",
            #"""
            {"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example",
             "device": {"serialNumber": "C02XK1ZZJG5H", "platform": "ipados", "serialNumber": "OTHER1"}}
            """#
        ),
        (
            "in an escape form",
            #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example", "\u0075serPrincipalName": "bob@contoso.example"}"#
        ),
        (
            "deep, both in escape forms",
            #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example", "pass": {"m\u0061xUses": 1, "\u006daxUses": 2}}"#
        ),
    ]

    @Test(arguments: bodies)
    func aSessionBodyWithADuplicateNameIsInvalidJSONAndCreatesNothing(_ testCase: (String, String)) async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: testCase.1))
            #expect(response.status == .badRequest, "\(testCase.0): \(response.text)")
            #expect(response.problemCode == "invalid_json", "\(testCase.0)")
            #expect(response.headers[.contentType] == "application/problem+json")
        }
        let admin = try #require(try await fixture.store.operators().first).identity
        let sessions = try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: admin, after: nil, limit: 10)
        #expect(sessions.items.isEmpty)
    }

    @Test func aRedeemWithTwoPassesIsInvalidJSON() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/redeem", method: .post, headers: HTTPFixture.headers(nil),
                body: ByteBuffer(
                    string:
                        #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "AAAA-BBBB-CCCC", "temporaryAccessPass": "K7QM-3XRP-HV9T"}"#
                ))
            #expect(response.status == .badRequest)
            #expect(response.problemCode == "invalid_json")
            #expect(try response.decode(Problem.self).detail.contains("member temporaryAccessPass twice"))
        }
    }

    @Test func theScanFindsRepeatsOnlyWithinOneObject() {
        func duplicate(_ text: String) -> String? { JSONDuplicateNames.firstDuplicate(in: Array(text.utf8)) }
        #expect(duplicate(#"{"a": 1, "a": 2}"#) == "a")
        #expect(duplicate(#"{"a": 1, "\u0061": 2}"#) == "a")
        #expect(duplicate(#"{"\ud83d\ude00": 1, "😀": 2}"#) == "😀", "a surrogate pair is the scalar it stands for")
        #expect(duplicate(#"{"x": [{"a": 1}, {"b": {"c": 1, "c": 2}}]}"#) == "c")
        #expect(duplicate(#"{"a\"b": 1, "a\u0022b": 2}"#) == #"a"b"#)
        // Not repeats: siblings, objects in an array, values equal to names, names inside strings.
        #expect(duplicate(#"{"a": {"x": 1}, "b": {"x": 1}}"#) == nil)
        #expect(duplicate(#"{"sessions": [{"a": 1}, {"a": 2}], "a": "a"}"#) == nil)
        #expect(duplicate(#"{"a": "{\"a\": 1, \"a\": 2}", "b": ["a", "a"]}"#) == nil)
        #expect(duplicate(#"{"a": 1, "A": 2, "a ": 3}"#) == nil)
        #expect(duplicate(#"[{"a": 1}, {"a": 1}]"#) == nil)
        // Broken text is left to the decoder.
        #expect(duplicate(#"{"a": 1, "a"#) == nil)
        #expect(duplicate(#"{"a": 1, "\q": 2, "a": 3}"#) == nil)
        #expect(duplicate("") == nil)
    }
}
