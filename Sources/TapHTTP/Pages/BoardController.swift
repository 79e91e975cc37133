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
            PageResponse.asset(BoardAssets.css, type: "text/css; charset=utf-8")
        }
        routes.add(.get, "/board/board.js", .anyone) { _, _, _ in
            PageResponse.asset(BoardAssets.script, type: "text/javascript; charset=utf-8")
        }
        routes.add(.get, "/board/sessions", .anyone, handler: sessions)
        routes.add(.get, "/board/events", .anyone, handler: events)
    }

    /// The sign-in form, or the board when the cookie holds a working board token.
    @Sendable func page(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let board = try await boardOperator(request, context: context) else {
            return PageResponse.html(BoardAssets.signInPage(error: nil), status: .ok)
        }
        return PageResponse.html(BoardAssets.boardPage(site: board.site?.value ?? ""), status: .ok)
    }

    @Sendable func signIn(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let bytes = try await JSONBody.bytes(of: request, limit: 4096)
        let form = PageResponse.formFields(String(decoding: bytes, as: UTF8.self))
        let refused = PageResponse.html(
            BoardAssets.signInPage(error: "That is not a working board token."), status: .unauthorized)
        guard let text = form["token"]?.trimmingCharacters(in: .whitespacesAndNewlines),
            let token = BearerToken.parse(text),
            token.kind == .operatorToken, case .valid(let found) = try await services.store.operatorForToken(token),
            found.identity.role == .board, found.identity.site != nil
        else { return refused }
        var headers = PageResponse.securityHeaders
        headers[.location] = "/board"
        headers[.setCookie] =
            "\(Self.cookieName)=\(token.value); Path=/board; Max-Age=\(Self.cookieSeconds); HttpOnly; Secure; SameSite=Strict"
        return Response(status: .seeOther, headers: headers)
    }

    @Sendable func signOut(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        var headers = PageResponse.securityHeaders
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
                lastStepTime: entry.lastStepAt.map(WireJSON.formatTime),
                entraPassDeletion: session.entra?.revocation?.rawValue)
        }
        var response = try JSONBody.response(
            BoardSnapshot(site: try requireSite(board).value, now: WireJSON.formatTime(now), sessions: rows))
        for field in PageResponse.securityHeaders { response.headers[field.name] = field.value }
        return response
    }

    /// The site's event stream, for the page (which cannot send a bearer header from `EventSource`).
    @Sendable func events(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let board = try await requireBoard(request, context: context)
        let site = try requireSite(board)
        let after = try EventsController.lastEventID(request) ?? services.store.feed.latest
        let token = PageResponse.cookie(Self.cookieName, in: request).flatMap(BearerToken.parse)
        let (lease, tokenInForce) = try EventsController.admit(board, token: token, services: services)
        let stream = EventStream(
            store: services.store, session: nil, site: site, after: after, closedState: nil,
            configuration: services.configuration, lease: lease, tokenInForce: tokenInForce)
        return stream.response()
    }

    // MARK: The cookie

    private func boardOperator(_ request: Request, context: TapRequestContext) async throws -> OperatorIdentity? {
        guard let value = PageResponse.cookie(Self.cookieName, in: request), let token = BearerToken.parse(value),
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
}

/// `GET /board/sessions`.
private struct BoardSnapshot: Encodable {
    var site: String
    var now: String
    var sessions: [BoardRow]
}

/// One session on the board (open, or closed with its Entra pass not yet deleted): never a pass, a token or
/// the full user principal name.
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
    /// An Entra pass's deletion: `pending` until Graph confirms it, then `confirmed`; absent in local mode.
    var entraPassDeletion: String?
}
