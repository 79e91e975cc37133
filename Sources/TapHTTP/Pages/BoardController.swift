import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapAPI
import TapCore
import TapStorage

/// `/board`: the bench's wall display. A `board` token is typed once into a small form and kept in an
/// HttpOnly, Secure, SameSite=Strict cookie for `/board` only (never in a URL); the page then lists the
/// site's open sessions (state, time left, last step; never a pass) and follows the site's events through
/// `/board/events`, so that its own data calls carry the cookie. Everything it loads is served from here.
struct BoardController {
    let services: AppServices

    static let cookieName = "tapstation_board"
    /// How long the cookie lasts; the token's own expiry or revocation ends access sooner.
    static let cookieSeconds = 30 * 86_400

    func register(_ routes: RouteTable) {
        routes.add(.get, "/board", .anyone, handler: page)
        routes.add(.post, "/board", .anyone, handler: signIn)
        routes.add(.post, "/board/sign-out", .anyone, handler: signOut)
        routes.add(.get, "/board/board.css", .anyone) { _, _, _ in
            Self.asset(BoardAssets.css, type: "text/css; charset=utf-8")
        }
        routes.add(.get, "/board/board.js", .anyone) { _, _, _ in
            Self.asset(BoardAssets.script, type: "text/javascript; charset=utf-8")
        }
        routes.add(.get, "/board/sessions", .anyone, handler: sessions)
        routes.add(.get, "/board/events", .anyone, handler: events)
    }

    /// The sign-in form, or the board when the cookie holds a working board token.
    @Sendable func page(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let board = try await boardOperator(request, context: context) else {
            return Self.html(BoardAssets.signInPage(error: nil), status: .ok)
        }
        return Self.html(BoardAssets.boardPage(site: board.site?.value ?? ""), status: .ok)
    }

    @Sendable func signIn(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let bytes = try await JSONBody.bytes(of: request, limit: 4096)
        let form = Self.formFields(String(decoding: bytes, as: UTF8.self))
        let refused = Self.html(
            BoardAssets.signInPage(error: "That is not a working board token."), status: .unauthorized)
        guard let text = form["token"]?.trimmingCharacters(in: .whitespacesAndNewlines),
            let token = BearerToken.parse(text),
            token.kind == .operatorToken, case .valid(let found) = try await services.store.operatorForToken(token),
            found.identity.role == .board, found.identity.site != nil
        else { return refused }
        var headers = Self.securityHeaders
        headers[.location] = "/board"
        headers[.setCookie] =
            "\(Self.cookieName)=\(token.value); Path=/board; Max-Age=\(Self.cookieSeconds); HttpOnly; Secure; SameSite=Strict"
        return Response(status: .seeOther, headers: headers)
    }

    @Sendable func signOut(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        var headers = Self.securityHeaders
        headers[.location] = "/board"
        headers[.setCookie] = "\(Self.cookieName)=; Path=/board; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
        return Response(status: .seeOther, headers: headers)
    }

    /// The site's open sessions as the page shows them.
    @Sendable func sessions(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        let board = try await requireBoard(request, context: context)
        let now = services.world.now()
        let entries = try await services.store.boardEntries(site: try requireSite(board), limit: 300)
        let rows = entries.map { entry -> BoardRow in
            let session = entry.session
            let state = session.effectiveState(at: now)
            let deadline: Date? =
                switch state {
                case .pending: session.pass?.startsAt
                case .active: session.pass?.expiresAt
                case .inProgress: session.completionDeadline
                case .awaitingApproval: session.approval?.deadline
                default: nil
                }
            return BoardRow(
                id: session.id.rawValue, serialNumber: session.device?.serialNumber.value,
                assetTag: session.device?.assetTag,
                model: session.device?.model, platform: session.device?.platform.rawValue,
                user: String(session.userPrincipalName.value.prefix { $0 != "@" }), scenario: session.scenario.rawValue,
                state: state.rawValue, deadline: deadline.map(WireJSON.formatTime), lastStep: entry.lastStep?.rawValue,
                lastStepTime: entry.lastStepAt.map(WireJSON.formatTime))
        }
        var response = try JSONBody.response(
            BoardSnapshot(site: try requireSite(board).value, now: WireJSON.formatTime(now), sessions: rows))
        for field in Self.securityHeaders { response.headers[field.name] = field.value }
        return response
    }

    /// The site's event stream, for the page (which cannot send a bearer header from `EventSource`).
    @Sendable func events(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let board = try await requireBoard(request, context: context)
        let site = try requireSite(board)
        let after = try EventsController.lastEventID(request) ?? services.store.feed.latest
        let token = Self.cookie(Self.cookieName, in: request).flatMap(BearerToken.parse)
        let (lease, tokenInForce) = try EventsController.admit(board, token: token, services: services)
        let stream = EventStream(
            store: services.store, session: nil, site: site, after: after, closedState: nil,
            configuration: services.configuration, lease: lease, tokenInForce: tokenInForce)
        return stream.response()
    }

    // MARK: The cookie

    private func boardOperator(_ request: Request, context: TapRequestContext) async throws -> OperatorIdentity? {
        guard let value = Self.cookie(Self.cookieName, in: request), let token = BearerToken.parse(value),
            token.kind == .operatorToken, case .valid(let found) = try await services.store.operatorForToken(token),
            found.identity.role == .board
        else { return nil }
        if !found.allowedSources.isEmpty,
            !found.allowedSources.contains(where: { AddressBlock($0)?.contains(context.clientAddress) == true })
        {
            return nil
        }
        return found.identity
    }

    private func requireBoard(_ request: Request, context: TapRequestContext) async throws -> OperatorIdentity {
        guard let board = try await boardOperator(request, context: context) else {
            throw APIError(
                status: .unauthorized, code: .unauthorized, detail: "sign in to the board at /board with a board token")
        }
        return board
    }

    private func requireSite(_ board: OperatorIdentity) throws -> SiteName {
        guard let site = board.site else { throw APIError.forbidden("a board token belongs to one site") }
        return site
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0] == name { return pair[1] }
            }
        }
        return nil
    }

    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    // MARK: Answers

    /// Nothing from elsewhere, no inline script or style, no framing, no referrer.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .cacheControl: "no-store",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    static func html(_ text: String, status: HTTPResponse.Status) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// `GET /board/sessions`.
private struct BoardSnapshot: Encodable {
    var site: String
    var now: String
    var sessions: [BoardRow]
}

/// One open session on the board: never a pass, a token or the full user principal name.
private struct BoardRow: Encodable {
    var id: String
    var serialNumber: String?
    var assetTag: String?
    var model: String?
    var platform: String?
    var user: String
    var scenario: String
    var state: String
    var deadline: String?
    var lastStep: String?
    var lastStepTime: String?
}

extension HTTPField.Name {
    fileprivate static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
}
