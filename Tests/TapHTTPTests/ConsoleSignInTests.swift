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

/// People signing in to the console with a passkey, over HTTP, with a software authenticator whose answers the
/// real verifier judges: the invitation, the cookie and its attributes, sign-in by passkey alone, sign-out with
/// the CSRF token, and the refusals (another origin, a spent code, a user's key, a passkey without its owner).
@Suite("Console sign-in over HTTP")
struct ConsoleSignInTests {
    static let origin = "http://localhost:8080"

    /// Headers of a console POST from the console's own page, with an optional cookie.
    static func headers(cookie: String? = nil, origin: String? = Self.origin, form: Bool = false) -> HTTPFields {
        var headers: HTTPFields = [.contentType: form ? "application/x-www-form-urlencoded" : "application/json"]
        if let origin { headers[.origin] = origin }
        if let cookie { headers[.cookie] = "\(ConsoleGate.cookieName)=\(cookie)" }
        return headers
    }

    static func post(
        _ client: some TestClientProtocol, _ uri: String, _ body: String, cookie: String? = nil,
        origin: String? = Self.origin
    ) async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: .post, headers: headers(cookie: cookie, origin: origin), body: ByteBuffer(string: body))
    }

    /// The cookie value a sign-in answer set.
    static func cookie(_ response: TestResponse) throws -> String {
        let header = try #require(response.headers[.setCookie])
        let value = try #require(header.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
        return String(value)
    }

    /// Invites Grace and registers `authenticator` as her passkey: her operator id and the sign-in answer.
    static func register(
        _ client: some TestClientProtocol, _ fixture: HTTPFixture, _ authenticator: SoftAuthenticator
    ) async throws -> (OperatorID, TestResponse) {
        let invitation = try await fixture.store.invitePerson(
            NewOperator(name: "Grace", role: .helpdesk, userPrincipalName: UserPrincipalName("grace@contoso.example")),
            codeLifetime: 3600, by: nil)
        let options = try await post(client, "/console/invitation/options", #"{"code": "\#(invitation.code)"}"#)
        #expect(options.status == .ok)
        let publicKey = try FIDO2FlowTests.publicKey(options)
        #expect((publicKey["authenticatorSelection"] as? [String: Any])?["residentKey"] as? String == "required")
        #expect((publicKey["authenticatorSelection"] as? [String: Any])?["userVerification"] as? String == "required")
        #expect((publicKey["user"] as? [String: Any])?["name"] as? String == "grace@contoso.example")
        let credential = authenticator.registration(challenge: try #require(publicKey["challenge"] as? String))
        let registered = try await post(
            client, "/console/invitation", #"{"code": "\#(invitation.code)", "credential": \#(credential)}"#)
        return (invitation.operator.identity.id, registered)
    }

    @Test func anInvitedPersonRegistersAPasskeyAndIsSignedInWithAStrictCookie() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let home = try await client.execute(uri: "/console", method: .get)
            #expect(home.status == .seeOther)
            #expect(home.headers[.location] == "/console/sign-in")

            let (_, registered) = try await Self.register(client, fixture, SoftAuthenticator())
            #expect(registered.status == .ok)
            let setCookie = try #require(registered.headers[.setCookie])
            #expect(setCookie.hasPrefix("__Host-tapstation_console="))
            for attribute in ["Path=/", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age=43200"] {
                #expect(setCookie.contains("; \(attribute)"), "the cookie lacks \(attribute): \(setCookie)")
            }
            #expect(!setCookie.contains("Domain"))
            let cookie = try Self.cookie(registered)

            let signedIn = try await client.execute(
                uri: "/console", method: .get, headers: [.cookie: "\(ConsoleGate.cookieName)=\(cookie)"])
            #expect(signedIn.status == .ok)
            let page = String(buffer: signedIn.body)
            #expect(page.contains("Grace · helpdesk · every site"))
            #expect(signedIn.headers[.cacheControl] == "no-store")
            let policy = try #require(signedIn.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(signedIn.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
        }
    }

    @Test func aRegisteredPersonSignsInWithThePasskeyAloneAndSignsOutWithTheCSRFToken() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        try await fixture.application().test(.router) { client in
            let (grace, _) = try await Self.register(client, fixture, authenticator)
            let options = try await Self.post(client, "/console/sign-in/options", "{}")
            #expect(options.status == .ok)
            let publicKey = try FIDO2FlowTests.publicKey(options)
            #expect(publicKey["allowCredentials"] == nil || (publicKey["allowCredentials"] as? [Any])?.isEmpty == true)
            let assertion = authenticator.assertion(
                challenge: try #require(publicKey["challenge"] as? String), userHandle: Array(grace.rawValue.utf8))
            let signedIn = try await Self.post(client, "/console/sign-in", assertion)
            #expect(signedIn.status == .ok)
            let cookie = try Self.cookie(signedIn)

            // Sign-out needs the session's CSRF token (in the page) and the console's origin.
            let home = String(
                buffer: try await client.execute(
                    uri: "/console", method: .get, headers: [.cookie: "\(ConsoleGate.cookieName)=\(cookie)"]
                ).body)
            let csrf = try #require(
                home.firstRange(of: #"name="csrf" value=""#).map { home[$0.upperBound...].prefix { $0 != "\"" } })
            let forged = try await client.execute(
                uri: "/console/sign-out", method: .post, headers: Self.headers(cookie: cookie, form: true),
                body: ByteBuffer(string: "csrf=0000"))
            #expect(forged.status == .forbidden)
            #expect(String(buffer: forged.body).contains("csrf_token_invalid"))
            let crossSite = try await client.execute(
                uri: "/console/sign-out", method: .post,
                headers: Self.headers(cookie: cookie, origin: "https://evil.example", form: true),
                body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(crossSite.status == .forbidden)
            #expect(String(buffer: crossSite.body).contains("origin_not_allowed"))
            #expect(crossSite.headers[.contentType] == "application/problem+json")
            // A person's browser navigating (a form post is one) gets a page with the same status and code.
            var navigating = Self.headers(cookie: cookie, origin: "https://evil.example", form: true)
            navigating[ConsoleRefusalPage.fetchMode] = "navigate"
            let page = try await client.execute(
                uri: "/console/sign-out", method: .post, headers: navigating, body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(page.status == .forbidden)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let pageText = String(buffer: page.body)
            #expect(pageText.contains("<title>") && pageText.contains("<code>origin_not_allowed</code>"))
            let out = try await client.execute(
                uri: "/console/sign-out", method: .post, headers: Self.headers(cookie: cookie, form: true),
                body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(out.status == .seeOther)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.execute(
                uri: "/console", method: .get, headers: [.cookie: "\(ConsoleGate.cookieName)=\(cookie)"])
            #expect(after.status == .seeOther)
        }
    }

    @Test func refusalsAreClearAndNeverAServerError() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let authenticator = SoftAuthenticator()
        try await fixture.application().test(.router) { client in
            // Another site's page cannot start a ceremony.
            for origin in [nil, "https://evil.example", "null"] as [String?] {
                let refused = try await Self.post(client, "/console/sign-in/options", "{}", origin: origin)
                #expect(refused.status == .forbidden)
            }
            // A form on a no-referrer page says `Origin: null`; the browser's own Fetch Metadata decides then.
            for (site, expected) in [("same-origin", HTTPResponse.Status.ok), ("cross-site", .forbidden)] {
                var headers = Self.headers(origin: "null")
                headers[ConsoleGate.fetchSite] = site
                let answer = try await client.execute(
                    uri: "/console/sign-in/options", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
                #expect(answer.status == expected, "Origin null, Sec-Fetch-Site \(site): \(answer.status)")
            }
            let wrongCode = try await Self.post(client, "/console/invitation/options", #"{"code": "K7QM-3XRP-HV9T"}"#)
            #expect(wrongCode.status == .unauthorized)
            #expect(String(buffer: wrongCode.body).contains("invalid_invitation"))
            for body in ["", "[]", #"{"code": 7}"#, "{"] {
                let bad = try await Self.post(client, "/console/invitation/options", body)
                #expect(bad.status == .badRequest, "\(body) answered \(bad.status)")
            }

            let (grace, _) = try await Self.register(client, fixture, authenticator)
            // A passkey that does not say whose it is, and one nobody registered, sign no one in.
            for (key, handle) in [(authenticator, nil), (SoftAuthenticator(), Array(grace.rawValue.utf8))] {
                let options = try await Self.post(client, "/console/sign-in/options", "{}")
                let challenge = try FIDO2FlowTests.challenge(options)
                let refused = try await Self.post(
                    client, "/console/sign-in", key.assertion(challenge: challenge, userHandle: handle))
                #expect(refused.status == .unauthorized)
                #expect(String(buffer: refused.body).contains("console_sign_in_refused"))
            }
            // An answer to a challenge that was already answered.
            let options = try await Self.post(client, "/console/sign-in/options", "{}")
            let assertion = authenticator.assertion(
                challenge: try FIDO2FlowTests.challenge(options), userHandle: Array(grace.rawValue.utf8))
            #expect(try await Self.post(client, "/console/sign-in", assertion).status == .ok)
            let replayed = try await Self.post(client, "/console/sign-in", assertion)
            #expect(replayed.status == .badRequest)
            #expect(String(buffer: replayed.body).contains("webauthn_challenge_replayed"))
        }
    }

    @Test func aUsersSecurityKeyNeverSignsAnOperatorIn() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            // Ada registers a key for herself through a fido2Registration session.
            let userKey = SoftAuthenticator()
            let (_, _, token) = try await FIDO2FlowTests.start(client, fixture)
            let creation = try await FIDO2FlowTests.post(client, "/v1/enrollment/fido2/options", token)
            let stored = try await FIDO2FlowTests.post(
                client, "/v1/enrollment/fido2", token,
                userKey.registration(challenge: try FIDO2FlowTests.challenge(creation)))
            #expect(stored.status == .created)
            let options = try await Self.post(client, "/console/sign-in/options", "{}")
            let refused = try await Self.post(
                client, "/console/sign-in",
                userKey.assertion(challenge: try FIDO2FlowTests.challenge(options), userHandle: [1, 2, 3]))
            #expect(refused.status == .unauthorized)
        }
    }

    /// On the fixture's fixed clock: a person's requests keep their session alive past the idle timeout's length;
    /// 30 minutes without one and the next page goes to sign-in.
    @Test func anIdleConsoleSessionEndsOnAFixedClock() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let idle = fixture.configuration.console.idleTimeout
            func home() async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/console", method: .get, headers: [.cookie: ConsoleWorkTests.cookieHeader(grace.cookie)]
                ).status
            }
            for _ in 0..<3 {
                fixture.clock.advance(seconds: idle - 60)
                #expect(try await home() == .ok, "a request within the idle timeout keeps the session")
            }
            fixture.clock.advance(seconds: idle + 1)
            #expect(try await home() == .seeOther)
        }
    }
}
