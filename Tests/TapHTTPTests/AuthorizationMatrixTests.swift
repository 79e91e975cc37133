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

/// Every route of API.md's table × every kind of caller → allowed, or the exact refusal. Written from the
/// contract, not derived from the code, so that a wrong `Access` on a route shows up here.
@Suite("Authorization matrix")
struct AuthorizationMatrixTests {
    enum Callers: Sendable {
        case anyone
        case operators(Set<Role>)
        case deviceSessionToken
        /// A session token of a `fido2Registration` session; no caller of the matrix holds one.
        case fido2SessionToken
        /// A device's session token, or an `mdm` token.
        case deviceSessionTokenOrMDM
        /// Loopback without a token (the router test client is not on loopback), or a `metrics`/admin token.
        case metricsScrape
        /// The board's data: a cookie, which no caller here has.
        case boardCookie
        /// A console page's data: the console cookie, which no caller here has.
        case consoleCookie
        /// A console form or ceremony: only from the console's own origin, which no caller here sends, whatever
        /// its token (a bearer token is never a console credential).
        case consoleOrigin
    }

    /// API.md's route table.
    static let contract: [String: Callers] = [
        "GET /healthz": .anyone, "GET /readyz": .anyone, "GET /openapi.yaml": .anyone,
        "POST /v1/sessions": .operators([.admin, .helpdesk, .bench, .kiosk]),
        "GET /v1/sessions": .operators([.admin, .helpdesk, .bench, .kiosk, .auditor]),
        "GET /v1/sessions/{id}": .operators([.admin, .helpdesk, .bench, .kiosk, .auditor]),
        "POST /v1/sessions/{id}/pass": .operators([.admin, .helpdesk, .bench, .kiosk]),
        "POST /v1/sessions/{id}/complete": .operators([.admin, .helpdesk, .bench, .kiosk]),
        "POST /v1/sessions/{id}/cancel": .operators([.admin, .helpdesk, .bench, .kiosk]),
        "POST /v1/redeem": .anyone,
        "POST /v1/kiosk/enrol": .anyone,
        "POST /v1/enrollment/device": .deviceSessionTokenOrMDM,
        "POST /v1/sessions/batch": .operators([.admin, .helpdesk, .bench]),
        "POST /v1/webhooks": .operators([.admin]),
        "GET /v1/webhooks": .operators([.admin]),
        "GET /v1/webhooks/{id}": .operators([.admin]),
        "DELETE /v1/webhooks/{id}": .operators([.admin]),
        "GET /v1/webhooks/{id}/deliveries": .operators([.admin]),
        "POST /v1/webhooks/{id}/test": .operators([.admin]),
        "PATCH /v1/webhooks/{id}": .operators([.admin]),
        "POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry": .operators([.admin]),
        "GET /metrics": .metricsScrape,
        "GET /board": .anyone, "POST /board": .anyone, "POST /board/sign-out": .anyone, "GET /board/board.css": .anyone,
        "GET /board/board.js": .anyone, "GET /board/sessions": .boardCookie, "GET /board/events": .boardCookie,
        "GET /console": .anyone, "GET /console/sign-in": .anyone, "GET /console/invitation": .anyone,
        "GET /console/console.css": .anyone, "GET /console/console.js": .anyone,
        "POST /console/sign-in/options": .consoleOrigin, "POST /console/sign-in": .consoleOrigin,
        "POST /console/invitation/options": .consoleOrigin, "POST /console/invitation": .consoleOrigin,
        "POST /console/sign-out": .consoleOrigin, "GET /console/new": .anyone, "POST /console/new": .consoleOrigin,
        "GET /console/find": .anyone, "GET /console/sessions/{id}": .anyone,
        "POST /console/sessions/{id}/pass": .consoleOrigin, "POST /console/sessions/{id}/cancel": .consoleOrigin,
        "GET /console/sessions/{id}/events": .consoleCookie, "GET /console/approvals": .anyone,
        "POST /console/approvals/{id}/approve": .consoleOrigin, "POST /console/approvals/{id}/reject": .consoleOrigin,
        "POST /console/step-up/options": .consoleOrigin, "POST /console/step-up": .consoleOrigin,
        "GET /console/users/{userPrincipalName}": .anyone,
        "GET /console/passkeys": .anyone, "POST /console/passkeys/add": .consoleOrigin,
        "POST /console/passkeys/{id}/remove": .consoleOrigin,
        "GET /console/bench": .anyone, "POST /console/bench": .consoleOrigin,
        "POST /console/users/{userPrincipalName}/revoke": .consoleOrigin,
        "POST /console/users/{userPrincipalName}/lock": .consoleOrigin,
        "POST /console/users/{userPrincipalName}/unlock": .consoleOrigin,
        "GET /console/policy": .anyone, "POST /console/policy/preview": .consoleOrigin,
        "POST /console/policy/save": .consoleOrigin, "GET /console/audit": .anyone,
        "GET /console/audit/sessions/{id}": .anyone, "POST /console/audit/verify": .consoleOrigin,
        "GET /console/audit/export": .anyone,
        "GET /console/people": .anyone, "POST /console/people/invite": .consoleOrigin,
        "POST /console/people/machines": .consoleOrigin, "POST /console/people/{id}/role": .consoleOrigin,
        "POST /console/people/{id}/reset-passkeys": .consoleOrigin, "POST /console/people/{id}/rotate": .consoleOrigin,
        "POST /console/people/{id}/revoke": .consoleOrigin,
        "GET /console/webhooks": .anyone, "POST /console/webhooks": .consoleOrigin,
        "GET /console/webhooks/{id}": .anyone, "POST /console/webhooks/{id}/test": .consoleOrigin,
        "POST /console/webhooks/{id}/delete": .consoleOrigin, "POST /console/webhooks/{id}/disable": .consoleOrigin,
        "POST /console/webhooks/{id}/enable": .consoleOrigin,
        "POST /console/webhooks/{id}/deliveries/{deliveryId}/retry": .consoleOrigin,
        "GET /console/keys": .anyone, "POST /console/keys/{id}/revoke": .consoleOrigin,
        "GET /console/service": .anyone,
        // Open to anyone; without a configured provider (as here) they answer 404.
        "GET /console/sso": .anyone, "GET /console/sso/callback": .anyone,
        "GET /v1/devices": .operators([.admin, .helpdesk, .bench, .kiosk, .auditor]),
        "GET /v1/devices/{id}": .operators([.admin, .helpdesk, .bench, .kiosk, .auditor]),
        "GET /v1/audit": .operators([.admin, .auditor]),
        "GET /v1/policy": .operators(Set(Role.allCases)),
        "PATCH /v1/policy": .operators([.admin]),
        "GET /v1/operators/me": .operators(Set(Role.allCases)),
        "GET /v1/operators": .operators([.admin]),
        "POST /v1/operators": .operators([.admin]),
        "DELETE /v1/operators/{id}": .operators([.admin]),
        "POST /v1/operators/me/rotate": .operators(Set(Role.allCases)),
        "POST /v1/operators/{id}/rotate": .operators([.admin]),
        "POST /v1/operators/invitations": .operators([.admin]),
        "POST /v1/operators/{id}/passkeys/reset": .operators([.admin]),
        "PUT /v1/operators/{id}/role": .operators([.admin]),
        "GET /v1/sessions/{id}/trail": .operators([.admin, .helpdesk, .bench, .kiosk, .auditor]),
        "GET /v1/sessions/{id}/events": .operators([.admin, .helpdesk, .bench, .kiosk, .auditor]),
        "GET /v1/events": .operators([.admin, .helpdesk, .bench, .kiosk, .auditor, .board]),
        "GET /v1/approvals": .operators([.admin, .helpdesk]),
        "POST /v1/approvals/{id}/approve": .operators([.admin, .helpdesk]),
        "POST /v1/approvals/{id}/reject": .operators([.admin, .helpdesk]),
        "POST /v1/users/{userPrincipalName}/revoke": .operators([.admin, .helpdesk]),
        "PUT /v1/users/{userPrincipalName}/issuance-lock": .operators([.admin, .helpdesk]),
        "DELETE /v1/users/{userPrincipalName}/issuance-lock": .operators([.admin, .helpdesk]),
        "POST /v1/enrollment/fido2/options": .fido2SessionToken,
        "POST /v1/enrollment/fido2": .fido2SessionToken,
        "POST /v1/enrollment/fido2/assertion/options": .fido2SessionToken,
        "POST /v1/enrollment/fido2/assertion": .fido2SessionToken,
        "GET /v1/keys": .operators([.admin, .helpdesk, .auditor]),
        "DELETE /v1/keys/{id}": .operators([.admin, .helpdesk]),
        "POST /v1/assertions/options": .operators([.relyingParty]),
        "POST /v1/assertions/verify": .operators([.relyingParty]),
        "GET /enroll": .anyone,
    ]

    /// A body that lets an allowed caller through to the handler.
    static let bodies: [String: String] = [
        "POST /v1/sessions": #"{"scenario": "fido2Registration", "userPrincipalName": "matrix@contoso.example"}"#,
        "POST /v1/redeem": #"{"userPrincipalName": "nobody@contoso.example", "temporaryAccessPass": "2222-3333-4444"}"#,
        "POST /v1/kiosk/enrol": #"{"enrolmentCode": "2222-3333-4444"}"#,
        "POST /v1/enrollment/device": #"{"serialNumber": "OTHER-SERIAL"}"#,
        "PATCH /v1/policy": "{}",
        "POST /v1/sessions/batch":
            #"{"sessions": [{"scenario": "fido2Registration", "userPrincipalName": "batch@contoso.example"}]}"#,
        "POST /v1/webhooks": #"{"url": "https://192.0.2.10/hook"}"#,
        "POST /v1/operators": #"{"name": "matrix", "role": "auditor"}"#,
        "POST /v1/sessions/{id}/cancel": "{}",
        "POST /v1/operators/me/rotate": "{}",
        "POST /v1/operators/{id}/rotate": "{}",
        "PUT /v1/operators/{id}/role": #"{"role": "auditor"}"#,
        "PATCH /v1/webhooks/{id}": #"{"enabled": false}"#,
        "POST /v1/operators/invitations":
            #"{"name": "matrix person", "role": "auditor", "userPrincipalName": "matrix@contoso.example"}"#,
        "POST /v1/approvals/{id}/approve": "{}",
        "POST /v1/approvals/{id}/reject": #"{"reason": "matrix"}"#,
        "POST /v1/users/{userPrincipalName}/revoke": #"{"reason": "matrix"}"#,
        "PUT /v1/users/{userPrincipalName}/issuance-lock": #"{"minutes": 1, "reason": "matrix"}"#,
        "POST /v1/enrollment/fido2/options": "{}",
        "POST /v1/enrollment/fido2": "{}",
        "POST /v1/enrollment/fido2/assertion/options": "{}",
        "POST /v1/enrollment/fido2/assertion": "{}",
        "POST /v1/assertions/options": "{}",
        "POST /v1/assertions/verify": "{}",
    ]

    /// The codes of authentication and authorization refusals; an allowed call may still be refused for
    /// other reasons (a wrong pass, a conflict), which is the handler answering.
    static let refusalCodes: Set<String> = [
        "unauthorized", "token_expired", "token_revoked", "invalid_session_token", "forbidden", "source_not_allowed",
    ]

    enum Expected: Equatable, CustomStringConvertible {
        case allowed
        case refused(HTTPResponse.Status, String)

        var description: String {
            switch self {
            case .allowed: "allowed"
            case .refused(let status, let code): "\(status.code) \(code)"
            }
        }
    }

    enum Caller: Hashable, CustomStringConvertible {
        case none, role(Role), expired, revoked, sessionToken, otherSite, wrongAddress

        var description: String {
            switch self {
            case .none: "no token"
            case .role(let role): role.rawValue
            case .expired: "expired token"
            case .revoked: "revoked token"
            case .sessionToken: "session token"
            case .otherSite: "kiosk of another site"
            case .wrongAddress: "token from an unbound address"
            }
        }
    }

    static let callers: [Caller] =
        [.none, .expired, .revoked, .sessionToken, .otherSite, .wrongAddress] + Role.allCases.map(Caller.role)

    static func expected(route: String, callers: Callers, caller: Caller) -> Expected {
        let forbidden = Expected.refused(.forbidden, "forbidden")
        switch callers {
        case .anyone:
            return .allowed
        case .fido2SessionToken:
            return caller == .none ? .refused(.unauthorized, "unauthorized") : forbidden
        case .deviceSessionToken:
            switch caller {
            case .none: return .refused(.unauthorized, "unauthorized")
            case .sessionToken: return .allowed
            default: return forbidden  // an operator token, whatever its state, is the wrong kind here
            }
        case .deviceSessionTokenOrMDM:
            switch caller {
            case .none: return .refused(.unauthorized, "unauthorized")
            case .expired: return .refused(.unauthorized, "token_expired")
            case .revoked: return .refused(.unauthorized, "token_revoked")
            case .wrongAddress: return .refused(.forbidden, "source_not_allowed")
            case .sessionToken, .role(.mdm): return .allowed
            default: return forbidden
            }
        case .boardCookie, .consoleCookie:
            return .refused(.unauthorized, "unauthorized")
        case .consoleOrigin:
            return .refused(.forbidden, "origin_not_allowed")
        case .metricsScrape:
            switch caller {
            case .none: return .refused(.unauthorized, "unauthorized")
            case .expired: return .refused(.unauthorized, "token_expired")
            case .revoked: return .refused(.unauthorized, "token_revoked")
            case .wrongAddress: return .refused(.forbidden, "source_not_allowed")
            case .role(.metrics), .role(.admin): return .allowed
            default: return forbidden
            }
        case .operators(let roles):
            switch caller {
            case .none: return .refused(.unauthorized, "unauthorized")
            case .expired: return .refused(.unauthorized, "token_expired")
            case .revoked: return .refused(.unauthorized, "token_revoked")
            case .sessionToken: return forbidden
            case .wrongAddress: return .refused(.forbidden, "source_not_allowed")
            case .otherSite:
                guard roles.contains(.kiosk) else { return forbidden }
                return route.contains("{id}") ? .refused(.notFound, "not_found") : .allowed
            case .role(let role): return roles.contains(role) ? .allowed : forbidden
            }
        }
    }

    @Test func everyRouteHasARowAndEveryCellHolds() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let (_, routes) = buildRouter(
            configuration: fixture.configuration, store: fixture.store, keyring: fixture.keyring, world: fixture.world)
        let served = Set(routes.map(\.description))
        #expect(served.subtracting(Self.contract.keys).sorted() == [], "a route has no row in the matrix")
        #expect(Set(Self.contract.keys).subtracting(served).sorted() == [], "a row names a route that is not served")

        // Callers, and one session and device at site-1 for the {id} routes.
        var tokens: [Caller: String] = [.role(.admin): fixture.adminToken]
        for role in Role.allCases where role != .admin {
            tokens[.role(role)] = try await fixture.token(role, site: "site-1")
        }
        tokens[.otherSite] = try await fixture.token(.kiosk, site: "site-2")
        tokens[.wrongAddress] = try await fixture.token(.helpdesk, allowedSources: ["192.0.2.0/24"])
        tokens[.expired] = try await fixture.token(.admin, expiresAt: fixture.clock.now.addingTimeInterval(1))
        let (revoked, revokedToken) = try await fixture.store.createOperator(
            NewOperator(name: "gone", role: .admin), by: nil)
        let admin = try await fixture.store.operators().first { $0.identity.name == "admin" }!.identity
        _ = try await fixture.store.revokeOperator(revoked.identity.id, by: admin)
        tokens[.revoked] = revokedToken.value
        guard
            case .created(let target) = try await fixture.store.createSession(
                NewSession(
                    scenario: .deviceEnrollment, userPrincipalName: UserPrincipalName("target@contoso.example")!,
                    device: DeviceDescription(serialNumber: SerialNumber("TARGET-1")!, platform: .windows),
                    site: SiteName("site-1"),
                    pass: PassRequest(maxUses: 2)),
                by: admin),
            case .admitted(_, let sessionToken) = try await fixture.store.redeem(
                user: target.session.userPrincipalName, pass: PresentedPass(target.pass))
        else { throw CancellationError() }
        tokens[.sessionToken] = sessionToken.value
        let deviceID = try #require(target.session.device?.id)
        fixture.clock.advance(seconds: 2)
        let table = tokens

        let cells = try await fixture.application().test(.router) { client in
            var cells = 0
            for (route, callers) in Self.contract.sorted(by: { $0.key < $1.key }) {
                let parts = route.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                var path = String(parts[1]).replacingOccurrences(
                    of: "{userPrincipalName}", with: "someone@contoso.example")
                path = path.replacingOccurrences(
                    of: "{id}",
                    with: path.hasPrefix("/v1/devices")
                        ? deviceID.rawValue
                        : path.hasPrefix("/v1/operators") || path.hasPrefix("/v1/webhooks")
                            ? "01a2188d-0000-7000-8000-000000000000" : target.session.id.rawValue)
                for caller in Self.callers {
                    var headers = HTTPFields()
                    if let token = table[caller] { headers[.authorization] = "Bearer \(token)" }
                    // A fresh user per redeem, so the failed-redeem throttle does not answer for the handler.
                    let body = Self.bodies[route]?.replacingOccurrences(of: "nobody@", with: "nobody\(cells)@")
                    if body != nil { headers[.contentType] = "application/json" }
                    let response = try await client.execute(
                        uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                    let expected = Self.expected(route: route, callers: callers, caller: caller)
                    switch expected {
                    case .allowed:
                        #expect(
                            !Self.refusalCodes.contains(response.problemCode ?? "") && response.status.code < 500,
                            "\(route) as \(caller): expected allowed, got \(response.status.code) \(response.problemCode ?? "")"
                        )
                    case .refused(let status, let code):
                        #expect(
                            response.status == status && response.problemCode == code,
                            "\(route) as \(caller): expected \(expected), got \(response.status.code) \(response.problemCode ?? "")"
                        )
                    }
                    cells += 1
                }
            }
            return cells
        }
        #expect(cells == Self.contract.count * Self.callers.count)
    }
}
