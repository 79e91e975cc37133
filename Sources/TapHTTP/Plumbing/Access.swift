import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapCore
import TapStorage

/// Who may call a route.
public enum Access: Sendable, Equatable {
    /// No credentials (health, spec, redeem).
    case anyone
    /// An operator token of one of these roles.
    case operators(Set<Role>)
    /// A session token from a redeemed pass of this scenario.
    case sessionToken(Scenario)
    /// Either such a session token, or an operator token of one of these roles (the MDM check-in).
    case sessionTokenOrOperators(Scenario, Set<Role>)
}

/// A route as the API contract names it: method and OpenAPI-style path.
public struct RouteDescription: Hashable, Sendable, CustomStringConvertible {
    public let method: String
    public let path: String
    public let access: Access

    public var description: String { "\(method) \(path)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.method == rhs.method && lhs.path == rhs.path }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(path)
    }
}

/// The caller, once its credentials were checked.
enum Caller {
    case anonymous
    case `operator`(Operator)
    case session(Session)

    var operatorIdentity: OperatorIdentity {
        get throws {
            guard case .operator(let record) = self else { throw APIError.unauthorized }
            return record.identity
        }
    }

    /// How the audit log names this caller.
    var auditName: String {
        switch self {
        case .anonymous: "anonymous"
        case .operator(let record): record.identity.id.rawValue
        case .session(let session): "session-token:\(session.id)"
        }
    }

    var session: Session {
        get throws {
            guard case .session(let session) = self else { throw APIError.unauthorized }
            return session
        }
    }
}

/// Checks credentials against a route's ``Access``, in two steps so that a refusal can name who was refused:
/// ``identify(_:access:)`` finds whose token it is, ``authorize(_:access:context:)`` decides if it may.
struct Authenticator: Sendable {
    let store: any OperatorStore & RedeemStore
    let consoleOnlyRoles: ConsoleOnlyRoles

    /// The token of `Authorization: Bearer <token>`, when the header holds one of ours; the one place that
    /// reads the header (the caller's identity, rotation and event streams all start from it).
    static func bearerToken(_ request: Request) -> BearerToken? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return BearerToken.parse(String(parts[1]))
    }

    /// The caller a request's bearer token belongs to; throws when the token is missing, unknown, expired,
    /// revoked, or of the wrong kind for the route.
    func identify(_ request: Request, access: Access) async throws -> Caller {
        if access == .anyone { return .anonymous }
        guard let token = Self.bearerToken(request) else { throw APIError.unauthorized }
        let (takesOperators, takesSessions): (Bool, Bool)
        switch access {
        case .anyone: return .anonymous
        case .operators: (takesOperators, takesSessions) = (true, false)
        case .sessionToken: (takesOperators, takesSessions) = (false, true)
        case .sessionTokenOrOperators: (takesOperators, takesSessions) = (true, true)
        }
        switch token.kind {
        case .operatorToken:
            guard takesOperators else {
                throw APIError.forbidden("this route takes the session token that redeeming a pass returned")
            }
            switch try await store.operatorForToken(token) {
            case .valid(let found):
                let role = found.identity.role
                if role.isPerson, try await consoleOnlyRoles.contains(role) {
                    throw APIError(
                        status: .forbidden, code: .consoleOnly,
                        detail: "the policy switched off bearer tokens for \(role.rawValue); sign in to the console")
                }
                return .operator(found)
            case .unknown: throw APIError.unauthorized
            case .expired:
                throw APIError(status: .unauthorized, code: .tokenExpired, detail: "this operator token has expired")
            case .revoked:
                throw APIError(status: .unauthorized, code: .tokenRevoked, detail: "this operator token was revoked")
            }
        case .sessionToken:
            guard takesSessions else { throw APIError.forbidden("a session token cannot call operator routes") }
            guard let session = try await store.sessionForToken(token) else {
                throw APIError(
                    status: .unauthorized, code: .invalidSessionToken,
                    detail: "this session token is unknown, revoked, or its session is no longer under way")
            }
            return .session(session)
        }
    }

    /// Whether an identified caller may use the route from where it is connected.
    func authorize(_ caller: Caller, access: Access, context: TapRequestContext) throws {
        switch (access, caller) {
        case (.anyone, _):
            return
        case (.operators(let roles), .operator(let record)),
            (.sessionTokenOrOperators(_, let roles), .operator(let record)):
            if !record.allowedSources.isEmpty {
                guard
                    record.allowedSources.contains(where: { AddressBlock($0)?.contains(context.clientAddress) == true })
                else {
                    throw APIError(
                        status: .forbidden, code: .sourceNotAllowed,
                        detail: "this token may not be used from this address")
                }
            }
            guard roles.contains(record.identity.role) else {
                throw APIError.forbidden("a \(record.identity.role.rawValue) token may not do this")
            }
        case (.sessionToken(let scenario), .session(let session)),
            (.sessionTokenOrOperators(let scenario, _), .session(let session)):
            guard session.scenario == scenario else {
                throw APIError.forbidden("this session token is for \(session.scenario.rawValue)")
            }
        default:
            throw APIError.unauthorized
        }
    }
}

/// Registers routes on the router with their access rule, and remembers them for the spec test.
final class RouteTable: @unchecked Sendable {
    // Only mutated while the router is being built, before the server starts.
    private(set) var routes: [RouteDescription] = []
    let router: Router<TapRequestContext>
    let authenticator: Authenticator
    let refusals: RefusalLedger
    let metrics: ServiceMetrics
    /// Who mints passes; in Entra mode the local-only routes answer `not_in_local_mode`.
    let passAuthority: PassAuthorityMode
    /// Where each operator's latest use is noted, and the clock it is noted by.
    let uses: OperatorUseLedger
    let now: @Sendable () -> Date

    init(
        router: Router<TapRequestContext>, authenticator: Authenticator, refusals: RefusalLedger,
        metrics: ServiceMetrics,
        passAuthority: PassAuthorityMode = .local, uses: OperatorUseLedger = OperatorUseLedger(),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.uses = uses
        self.now = now
        self.router = router
        self.authenticator = authenticator
        self.refusals = refusals
        self.metrics = metrics
        self.passAuthority = passAuthority
    }

    /// Redeem, everything a session token opens (the MDM check-in too: in Entra mode the watcher learns
    /// completion from Intune and has Graph delete the pass) and the enrollment pages are local-mode features:
    /// in Entra mode the user signs in at Microsoft, and no session token exists.
    static func isLocalModeOnly(path: String, access: Access) -> Bool {
        switch access {
        case .sessionToken, .sessionTokenOrOperators: return true
        case .anyone, .operators: break
        }
        return path == "/v1/redeem" || path == "/enroll" || path.hasPrefix("/enroll/")
    }

    func add(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access,
        handler: @escaping @Sendable (Request, TapRequestContext, Caller) async throws -> Response
    ) {
        let route = RouteDescription(method: method.rawValue, path: path, access: access)
        routes.append(route)
        let authenticator = self.authenticator
        let refusals = self.refusals
        let uses = self.uses
        let now = self.now
        let latency = metrics.latencyHistogram(method: method.rawValue, path: path)
        let refusedHere = passAuthority != .local && Self.isLocalModeOnly(path: path, access: access)
        router.on(RouterPath(path), method: method) { request, context in
            var caller = Caller.anonymous
            let start = ContinuousClock.now
            // Until the handler answers: a streamed body (server-sent events) is not counted as latency.
            defer { latency.record(ContinuousClock.now - start) }
            do {
                if refusedHere { throw APIError.notInLocalMode }
                caller = try await authenticator.identify(request, access: access)
                try authenticator.authorize(caller, access: access, context: context)
                if case .operator(let record) = caller {
                    uses.note(record.identity.id, at: now(), from: context.clientAddress)
                }
                return try await handler(request, context, caller)
            } catch {
                if let code = Self.refusalCode(error), code != APIError.invalidPass.code {
                    await refusals.record(actor: caller.auditName, code: code, route: route.description)
                }
                throw error
            }
        }
    }

    /// The methods registered for the route that `path` resolves to (GET routes also answer HEAD), sorted.
    /// Like the router, a literal segment wins over a `{parameter}`: `/v1/operators/me` is not `{id}`.
    func methods(matching path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var best: (literals: Int, methods: Set<String>) = (-1, [])
        for route in routes {
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard template.count == segments.count else { continue }
            var literals = 0
            let matches = zip(template, segments).allSatisfy { part, segment in
                if part.hasPrefix("{"), part.hasSuffix("}") { return !segment.isEmpty }
                literals += 1
                return part == segment
            }
            guard matches, literals >= best.literals else { continue }
            if literals > best.literals { best = (literals, []) }
            best.methods.insert(route.method)
            if route.method == "GET" { best.methods.insert("HEAD") }
        }
        return best.methods.sorted()
    }

    /// The problem code a refusal will carry; `nil` for errors that are not refusals (they become 500s).
    private static func refusalCode(_ error: any Error) -> String? {
        switch error {
        case let apiError as APIError: apiError.code
        case let enrollmentError as EnrollmentError: APIError(enrollmentError).code
        default: nil
        }
    }
}

extension Set where Element == Role {
    static let issuers: Set<Role> = [.admin, .helpdesk, .bench, .kiosk]
    /// Batches are a bench's and the help desk's tool; a kiosk issues one device at a time.
    static let batchIssuers: Set<Role> = [.admin, .helpdesk, .bench]
    static let sessionReaders: Set<Role> = [.admin, .helpdesk, .bench, .kiosk, .auditor]
    static let keyReaders: Set<Role> = [.admin, .helpdesk, .auditor]
    /// Four-eyes approvers, who also hold the incident tools (revoke everything of a user, issuance locks).
    static let approvers: Set<Role> = [.admin, .helpdesk]
    /// Session readers, and the read-only wall board of one site.
    static let siteEventReaders: Set<Role> = sessionReaders.union([.board])
    static let allOperators = Set(Role.allCases)
}
