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

/// The audit pages over HTTP: an auditor finds a user's session by searching and reads its whole trail, pages
/// back through older events, exports what they found as JSON lines, and verifies the chain against the anchor
/// (or learns that the anchor cannot be read); bad search input is named; the help desk is not let in.
@Suite("Console audit pages")
struct ConsoleAuditTests {
    @Test func anAuditorFindsASessionBySearchingForItsUserAndReadsItsWholeTrail() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let made = try await ConsoleWorkTests.form(client, "/console/new", grace, ConsoleWorkTests.deviceFields)
            #expect(try await client.redeem(try ConsoleWorkTests.pass(in: String(buffer: made.body))).status == .ok)

            let alan = try await ConsoleWorkTests.signIn(client, fixture, upn: "alan@contoso.example", role: .auditor)
            let found = try await ConsoleWorkTests.get(client, "/console/audit?user=ada%40contoso.example", alan.cookie)
            for words in [
                "session.created", "pass.issued", "pass.used", "grace@contoso.example", "a device signing in",
            ] {
                #expect(found.contains(words), "the search shows no \(words)")
            }
            #expect(!found.contains("<td>operator.created</td>"), "an event of no session of ada's was found")
            let trailLink = try #require(found.firstRange(of: #"<a href="/console/audit/sessions/"#))
            let path = "/console/audit/sessions/" + found[trailLink.upperBound...].prefix { $0 != "\"" }
            let trail = try await ConsoleWorkTests.get(client, path, alan.cookie)
            #expect(trail.contains("Trail of ada@contoso.example"))
            for words in ["session.created", "pass.issued", "pass.used", "usesRemaining: 0", "channel: console"] {
                #expect(trail.contains(words), "the trail shows no \(words)")
            }

            let exported = try await client.execute(
                uri: "/console/audit/export?user=ada%40contoso.example", method: .get,
                headers: [.cookie: ConsoleWorkTests.cookieHeader(alan.cookie)])
            #expect(exported.headers[.contentType] == "application/x-ndjson")
            #expect(exported.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            let lines = String(buffer: exported.body).split(separator: "\n")
            let events = try lines.map { try WireJSON.decoder().decode(AuditEventView.self, from: Data($0.utf8)) }
            #expect(events.map(\.type).contains(.passUsed) && events.allSatisfy { $0.sessionId != nil })
            #expect(events.map { Int($0.id)! } == events.map { Int($0.id)! }.sorted(), "oldest first")

            let helpdesk = try await client.execute(
                uri: "/console/audit", method: .get, headers: [.cookie: ConsoleWorkTests.cookieHeader(grace.cookie)])
            #expect(helpdesk.status == .forbidden)
        }
    }

    @Test func olderEventsArePagedAndBadSearchInputIsNamed() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let admin = try await fixture.adminIdentity()
        for index in 0..<60 {
            let request = NewSession(
                scenario: .fido2Registration, userPrincipalName: UserPrincipalName("user\(index)@contoso.example")!)
            _ = try await fixture.store.createSession(request, by: admin, idempotency: nil)
        }
        try await fixture.application().test(.router) { client in
            let alan = try await ConsoleWorkTests.signIn(client, fixture, upn: "alan@contoso.example", role: .auditor)
            let first = try await ConsoleWorkTests.get(client, "/console/audit?type=session.created", alan.cookie)
            let older = try #require(first.firstRange(of: #"<a href="/console/audit?before="#), "no older page")
            let next =
                "/console/audit?before="
                + first[older.upperBound...].prefix { $0 != "\"" }.replacingOccurrences(of: "&amp;", with: "&")
            let second = try await ConsoleWorkTests.get(client, next, alan.cookie)
            #expect(second.contains("user0@contoso.example") || second.contains("session.created"))
            #expect(!second.contains("Older events"))

            for (query, words) in [
                ("type=session.exploded", "The event type cannot be read"),
                ("from=2026-02-31", "The first day (yyyy-mm-dd) cannot be read"),
                ("user=not%20a%20user", "The user cannot be read"), ("before=soon", "The page cannot be read"),
            ] {
                let answer = try await client.execute(
                    uri: "/console/audit?\(query)", method: .get,
                    headers: [.cookie: ConsoleWorkTests.cookieHeader(alan.cookie)])
                #expect(answer.status == .badRequest, "\(query) answered \(answer.status)")
                #expect(String(buffer: answer.body).contains(words), "\(query)")
            }
        }
    }

    @Test func theChainIsVerifiedAgainstTheAnchorFromThePage() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let anchor = try await fixture.store.currentAuditAnchor()
        try await fixture.application(facts: ServiceFacts(auditAnchor: { anchor })).test(.router) { client in
            let alan = try await ConsoleWorkTests.signIn(client, fixture, upn: "alan@contoso.example", role: .auditor)
            let checked = try await ConsoleWorkTests.form(client, "/console/audit/verify", alan, [:])
            let page = String(buffer: checked.body)
            #expect(checked.status == .ok)
            #expect(page.contains("The chain is intact") && page.contains("still reaches the anchor"))
            let forged = try await client.execute(
                uri: "/console/audit/verify", method: .post,
                headers: ConsoleSignInTests.headers(cookie: alan.cookie, form: true),
                body: ByteBuffer(string: "csrf=forged"))
            #expect(forged.status == .forbidden)
        }
        struct Unreadable: Error {}
        try await fixture.application(facts: ServiceFacts(auditAnchor: { throw Unreadable() })).test(.router) {
            client in
            let alan = try await ConsoleWorkTests.signIn(client, fixture, upn: "ann@contoso.example", role: .auditor)
            let checked = try await ConsoleWorkTests.form(client, "/console/audit/verify", alan, [:])
            #expect(String(buffer: checked.body).contains("cannot be read, so the chain cannot be checked"))
        }
    }
}
