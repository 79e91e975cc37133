/// Every fixed `code` a problem response can carry; `openapi.yaml` lists the same set (a test holds them equal).
///
/// Two families are not cases: `webauthn_<reason>`, one per WebAuthn refusal reason
/// (``APIError/webAuthn(reason:detail:)``), and `http_<status>`, for a framework status that has no code of its
/// own (``ProblemMiddleware``).
/// A raw value never changes meaning once released.
enum ProblemCode: String, CaseIterable, Sendable {
    // 400
    case invalidRequest = "invalid_request"
    case invalidJSON = "invalid_json"
    // 401
    case unauthorized
    case tokenExpired = "token_expired"
    case tokenRevoked = "token_revoked"
    case invalidSessionToken = "invalid_session_token"
    case invalidPass = "invalid_pass"
    case invalidEnrolmentCode = "invalid_enrolment_code"
    case invalidInvitation = "invalid_invitation"
    case consoleSignInRefused = "console_sign_in_refused"
    // 403
    case forbidden
    case sourceNotAllowed = "source_not_allowed"
    case subjectNotAllowed = "subject_not_allowed"
    case selfApproval = "self_approval"
    case approverNotAPerson = "approver_not_a_person"
    case notTheRequester = "not_the_requester"
    case originNotAllowed = "origin_not_allowed"
    case csrfTokenInvalid = "csrf_token_invalid"
    case consoleOnly = "console_only"
    // 404, 405, 408
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case requestTimeout = "request_timeout"
    // 409
    case conflict
    case invalidStateTransition = "invalid_state_transition"
    case idempotencyInProgress = "idempotency_in_progress"
    case approvalRequired = "approval_required"
    case newerTokenExists = "newer_token_exists"
    case policyChanged = "policy_changed"
    case entraTAPExists = "entra_tap_exists"
    case notInLocalMode = "not_in_local_mode"
    // 413, 414, 415
    case payloadTooLarge = "payload_too_large"
    case uriTooLong = "uri_too_long"
    case unsupportedMediaType = "unsupported_media_type"
    // 422
    case idempotencyConflict = "idempotency_conflict"
    case policyViolation = "policy_violation"
    case proofingRequired = "proofing_required"
    case proofingMethodNotAccepted = "proofing_method_not_accepted"
    case proofingIDNumberRefused = "proofing_id_number_refused"
    case webhookURLRefused = "webhook_url_refused"
    // 423, 429
    case issuanceLocked = "issuance_locked"
    case rateLimited = "rate_limited"
    case issuanceCapReached = "issuance_cap_reached"
    case tooManyStreams = "too_many_streams"
    // 5xx, and Entra's refusals (404, 422 or 502)
    case internalError = "internal_error"
    case entraRefused = "entra_refused"
    case entraUnavailable = "entra_unavailable"
    case storageUnavailable = "storage_unavailable"

    /// The prefix of the WebAuthn family: `webauthn_` and the refusal's reason.
    static let webAuthnPrefix = "webauthn_"
    /// The prefix of the fallback family: `http_` and a status the server has no code for.
    static let httpStatusPrefix = "http_"
}
