import TapAPI
import TapCore

/// A call the flow asks the driver to make to the service.
public enum KioskCall: Equatable, Sendable {
    /// `GET /v1/operators/me`: is the service up, and is this token a kiosk's?
    case whoAmI
    /// `GET /v1/policy`: the presets.
    case policy
    /// `POST /v1/sessions`, with the key that makes a retry safe.
    case createSession(CreateSessionRequest, idempotencyKey: String)
    /// `GET /v1/sessions/{id}`.
    case session(SessionID)
    /// `GET /v1/sessions?serialNumber=` or `?userPrincipalName=`.
    case findSessions(SessionSearch)
    /// `POST /v1/sessions/{id}/pass`: a fresh pass (or the first collection after approval).
    case reissuePass(SessionID, idempotencyKey: String)
    /// `POST /v1/sessions/{id}/cancel`.
    case cancelSession(SessionID)
}

/// What a lookup searches by.
public enum SessionSearch: Equatable, Sendable {
    case serialNumber(SerialNumber)
    case userPrincipalName(UserPrincipalName)
}

/// The service's answer to a ``KioskCall``, or why there is none.
public enum KioskAnswer: Equatable, Sendable {
    case operatorView(OperatorView)
    case policy(Policy)
    /// One session; `replayed` when an idempotent retry answered the original (without the pass value).
    case session(SessionView, replayed: Bool)
    case sessions([SessionView])
    case failure(KioskFailure)
}

/// Why a call brought no answer the flow can use.
public enum KioskFailure: Error, Equatable, Sendable {
    /// No connection, a timeout, or a reset: the service is down or unreachable.
    case unreachable
    /// The service refused with a problem document.
    case problem(status: Int, code: String, detail: String)
    /// The service answered something that is not the API (a proxy's error page, a wrong URL).
    case unexpected(status: Int)

    /// Whether trying again later may succeed.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        // A 409 `idempotency_in_progress` means the first try is still running: trying again is right.
        case .problem(let status, let code, _): status >= 500 || status == 429 || code == "idempotency_in_progress"
        case .unexpected(let status): status >= 500 || status == 0
        }
    }

    /// Whether the kiosk's token is at fault (expired, revoked, unknown).
    public var isTokenRefused: Bool {
        if case .problem(401, _, _) = self { return true }
        return false
    }

    /// One line for the technician.
    public var message: String {
        switch self {
        case .unreachable: "The service is not answering."
        case .problem(let status, let code, let detail):
            switch code {
            case "token_expired": "The kiosk's token has expired: ask an admin for a new enrolment code."
            case "token_revoked": "The kiosk's token was revoked: ask an admin for a new enrolment code."
            case "unauthorized": "The service does not accept the kiosk's token: ask an admin for a new enrolment code."
            case "not_found": "Not found at this kiosk's site."
            case "idempotency_in_progress": "The service is still working on the first try; try again in a moment."
            case "rate_limited", "issuance_cap_reached": "Too many passes for now: \(Self.oneLine(detail))"
            default:
                status >= 500
                    ? "The service failed (\(status) \(Self.oneLine(code))): \(Self.oneLine(detail))"
                    : "Refused (\(status) \(Self.oneLine(code))): \(Self.oneLine(detail))"
            }
        case .unexpected(let status):
            "The service answered something unexpected (HTTP \(status)); check the server address."
        }
    }

    /// A server text made safe for one screen line: no controls, at most 160 characters.
    static func oneLine(_ text: String) -> String {
        String(String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(160))
    }
}
