import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// The console's door: the session cookie, each session's CSRF token, and the `Origin` every unsafe request
/// must come from.
///
/// The cookie is `__Host-` prefixed (so no other host or path can set or shadow it), `Secure`, `HttpOnly` and
/// `SameSite=Strict`; its value is 256 random bits that storage keeps only as a MAC.
struct ConsoleGate {
    let services: AppServices

    static let cookieName = "__Host-tapstation_console"

    /// The live console session the request's cookie stands for, if any; its use is noted for the people page.
    func signedIn(_ request: Request, _ context: TapRequestContext) async throws -> ConsoleSession? {
        guard let cookie = PageResponse.cookie(Self.cookieName, in: request) else { return nil }
        let session = try await services.store.consoleSession(
            cookie: cookie, idleTimeout: services.configuration.console.idleTimeout)
        if let session {
            services.uses.note(session.operator.identity.id, at: services.world.now(), from: context.clientAddress)
        }
        return session
    }

    /// A form posted by a signed-in person from the console's own page, with its fields; `nil` when nobody is
    /// signed in (the caller answers ``signInRedirect``). A wrong origin or CSRF token is a refusal.
    func form(
        _ request: Request, _ context: TapRequestContext, limit: Int = 16 * 1024
    ) async throws -> (ConsoleSession, [String: String])? {
        try checkOrigin(request)
        guard let session = try await signedIn(request, context) else { return nil }
        let bytes = try await JSONBody.bytes(of: request, limit: limit)
        let fields = PageResponse.formFields(String(decoding: bytes, as: UTF8.self))
        try checkCSRF(fields["csrf"], session: session)
        return (session, fields)
    }

    /// Whether the person proved who they are recently enough for a sensitive action.
    func isFreshlyProven(_ session: ConsoleSession) -> Bool {
        services.world.now().timeIntervalSince(session.provenAt) <= services.configuration.console.stepUpAge
    }

    /// A JSON request from a signed-in person's page script: the console's origin, and the CSRF token in
    /// `X-CSRF-Token` (from the page's `csrf-token` meta element).
    func scriptCall(_ request: Request, _ context: TapRequestContext) async throws -> ConsoleSession {
        try checkOrigin(request)
        let session = try await requireSignedIn(request, context)
        try checkCSRF(request.headers[Self.csrfHeader], session: session)
        return session
    }

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// The header's facts about the signed-in person.
    func person(_ session: ConsoleSession) -> ConsolePages.Person {
        let me = session.operator.identity
        return ConsolePages.Person(
            name: me.name, role: me.role.rawValue, site: me.site?.value, csrfToken: csrfToken(for: session))
    }

    /// The organisation's sign-in as the pages name it, when single sign-on is configured.
    var singleSignOnLabel: String? {
        services.singleSignOn == nil ? nil : services.configuration.console.singleSignOnLabel
    }

    static let signInRedirect = redirect(to: "/console/sign-in")

    /// Runs a form's use case, then sends the browser to `path`; a refusal the use case answered comes back as
    /// the form's own page (`page`) with the problem in words and its status.
    static func submit(
        thenGoTo path: String, _ work: () async throws -> Void,
        orShow page: (_ problem: String, _ status: HTTPResponse.Status) async throws -> Response
    ) async throws -> Response {
        do {
            try await work()
        } catch {
            let refusal = try ConsoleSessionsController.refusal(error)
            return try await page(refusal.detail, refusal.status)
        }
        return redirect(to: path)
    }

    /// Refuses a person whose role the API would refuse for the same action (the role sets are the API's), so
    /// that signing in to the console gives nobody more than their bearer token would.
    static func authorize(_ session: ConsoleSession, _ roles: Set<Role>, to action: String) throws {
        let role = session.operator.identity.role
        guard roles.contains(role) else {
            throw APIError.forbidden("your role (\(role.rawValue)) may not \(action)")
        }
    }

    /// The live console session, or a refusal that sends a page back to sign-in.
    func requireSignedIn(_ request: Request, _ context: TapRequestContext) async throws -> ConsoleSession {
        guard let session = try await signedIn(request, context) else {
            throw APIError(
                status: .unauthorized, code: .unauthorized, detail: "sign in to the console at /console/sign-in")
        }
        return session
    }

    /// Refuses an unsafe request that does not come from the console's own pages. A browser names the page's
    /// origin in `Origin`, except that a form posted from a page with `Referrer-Policy: no-referrer` (every
    /// console page) says `Origin: null`; then the Fetch Metadata header `Sec-Fetch-Site`, which no page can
    /// set, must say `same-origin`. A request with neither (not a browser) is refused.
    func checkOrigin(_ request: Request) throws {
        let origin = request.headers[.origin]
        let allowed: Bool
        if let origin, origin != "null" {
            allowed = services.configuration.webAuthn.origins.contains(origin)
        } else {
            allowed = request.headers[Self.fetchSite] == "same-origin"
        }
        guard allowed else {
            throw APIError(
                status: .forbidden, code: .originNotAllowed,
                detail: "this request did not come from the console's own pages")
        }
    }

    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// The session's CSRF token: a MAC of its id under the server secret, so it needs no storage and a database
    /// reader cannot forge it.
    func csrfToken(for session: ConsoleSession) -> String {
        let mac = services.keyring.mac(.operatorToken, Array("console-csrf\n\(session.id)".utf8)) ?? []
        return Hex.encode(mac)
    }

    /// Refuses an unsafe request whose CSRF token is not its session's.
    func checkCSRF(_ presented: String?, session: ConsoleSession) throws {
        let expected = Array(csrfToken(for: session).utf8)
        guard let presented, services.keyring.constantTimeEqual(Array(presented.utf8), expected) else {
            throw APIError(
                status: .forbidden, code: .csrfTokenInvalid,
                detail: "this form is out of date or was not made by the console; reload the page")
        }
    }

    /// The `Set-Cookie` value that hands a browser its new session.
    func sessionCookie(_ signIn: ConsoleSignIn) -> String {
        let seconds = max(0, Int(signIn.session.expiresAt.timeIntervalSince(services.world.now())))
        return "\(Self.cookieName)=\(signIn.cookie); Path=/; Max-Age=\(seconds); HttpOnly; Secure; SameSite=Strict"
    }

    /// The `Set-Cookie` value that removes the session cookie.
    static let clearedCookie = "\(cookieName)=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"

    /// A redirect to another console page.
    static func redirect(to location: String, cookie: String? = nil) -> Response {
        var headers = PageResponse.securityHeaders
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }
}
