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

@Suite("Text an operator sets is refused when a terminal would act on it")
struct TerminalTextInputTests {
    /// JSON string bodies (escaped as a client sends them) that a kiosk or `session show` would act on.
    static let hostileNames = [
        #"kiosk 3\u001b]0;owned\u0007"#, #"kiosk\u001b[2J\u001b[3J"#, #"kiosk\r"#, #"kiosk \u009b2J"#,
        #"admin \u202enimda"#, #"kiosk \u2066x\u2069"#,
    ]

    @Test(arguments: hostileNames)
    func anOperatorNameWithTerminalControlsIsA400NamingTheField(_ name: String) async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let before = try await fixture.store.operators().count
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/operators", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"name": "\#(name)", "role": "kiosk", "site": "hel-1"}"#))
            #expect(response.status == .badRequest, "\(response.text)")
            let problem = try response.decode(Problem.self)
            #expect(problem.code == "invalid_request")
            #expect(problem.field == "name")
        }
        #expect(try await fixture.store.operators().count == before)
    }

    @Test func aPresetTitleWithTerminalControlsIsA400NamingTheField() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let before = try await fixture.store.policy()
        try await fixture.application().test(.router) { client in
            for title in [#"2 sign-ins\u001b]52;c;cm0gLXJmIH4=\u0007"#, #"2 sign-ins \u202e"#] {
                let response = try await client.execute(
                    uri: "/v1/policy", method: .patch, headers: HTTPFixture.headers(fixture.adminToken),
                    body: ByteBuffer(string: #"{"presets": {"bench-ipad": {"title": "\#(title)", "maxUses": 2}}}"#))
                #expect(response.status == .badRequest, "\(response.text)")
                let problem = try response.decode(Problem.self)
                #expect(problem.code == "invalid_request")
                #expect(problem.field == "presets.bench-ipad.title")
            }
            let fine = try await client.execute(
                uri: "/v1/policy", method: .patch, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"presets": {"bench-ipad": {"title": "iPad · 2 sign-ins", "maxUses": 2}}}"#))
            #expect(fine.status == .ok, "an ordinary title, non-ASCII included, is still accepted: \(fine.text)")
        }
        #expect(try await fixture.store.policy().presets["bench-ipad"]?.title == "iPad · 2 sign-ins")
        #expect(before.presets["bench-ipad"] == nil)
    }
}
