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

/// The policy switch that takes people's bearer tokens away: a named role's token is refused with
/// `console_only` while the person still works in the console; `admin` is switched from the console only (by
/// an admin signed in there, who can switch it back); `null` gives the tokens back, at once in this process.
@Suite("Console-only roles")
struct ConsoleOnlyRolesTests {
    @Test func aHelpDeskTokenIsRefusedWhileTheConsoleStillWorks() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let helpdesk = try await fixture.token(.helpdesk)
        let auditor = try await fixture.token(.auditor)
        let bench = try await fixture.token(.bench)
        try await fixture.application().test(.router) { client in
            #expect(try await client.call(.get, "/v1/sessions", helpdesk).status == .ok)
            let switched = try await client.call(
                .patch, "/v1/policy", fixture.adminToken, #"{"consoleOnlyRoles": ["helpdesk"]}"#)
            #expect(switched.status == .ok)

            let refused = try await client.call(.get, "/v1/sessions", helpdesk)
            #expect(refused.status == .forbidden)
            #expect(try refused.decode(Problem.self).code == "console_only")
            for token in [auditor, bench, fixture.adminToken] {
                #expect(try await client.call(.get, "/v1/sessions", token).status == .ok)
            }
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let made = try await ConsoleWorkTests.form(client, "/console/new", grace, ConsoleWorkTests.deviceFields)
            #expect(made.status == .created)

            // Admins' tokens are switched off from the console only, by an admin signed in there.
            let admins = try await client.call(
                .patch, "/v1/policy", fixture.adminToken, #"{"consoleOnlyRoles": ["helpdesk", "admin"]}"#)
            #expect(admins.status == .conflict)
            #expect(try admins.decode(Problem.self).field == "consoleOnlyRoles")
            let machines = try await client.call(
                .patch, "/v1/policy", fixture.adminToken, #"{"consoleOnlyRoles": ["kiosk"]}"#)
            #expect(machines.status == .unprocessableContent, "a machine has only its token")
            let back = try await client.call(.patch, "/v1/policy", fixture.adminToken, #"{"consoleOnlyRoles": null}"#)
            #expect(back.status == .ok)
            #expect(try await client.call(.get, "/v1/sessions", helpdesk).status == .ok)
        }
    }

    @Test func anAdminSignedInToTheConsoleSwitchesAdminTokensOffAndBackOn() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            func general(_ roles: [String], version: Int) -> [String: String] {
                var fields = [
                    "form": "general", "version": "\(version)",
                    "privilegedSubjects": Policy.standard.privilegedSubjects.map(\.value).joined(separator: "\n"),
                ]
                for role in roles { fields["consoleOnly.\(role)"] = "yes" }
                return fields
            }
            let (_, save) = try await ConsolePolicyTests.preview(client, admin, general(["admin"], version: 0))
            let saved = try await ConsoleWorkTests.form(client, "/console/policy/save", admin, save)
            #expect(saved.status == .seeOther)
            let refused = try await client.call(.get, "/v1/sessions", fixture.adminToken)
            #expect(refused.status == .forbidden)
            #expect(try refused.decode(Problem.self).code == "console_only")
            #expect(try await ConsoleWorkTests.get(client, "/console/people", admin.cookie).contains("People"))

            let (_, back) = try await ConsolePolicyTests.preview(client, admin, general([], version: 1))
            #expect(try await ConsoleWorkTests.form(client, "/console/policy/save", admin, back).status == .seeOther)
            #expect(try await client.call(.get, "/v1/sessions", fixture.adminToken).status == .ok)
        }
    }
}
