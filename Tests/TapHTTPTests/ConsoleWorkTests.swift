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

/// The help desk's daily work in the console, over HTTP: a pass made from the form and shown once, form errors
/// beside their fields with nothing stored, four-eyes between two people with the step-up, collecting an
/// approved pass, finding sessions, and a session's live timeline on the console cookie.
@Suite("Console work over HTTP")
struct ConsoleWorkTests {
    /// A person signed in through an invitation and a software passkey: their cookie, CSRF token and key.
    struct Person {
        let id: OperatorID
        let cookie: String
        let csrf: String
        let key: SoftAuthenticator
    }

    static func signIn(
        _ client: some TestClientProtocol, _ fixture: HTTPFixture, upn: String, role: Role = .helpdesk,
        site: SiteName? = nil
    ) async throws -> Person {
        let key = SoftAuthenticator()
        let invitation = try await fixture.store.invitePerson(
            NewOperator(name: upn, role: role, site: site, userPrincipalName: UserPrincipalName(upn)),
            codeLifetime: 3600, by: nil)
        let registered = try await registerPasskey(client, code: invitation.code, key: key)
        #expect(registered.status == .ok)
        let cookie = try ConsoleSignInTests.cookie(registered)
        let home = try await get(client, "/console", cookie)
        let csrf = try #require(
            home.firstRange(of: #"name="csrf" value=""#).map { String(home[$0.upperBound...].prefix { $0 != "\"" }) })
        return Person(id: invitation.operator.identity.id, cookie: cookie, csrf: csrf, key: key)
    }

    /// Registers `key` as a passkey with an invitation code, as the invitation page's script does.
    static func registerPasskey(
        _ client: some TestClientProtocol, code: String, key: SoftAuthenticator
    ) async throws -> TestResponse {
        let options = try await ConsoleSignInTests.post(
            client, "/console/invitation/options", #"{"code": "\#(code)"}"#)
        let credential = key.registration(challenge: try FIDO2FlowTests.challenge(options))
        return try await ConsoleSignInTests.post(
            client, "/console/invitation", #"{"code": "\#(code)", "credential": \#(credential)}"#)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, _ cookie: String) async throws -> String {
        String(buffer: try await client.execute(uri: uri, method: .get, headers: [.cookie: cookieHeader(cookie)]).body)
    }

    static func cookieHeader(_ cookie: String) -> String { "\(ConsoleGate.cookieName)=\(cookie)" }

    static func form(
        _ client: some TestClientProtocol, _ uri: String, _ person: Person, _ fields: [String: String]
    ) async throws -> TestResponse {
        var all = fields
        all["csrf"] = person.csrf
        let body = all.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        return try await client.execute(
            uri: uri, method: .post, headers: ConsoleSignInTests.headers(cookie: person.cookie, form: true),
            body: ByteBuffer(string: body))
    }

    /// The pass a shown-once page holds.
    static func pass(in page: String) throws -> String {
        let start = try #require(page.firstRange(of: #"id="pass-value">"#))
        return String(page[start.upperBound...].prefix { $0 != "<" })
    }

    static let deviceFields = [
        "scenario": "deviceEnrollment", "user": "ada@contoso.example", "serial": "C02XK1ZZJG5H",
        "platform": "ipados", "reason": "new starter",
    ]

    @Test func aPassMadeFromTheFormIsShownOnceAndWorks() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await Self.signIn(client, fixture, upn: "grace@contoso.example")
            let made = try await Self.form(client, "/console/new", grace, Self.deviceFields)
            #expect(made.status == .created)
            #expect(made.headers[.cacheControl] == "no-store")
            #expect(made.headers[.location] == nil)
            let page = String(buffer: made.body)
            let pass = try Self.pass(in: page)
            #expect(pass.count == 14 && pass.contains("-"), "the pass is shown grouped: \(pass)")
            #expect(page.contains(#"data-events="/console/sessions/"#))
            // Beside it, the same pass as an inline QR code (no image request that could be cached or logged).
            #expect(page.contains(#"<figure id="pass-qr""#) && page.contains(#"aria-label="The pass as a QR code""#))
            let redeemed = try await client.redeem(pass, user: "ada@contoso.example")
            #expect(redeemed.status == .ok)
            // The session names Grace as its creator, as an API create would name the token's operator.
            let sessions = try await fixture.store.sessions(
                matching: SessionFilter(),
                visibleTo: OperatorIdentity(id: grace.id, name: "g", role: .helpdesk, site: nil),
                after: nil, limit: 10)
            #expect(sessions.items.map(\.createdBy) == [grace.id])
            // Found by serial and by user; the session's own page never shows the pass again.
            let found = try await Self.get(client, "/console/find?serial=C02XK1ZZJG5H", grace.cookie)
            #expect(found.contains("ada@contoso.example"))
            let none = try await Self.get(client, "/console/find?user=bob%40contoso.example", grace.cookie)
            #expect(none.contains("No session matches."))
            let id = try #require(sessions.items.first?.id)
            let sessionPage = try await Self.get(client, "/console/sessions/\(id)", grace.cookie)
            #expect(sessionPage.contains("Enrollment under way") && !sessionPage.contains(pass))
            // Grace's writes are audited as hers, from the console; the device's redeem (the API) says no channel.
            let events = try await fixture.store.auditEvents(
                sessionID: id, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 20)
            let console = events.filter { $0.data.contains(#""channel":"console""#) }.map(\.type)
            #expect(console == [.sessionCreated, .passIssued], "\(events.map { ($0.type, $0.data) })")
            #expect(events.filter { $0.type == .passIssued }.allSatisfy { $0.actor == grace.id.rawValue })
            #expect(events.contains { $0.type == .passUsed && !$0.data.contains("channel") })
            // Her sign-in (a console use case of its own) is marked by the same mechanism, not by hand.
            let signIns = try await fixture.store.auditEvents(
                sessionID: nil, site: nil, since: nil, until: nil, type: .consoleSignedIn, after: nil, limit: 5)
            #expect(signIns.count == 1 && signIns[0].data.contains(#""channel":"console""#))
        }
    }

    @Test func aFormWithErrorsComesBackWithEachBesideItsFieldAndNothingStored() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await Self.signIn(client, fixture, upn: "grace@contoso.example")
            var fields = Self.deviceFields
            fields["user"] = "not a name"
            fields["serial"] = "bad serial with spaces and <script>"
            let refused = try await Self.form(client, "/console/new", grace, fields)
            #expect(refused.status == .unprocessableContent)
            let page = String(buffer: refused.body)
            #expect(page.contains(#"id="user-error""#) && page.contains(#"id="serial-error""#))
            #expect(page.contains("bad serial with spaces and &lt;script&gt;") && !page.contains("<script>"))
            fields = Self.deviceFields
            fields["reason"] = "bell \u{07}"
            let control = try await Self.form(client, "/console/new", grace, fields)
            #expect(control.status == .unprocessableContent)
            #expect(String(buffer: control.body).contains(#"id="reason-error""#))
            let admin = try #require(try await fixture.store.operators().first { $0.identity.name == "admin" })
            let stored = try await fixture.store.sessions(
                matching: SessionFilter(), visibleTo: admin.identity, after: nil, limit: 10)
            #expect(stored.items.isEmpty)
        }
    }

    @Test func fourEyesBetweenTwoPeopleWithTheStepUp() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            _ = try await client.execute(
                uri: "/v1/policy", method: .patch, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"defaults": {"approvalRequired": true}}"#))
            let grace = try await Self.signIn(client, fixture, upn: "grace@contoso.example")
            let alan = try await Self.signIn(client, fixture, upn: "alan@contoso.example")
            let asked = try await Self.form(client, "/console/new", grace, Self.deviceFields)
            #expect(asked.status == .seeOther)
            let sessionPath = try #require(asked.headers[.location])
            let id = String(sessionPath.split(separator: "/").last ?? "")
            #expect(try await Self.get(client, sessionPath, grace.cookie).contains("Waiting for approval"))

            // Grace cannot approve her own request, however fresh her proof.
            let own = try await Self.form(client, "/console/approvals/\(id)/approve", grace, [:])
            #expect(own.status == .forbidden)
            #expect(String(buffer: own.body).contains("cannot approve"))

            // Alan signed in minutes ago: approving asks for his passkey again.
            fixture.clock.advance(minutes: 6)
            let stale = try await Self.form(client, "/console/approvals/\(id)/approve", alan, [:])
            #expect(stale.status == .forbidden)
            #expect(String(buffer: stale.body).contains(#"id="step-up""#))
            var headers = ConsoleSignInTests.headers(cookie: alan.cookie)
            headers[ConsoleGate.csrfHeader] = alan.csrf
            let options = try await client.execute(
                uri: "/console/step-up/options", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            #expect(options.status == .ok)
            let allowed = try FIDO2FlowTests.publicKey(options)["allowCredentials"] as? [[String: Any]]
            #expect(allowed?.count == 1)
            // Grace's passkey cannot stand in for Alan's.
            let wrongPerson = try await client.execute(
                uri: "/console/step-up", method: .post, headers: headers,
                body: ByteBuffer(
                    string: grace.key.assertion(
                        challenge: try FIDO2FlowTests.challenge(options), userHandle: Array(grace.id.rawValue.utf8))))
            #expect(wrongPerson.status == .unauthorized)
            let again = try await client.execute(
                uri: "/console/step-up/options", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            let proven = try await client.execute(
                uri: "/console/step-up", method: .post, headers: headers,
                body: ByteBuffer(
                    string: alan.key.assertion(
                        challenge: try FIDO2FlowTests.challenge(again), userHandle: Array(alan.id.rawValue.utf8))))
            #expect(proven.status == .ok)
            let approved = try await Self.form(
                client, "/console/approvals/\(id)/approve", alan, ["proofing": "inPerson", "reference": "badge"])
            #expect(approved.status == .seeOther)

            // Grace collects the pass on her own page; Alan cannot collect it for her.
            #expect(try await Self.get(client, sessionPath, grace.cookie).contains("Collect the pass"))
            let byAlan = try await Self.form(client, "/console/sessions/\(id)/pass", alan, [:])
            #expect(byAlan.status == .forbidden)
            let collected = try await Self.form(client, "/console/sessions/\(id)/pass", grace, [:])
            #expect(collected.status == .created)
            let pass = try Self.pass(in: String(buffer: collected.body))
            #expect(try await client.redeem(pass, user: "ada@contoso.example").status == .ok)
        }
    }

    @Test func theTimelineStreamsTheSessionsEventsOnTheConsoleCookieOnly() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await Self.signIn(client, fixture, upn: "grace@contoso.example")
            let made = try await Self.form(client, "/console/new", grace, Self.deviceFields)
            let page = String(buffer: made.body)
            let start = try #require(page.firstRange(of: #"data-events=""#))
            let path = String(page[start.upperBound...].prefix { $0 != "\"" })
            let stream = try await client.execute(
                uri: path, method: .get, headers: [.cookie: Self.cookieHeader(grace.cookie)])
            #expect(stream.status == .ok)
            let events = String(buffer: stream.body)
            #expect(events.contains("event: session.created") && events.contains("event: pass.issued"))
            let anonymous = try await client.execute(uri: path, method: .get)
            #expect(anonymous.status == .unauthorized)
            let bearer = try await client.execute(
                uri: path, method: .get, headers: HTTPFixture.headers(fixture.adminToken, json: false))
            #expect(bearer.status == .unauthorized)
        }
    }

    /// The console gives nobody more than their bearer token would: an auditor reads sessions but makes no pass,
    /// decides no approval and cancels nothing, and the pages offer none of it.
    @Test func anAuditorReadsButMayNotIssueApproveOrCancel() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await Self.signIn(client, fixture, upn: "grace@contoso.example")
            let made = try await Self.form(client, "/console/new", grace, Self.deviceFields)
            #expect(made.status == .created)
            let alan = try await Self.signIn(client, fixture, upn: "alan@contoso.example", role: .auditor)
            let home = try await Self.get(client, "/console", alan.cookie)
            #expect(!home.contains(#"href="/console/new""#) && !home.contains(#"href="/console/approvals""#))
            #expect(!home.contains("Approvals you may decide"))
            let found = try await Self.get(client, "/console/find?user=ada%40contoso.example", alan.cookie)
            #expect(found.contains("ada@contoso.example"))
            let id = try #require(
                try await fixture.store.sessions(
                    matching: SessionFilter(), visibleTo: try await fixture.adminIdentity(), after: nil, limit: 1
                ).items.first?.id)
            let page = try await Self.get(client, "/console/sessions/\(id)", alan.cookie)
            #expect(page.contains("ada@contoso.example") && !page.contains("/cancel"))

            let form = try await client.execute(
                uri: "/console/new", method: .get, headers: [.cookie: Self.cookieHeader(alan.cookie)])
            #expect(form.status == .forbidden)
            for (uri, fields) in [
                ("/console/new", Self.deviceFields), ("/console/sessions/\(id)/cancel", ["reason": "no"]),
                ("/console/sessions/\(id)/pass", [:]), ("/console/approvals/\(id)/approve", [:]),
                ("/console/approvals/\(id)/reject", ["reason": "no"]),
            ] {
                let refused = try await Self.form(client, uri, alan, fields)
                #expect(refused.status == .forbidden, "\(uri) answered \(refused.status)")
            }
            let approvals = try await client.execute(
                uri: "/console/approvals", method: .get, headers: [.cookie: Self.cookieHeader(alan.cookie)])
            #expect(approvals.status == .forbidden)
            let still = try await fixture.store.session(id, visibleTo: try await fixture.adminIdentity())
            #expect(still?.effectiveState(at: fixture.clock.now) != .cancelled)
        }
    }
}
