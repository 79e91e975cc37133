import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// The people and machines page over HTTP: an admin invites a person who then registers a passkey and signs
/// in; changes a role (the person is signed out everywhere); creates a kiosk whose enrolment code the kiosk
/// exchanges, a bench token, rotates and revokes it; each with its last use. Refusals are shown beside their
/// form with nothing changed: a stale proof, a site admin's reach, the last admin; an auditor only reads.
@Suite("Console people and machines page")
struct ConsolePeopleTests {
    /// The text of the element with `id` on a page (the code or token shown once).
    static func shown(_ id: String, in page: String) throws -> String {
        let start = try #require(page.firstRange(of: "id=\"\(id)\">"), "nothing shown as \(id)")
        return String(page[start.upperBound...].prefix { $0 != "<" })
    }

    @Test func anAdminInvitesAPersonWhoRegistersAPasskeyAndAppearsWithTheirLastUse() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let answer = try await ConsoleWorkTests.form(
                client, "/console/people/invite", admin,
                ["name": "Barbara", "upn": "barbara@contoso.example", "role": "helpdesk", "site": "bench-hel-1"])
            let page = String(buffer: answer.body)
            #expect(answer.status == .ok, "\(page.prefix(500))")
            #expect(answer.headers[.cacheControl] == "no-store")
            let code = try Self.shown("invitation-code", in: page)
            #expect(code.count == 14, "a grouped code: \(code)")

            let key = SoftAuthenticator()
            let registered = try await ConsoleWorkTests.registerPasskey(client, code: code, key: key)
            #expect(registered.status == .ok)
            let cookie = try ConsoleSignInTests.cookie(registered)
            let home = try await ConsoleWorkTests.get(client, "/console", cookie)
            #expect(home.contains("Barbara · helpdesk · site bench-hel-1"))

            let people = try await ConsoleWorkTests.get(client, "/console/people", admin.cookie)
            #expect(people.contains("barbara@contoso.example") && people.contains("1 passkey"))
            #expect(!people.contains(code), "the code is shown once only")
            // Barbara just used the console: her row says so, with the address the request came from.
            let row = try #require(people.firstRange(of: "barbara@contoso.example").map { people[$0.upperBound...] })
            #expect(row.prefix(600).contains("just now from"))
            let invited = try await fixture.store.searchAudit(
                AuditQuery(type: .operatorInvited), visibleTo: fixture.adminIdentity())
            #expect(invited.items.first?.actor == admin.id.rawValue)
            #expect(invited.items.first?.data.contains(#""channel":"console""#) == true)
        }
    }

    @Test func aRoleChangeSignsThePersonOutAndTheRulesAreNamedBesideTheForm() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let changed = try await ConsoleWorkTests.form(
                client, "/console/people/\(grace.id)/role", admin, ["role": "auditor", "site": ""])
            #expect(changed.status == .ok && String(buffer: changed.body).contains("is auditor now"))
            let after = try await client.execute(
                uri: "/console", method: .get, headers: [.cookie: ConsoleWorkTests.cookieHeader(grace.cookie)])
            #expect(after.status == .seeOther, "a role change ends the person's console sessions")

            // A person cannot be given a machine's role; the refusal names the rule in the person's row.
            let machineRole = try await ConsoleWorkTests.form(
                client, "/console/people/\(grace.id)/role", admin, ["role": "kiosk"])
            #expect(machineRole.status == .badRequest)
            #expect(String(buffer: machineRole.body).contains("Choose one of: helpdesk, admin, auditor."))

            // A site admin reaches only their site's people and gives only their site.
            let lin = try await ConsoleWorkTests.signIn(
                client, fixture, upn: "lin@contoso.example", role: .admin, site: SiteName("bench-hel-1"))
            let beyond = try await ConsoleWorkTests.form(
                client, "/console/people/\(grace.id)/role", lin, ["role": "helpdesk"])
            #expect(beyond.status == .notFound)
            let invite = try await ConsoleWorkTests.form(
                client, "/console/people/invite", lin,
                ["name": "Max", "upn": "max@contoso.example", "role": "helpdesk", "site": "bench-osl-2"])
            #expect(invite.status == .forbidden)
            #expect(String(buffer: invite.body).contains("can only give roles and tokens at that site"))
            let grown = try await fixture.store.operators().filter {
                $0.identity.userPrincipalName?.value == "max@contoso.example"
            }
            #expect(grown.isEmpty, "a refused invitation created nobody")
        }
    }

    @Test func anAdminRevokesOthersButNeverThemselvesSoAnAdminAlwaysRemains() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let other = try await ConsoleWorkTests.signIn(client, fixture, upn: "ada@contoso.example", role: .admin)
            // Ada and the fixture's own admin token go; Edsger, the last admin, cannot revoke himself.
            let revoked = try await ConsoleWorkTests.form(client, "/console/people/\(other.id)/revoke", admin, [:])
            #expect(revoked.status == .ok && String(buffer: revoked.body).contains("is revoked"))
            let fixtureAdmin = try await fixture.adminIdentity()
            _ = try await ConsoleWorkTests.form(client, "/console/people/\(fixtureAdmin.id)/revoke", admin, [:])
            let himself = try await ConsoleWorkTests.form(client, "/console/people/\(admin.id)/revoke", admin, [:])
            #expect(himself.status == .conflict)
            let page = String(buffer: himself.body)
            #expect(page.contains("role=\"alert\""), "the refusal is shown on the page")
            let admins = try await fixture.store.operators().filter {
                $0.identity.role == .admin && $0.revokedAt == nil
            }
            #expect(admins.map(\.identity.id) == [admin.id])
        }
    }

    @Test func aKioskIsEnrolledWithTheCodeThePageShowsAndABenchTokenIsRotatedAndRevoked() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let kiosk = try await ConsoleWorkTests.form(
                client, "/console/people/machines", admin,
                ["name": "kiosk 3, hall B", "role": "kiosk", "site": "bench-hel-1"])
            let kioskPage = String(buffer: kiosk.body)
            #expect(kiosk.status == .ok && kioskPage.contains("<svg"), "the code comes with a QR code")
            let code = try Self.shown("enrolment-code", in: kioskPage)
            let enrolled = try await client.execute(
                uri: "/v1/kiosk/enrol", method: .post, headers: HTTPFixture.headers(nil),
                body: ByteBuffer(string: #"{"enrolmentCode": "\#(code)"}"#))
            #expect(enrolled.status == .ok || enrolled.status == .created)

            let bench = try await ConsoleWorkTests.form(
                client, "/console/people/machines", admin, ["name": "bench 1", "role": "bench", "site": "bench-hel-1"])
            let token = try Self.shown("new-token", in: String(buffer: bench.body))
            let me = try await client.execute(
                uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(token))
            #expect(me.status == .ok)
            let benchID = try #require(
                try await fixture.store.operators().first { $0.identity.name == "bench 1" }?.identity.id)
            let people = try await ConsoleWorkTests.get(client, "/console/people", admin.cookie)
            #expect(people.contains("kiosk 3, hall B") && people.contains("bench 1"))
            #expect(people.contains("just now from"), "the bench's use of its token is on the page")

            let rotated = try await ConsoleWorkTests.form(
                client, "/console/people/\(benchID)/rotate", admin, ["grace": "0"])
            let newToken = try Self.shown("new-token", in: String(buffer: rotated.body))
            #expect(newToken != token)
            #expect(
                try await client.execute(uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(token))
                    .status == .unauthorized, "no grace: the old token stops at once")
            _ = try await ConsoleWorkTests.form(client, "/console/people/\(benchID)/revoke", admin, [:])
            #expect(
                try await client.execute(
                    uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(newToken)
                ).status == .unauthorized)
        }
    }

    @Test func everyWriteNeedsAFreshProofAndAnAuditorOnlyReads() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let auditor = try await ConsoleWorkTests.signIn(client, fixture, upn: "ida@contoso.example", role: .auditor)
            let readOnly = try await ConsoleWorkTests.get(client, "/console/people", auditor.cookie)
            #expect(
                readOnly.contains("edsger@contoso.example") && !readOnly.contains("action=\"/console/people/invite\""))
            let refused = try await ConsoleWorkTests.form(
                client, "/console/people/invite", auditor,
                ["name": "Max", "upn": "max@contoso.example", "role": "admin"])
            #expect(refused.status == .forbidden)

            fixture.clock.advance(seconds: 600)
            let stale = try await ConsoleWorkTests.form(
                client, "/console/people/invite", admin,
                ["name": "Max", "upn": "max@contoso.example", "role": "admin"])
            let page = String(buffer: stale.body)
            #expect(stale.status == .forbidden && page.contains("Confirm it is you") && page.contains("id=\"step-up\""))
            #expect(try await fixture.store.operators().allSatisfy { $0.identity.name != "Max" })
        }
    }

    @Test func theAPIChangesARoleAsThePageDoes() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            func put(_ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/operators/\(grace.id)/role", method: .put,
                    headers: HTTPFixture.headers(fixture.adminToken),
                    body: ByteBuffer(string: body))
            }
            let changed = try await put(#"{"role": "auditor", "site": "bench-hel-1"}"#)
            #expect(changed.status == .ok && String(buffer: changed.body).contains(#""role":"auditor""#))
            #expect(try await put(#"{"role": "kiosk"}"#).status == .badRequest)
            #expect(try await put(#"{"role": "nobody"}"#).status == .badRequest)
            let fixtureAdmin = try await fixture.adminIdentity()
            let own = try await client.execute(
                uri: "/v1/operators/\(fixtureAdmin.id)/role", method: .put,
                headers: HTTPFixture.headers(fixture.adminToken), body: ByteBuffer(string: #"{"role": "auditor"}"#))
            #expect(own.status == .conflict)
        }
    }
}
