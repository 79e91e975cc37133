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

    var session: Session {
        get throws {
            guard case .session(let session) = self else { throw APIError.unauthorized }
            return session
        }
    }
}

/// Checks credentials against a route's ``Access``.
struct Authenticator: Sendable {
    let store: EnrollmentStore
    let keyring: Keyring

    func authenticate(_ request: Request, context: TapRequestContext, access: Access) async throws -> Caller {
        if access == .anyone { return .anonymous }
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", let token = BearerToken.parse(String(parts[1])) else {
            throw APIError.unauthorized
        }
        switch (access, token.kind) {
        case (.operators(let roles), .operatorToken):
            let record: Operator
            switch try await store.operatorForToken(digest: keyring.tokenDigest(token)) {
            case .valid(let found): record = found
            case .unknown: throw APIError.unauthorized
            case .expired: throw APIError(status: .unauthorized, code: "token_expired", detail: "this operator token has expired")
            case .revoked: throw APIError(status: .unauthorized, code: "token_revoked", detail: "this operator token was revoked")
            }
            if !record.allowedSources.isEmpty {
                let address = context.remoteAddress?.ipAddress ?? ""
                guard record.allowedSources.contains(where: { AddressBlock($0)?.contains(address) == true }) else {
                    throw APIError(status: .forbidden, code: "source_not_allowed", detail: "this token may not be used from this address")
                }
            }
            guard roles.contains(record.identity.role) else {
                throw APIError.forbidden("a \(record.identity.role.rawValue) token may not do this")
            }
            return .operator(record)
        case (.sessionToken(let scenario), .sessionToken):
            guard let session = try await store.sessionForToken(digest: keyring.tokenDigest(token)) else {
                throw APIError(
                    status: .unauthorized, code: "invalid_session_token",
                    detail: "this session token is unknown, revoked, or its session is no longer under way")
            }
            guard session.scenario == scenario else { throw APIError.forbidden("this session token is for \(session.scenario.rawValue)") }
            return .session(session)
        case (.operators, .sessionToken):
            throw APIError.forbidden("a session token cannot call operator routes")
        case (.sessionToken, .operatorToken):
            throw APIError.forbidden("this route takes the session token that redeeming a pass returned")
        case (.anyone, _):
            return .anonymous
        }
    }
}

/// Registers routes on the router with their access rule, and remembers them for the spec test.
final class RouteTable: @unchecked Sendable {
    // Only mutated while the router is being built, before the server starts.
    private(set) var routes: [RouteDescription] = []
    let router: Router<TapRequestContext>
    let authenticator: Authenticator

    init(router: Router<TapRequestContext>, authenticator: Authenticator) {
        self.router = router
        self.authenticator = authenticator
    }

    func add(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access,
        handler: @escaping @Sendable (Request, TapRequestContext, Caller) async throws -> Response
    ) {
        routes.append(RouteDescription(method: method.rawValue, path: path, access: access))
        let authenticator = self.authenticator
        router.on(RouterPath(path), method: method) { request, context in
            let caller = try await authenticator.authenticate(request, context: context, access: access)
            return try await handler(request, context, caller)
        }
    }
}

extension Set where Element == Role {
    static let issuers: Set<Role> = [.admin, .helpdesk, .bench, .kiosk]
    static let sessionReaders: Set<Role> = [.admin, .helpdesk, .bench, .kiosk, .auditor]
    static let allOperators = Set(Role.allCases)
}
