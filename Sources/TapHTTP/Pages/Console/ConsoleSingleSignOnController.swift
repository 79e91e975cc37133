import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapCore
import TapCrypto
import TapOIDC
import TapStorage
import WebAuthn

/// Console sign-in through the organisation's OpenID provider: the authorization code flow with PKCE, `state`
/// and `nonce`. The state is bound twice: to the browser that began (a `SameSite=Lax` cookie, sent on the
/// provider's redirect back) and to the database (single-use, ten minutes). Every refusal is a page that says
/// why, and a `console.signInRefused` audit event; never a 500.
struct ConsoleSingleSignOnController {
    let services: AppServices

    static let stateCookie = "__Host-tapstation_sso"
    static let loginLifetime: TimeInterval = 600

    var gate: ConsoleGate { ConsoleGate(services: services) }

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/sso", .anyone, handler: start)
        routes.add(.get, "/console/sso/callback", .anyone, handler: callback)
    }

    /// Sends the browser to the provider. `?fresh=1` is a step-up: the provider must authenticate again.
    @Sendable func start(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let provider = services.singleSignOn else { throw APIError.notFound("single sign-on") }
        let state = Hex.encode(services.world.randomBytes(32))
        let nonce = Hex.encode(services.world.randomBytes(16))
        let verifier = Hex.encode(services.world.randomBytes(32))
        let fresh = request.uri.queryParameters["fresh"] == "1"
        let freshWithin = fresh ? Int(services.configuration.console.stepUpAge) : nil
        let location: String
        do {
            location = try await provider.authorizationURL(
                state: state, nonce: nonce, codeVerifier: verifier, freshWithin: freshWithin)
        } catch {
            return try await refused("provider_unavailable", status: .badGateway, context)
        }
        try await services.store.beginSingleSignOn(
            SingleSignOnStart(
                stateDigest: HashFunction.sha256.hash(Array(state.utf8)), nonce: nonce, codeVerifier: verifier,
                freshWithin: freshWithin),
            lifetime: Self.loginLifetime)
        var headers = PageResponse.securityHeaders
        headers[.location] = location
        headers[.setCookie] =
            "\(Self.stateCookie)=\(state); Path=/; Max-Age=\(Int(Self.loginLifetime)); HttpOnly; Secure; SameSite=Lax"
        return Response(status: .seeOther, headers: headers)
    }

    /// The provider's answer: an error, or a code to exchange for a verified ID token.
    @Sendable func callback(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        guard let provider = services.singleSignOn else { throw APIError.notFound("single sign-on") }
        let query = request.uri.queryParameters
        if let error = query["error"] {
            // The browser brings this value: a line break or escape in it must not reach the log as such.
            let code = TerminalText.sanitized(String(error).prefix(64))
            return try await refused("provider_error:\(code)", status: .unauthorized, context)
        }
        guard let state = query["state"].map(String.init), let code = query["code"].map(String.init),
            state.utf8.count <= 256, code.utf8.count <= 4096,
            let bound = PageResponse.cookie(Self.stateCookie, in: request),
            services.keyring.constantTimeEqual(Array(bound.utf8), Array(state.utf8)),
            let login = try await services.store.consumeSingleSignOn(
                stateDigest: HashFunction.sha256.hash(Array(state.utf8)))
        else { return try await refused("state_unknown_or_replayed", status: .badRequest, context) }
        let claims: WebAuthn.JSONValue
        do {
            claims = try await provider.signIn(
                code: code, codeVerifier: login.codeVerifier, nonce: login.nonce, freshWithin: login.freshWithin)
        } catch let error as OIDCError {
            switch error {
            case .token(let failure):
                context.logger.info("console.sso.refused", metadata: ["reason": "\(failure)"])
                return try await refused("id_token_\(failure.reason.rawValue)", status: .unauthorized, context)
            case .refused(let reason):
                return try await refused("token_endpoint:\(reason.prefix(64))", status: .unauthorized, context)
            case .unavailable:
                return try await refused("provider_unavailable", status: .badGateway, context)
            }
        }
        let settings = await provider.settings
        guard let subject = claims["sub"]?.stringValue, let name = settings.userPrincipalName(in: claims) else {
            return try await refused("no_user_name", status: .forbidden, context)
        }
        guard let mapping = settings.mapping(for: claims) else {
            return try await refused("no_role_mapping", status: .forbidden, context, subject: name.value)
        }
        let person = SingleSignOnPerson(
            issuer: settings.issuer, subject: subject, userPrincipalName: name,
            name: claims["name"]?.stringValue.flatMap { $0.isEmpty ? nil : String($0.prefix(100)) } ?? name.value,
            role: mapping.role, site: mapping.site)
        let terms = ConsoleSessionTerms(
            method: .oidc, idleTimeout: services.configuration.console.idleTimeout,
            absoluteLifetime: services.configuration.console.absoluteLifetime)
        guard let signedIn = try await services.store.signInWithSingleSignOn(person, terms: terms) else {
            return try await refused("operator_revoked", status: .forbidden, context, subject: name.value)
        }
        // A page that moves on by itself, not a redirect: the provider's redirect is a cross-site navigation,
        // and a SameSite=Strict cookie is not sent on the rest of that chain.
        var response = PageResponse.html(ConsolePages.signedInBySingleSignOn(), status: .ok)
        response.headers.append(HTTPField(name: .setCookie, value: gate.sessionCookie(signedIn)))
        response.headers.append(
            HTTPField(
                name: .setCookie, value: "\(Self.stateCookie)=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"))
        return response
    }

    /// A refusal: audited, and a page in plain words.
    private func refused(
        _ reason: String, status: HTTPResponse.Status, _ context: TapRequestContext, subject: String? = nil
    ) async throws -> Response {
        try await services.store.recordConsoleRefusal(method: .oidc, reason: reason, subject: subject)
        context.logger.info("console.signInRefused", metadata: ["reason": "\(reason)"])
        return PageResponse.html(ConsolePages.signInRefused(reason: reason), status: status)
    }
}
