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

/// A user's page and the incident tools on it, over HTTP: locking issuance holds for the console's own form,
/// revoking everything kills the user's live pass, bad input is named and stores nothing, and an auditor reads
/// the page but holds no tool. Also the find page's day filter.
@Suite("Console user page and incident tools")
struct ConsoleUsersTests {
    static let adaPage = "/console/users/ada@contoso.example"

    @Test func aHelpDeskLocksIssuanceLiftsItAndRevokesEverythingOfAUser() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let made = try await ConsoleWorkTests.form(client, "/console/new", grace, ConsoleWorkTests.deviceFields)
            let pass = try ConsoleWorkTests.pass(in: String(buffer: made.body))
            let page = try await ConsoleWorkTests.get(client, Self.adaPage, grace.cookie)
            #expect(page.contains("C02XK1ZZJG5H") && page.contains("Passes may be issued for this user."))

            let locked = try await ConsoleWorkTests.form(
                client, Self.adaPage + "/lock", grace, ["minutes": "30", "reason": "phone stolen"])
            #expect(locked.status == .seeOther)
            let lockedPage = try await ConsoleWorkTests.get(client, Self.adaPage, grace.cookie)
            #expect(lockedPage.contains("Locked at every site until") && lockedPage.contains("phone stolen"))
            let refused = try await ConsoleWorkTests.form(client, "/console/new", grace, ConsoleWorkTests.deviceFields)
            #expect(refused.status != .created, "a pass was made for a locked user")
            #expect(String(buffer: refused.body).contains("issuance for this user is locked until"))

            let unlocked = try await ConsoleWorkTests.form(client, Self.adaPage + "/unlock", grace, [:])
            #expect(unlocked.status == .seeOther)
            #expect(try await fixture.store.issuanceLocks(for: Self.ada, visibleTo: fixture.adminIdentity()).isEmpty)

            let revoked = try await ConsoleWorkTests.form(
                client, Self.adaPage + "/revoke", grace, ["reason": "account compromised"])
            #expect(revoked.status == .ok)
            #expect(String(buffer: revoked.body).contains("Cancelled 1 open session(s)"))
            #expect(try await client.redeem(pass, user: "ada@contoso.example").status != .ok)

            let events = try await fixture.store.auditEvents(
                sessionID: nil, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 100)
            for type in [AuditEventType.issuanceLocked, .issuanceUnlocked, .sessionCancelled] {
                let event = try #require(events.last { $0.type == type }, "no \(type)")
                #expect(event.actor == grace.id.rawValue && event.data.contains(#""channel":"console""#))
            }
        }
    }

    @Test func badToolInputIsNamedAndStoresNothing() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let before = try await fixture.store.auditEvents(
                sessionID: nil, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 100
            ).count
            for (path, fields, words) in [
                ("/lock", ["minutes": "0", "reason": "x"], "1 minute to 30 days"),
                ("/lock", ["minutes": "soon", "reason": "x"], "1 minute to 30 days"),
                ("/lock", ["minutes": "60", "reason": "  "], "Say why issuance is locked."),
                ("/revoke", ["reason": ""], "Say why everything of this user is revoked."),
            ] {
                let answer = try await ConsoleWorkTests.form(client, Self.adaPage + path, grace, fields)
                #expect(answer.status == .badRequest, "\(path) \(fields) answered \(answer.status)")
                #expect(String(buffer: answer.body).contains(words))
            }
            let notAUser = try await client.execute(
                uri: "/console/users/not-a-user", method: .get,
                headers: [.cookie: ConsoleWorkTests.cookieHeader(grace.cookie)])
            #expect(notAUser.status == .notFound)
            let after = try await fixture.store.auditEvents(
                sessionID: nil, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 100
            ).count
            #expect(after == before)
        }
    }

    @Test func anAuditorSeesTheUserButHoldsNoTool() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let alan = try await ConsoleWorkTests.signIn(client, fixture, upn: "alan@contoso.example", role: .auditor)
            let page = try await ConsoleWorkTests.get(client, Self.adaPage, alan.cookie)
            #expect(page.contains("ada@contoso.example") && !page.contains("/revoke") && !page.contains("/lock"))
            for (path, fields) in [
                ("/lock", ["minutes": "60", "reason": "x"]), ("/unlock", [:]), ("/revoke", ["reason": "x"]),
            ] {
                let answer = try await ConsoleWorkTests.form(client, Self.adaPage + path, alan, fields)
                #expect(answer.status == .forbidden, "\(path) answered \(answer.status)")
            }
        }
    }

    @Test func findOnOrBeforeADay() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            _ = try await ConsoleWorkTests.form(client, "/console/new", grace, ConsoleWorkTests.deviceFields)
            let day = String(WireJSON.formatTime(fixture.clock.now).prefix(10))
            let dayBefore = String(WireJSON.formatTime(fixture.clock.now.addingTimeInterval(-86_400)).prefix(10))
            let sameDay = try await ConsoleWorkTests.get(client, "/console/find?before=\(day)", grace.cookie)
            #expect(sameDay.contains("C02XK1ZZJG5H"))
            let earlier = try await ConsoleWorkTests.get(client, "/console/find?before=\(dayBefore)", grace.cookie)
            #expect(earlier.contains("No session matches."))
            // 2026-11-31 does not exist: read leniently it would be 1 December, after the fixture's 26 November.
            for unreadable in ["yesterday", "2026-11-31", "2026-13-01", "2026-1-011"] {
                let page = try await ConsoleWorkTests.get(client, "/console/find?before=\(unreadable)", grace.cookie)
                #expect(page.contains("No session matches."), "before=\(unreadable)")
            }
        }
    }

    static let ada = UserPrincipalName("ada@contoso.example")!
}
