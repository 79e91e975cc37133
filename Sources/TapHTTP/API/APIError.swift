import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TapAPI
import TapCore
import TapGraph
import TapStorage

/// A refusal on its way to the client: status, stable code and a message that is safe to show.
///
/// This is the one place that turns domain errors into HTTP; an error it does not know becomes a bare 500
/// that is logged once with the request id (see ``ProblemMiddleware``). No error's own description ever
/// reaches a response.
struct APIError: Error {
    var status: HTTPResponse.Status
    /// The wire form: a ``ProblemCode``'s raw value, or a member of one of its two families.
    var code: String
    var detail: String
    var field: String? = nil
    var bound: String? = nil
    var headers: HTTPFields = [:]

    static func invalidRequest(_ detail: String, field: String? = nil) -> APIError {
        APIError(status: .badRequest, code: .invalidRequest, detail: detail, field: field)
    }
    static let unauthorized = APIError(
        status: .unauthorized, code: .unauthorized, detail: "send an operator token as 'Authorization: Bearer <token>'",
        headers: [.wwwAuthenticate: "Bearer"])
    static let invalidPass = APIError(
        status: .unauthorized, code: .invalidPass, detail: "the user principal name and pass do not admit a sign-in")
    static func forbidden(_ detail: String) -> APIError {
        APIError(status: .forbidden, code: .forbidden, detail: detail)
    }
    static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, code: .notFound, detail: "no such \(what)")
    }
    static let notInLocalMode = APIError(
        status: .conflict, code: .notInLocalMode,
        detail:
            "this server's pass authority is Entra: users sign in at Microsoft, and redeem, session tokens and /enroll are not used"
    )

    /// The Entra authority's refusals. Graph's own code and message are shown: they name what to fix in the
    /// tenant (a policy range, a missing permission, an unknown user) and never hold a secret.
    init(_ error: EntraError) {
        switch error {
        case .temporaryAccessPassExists:
            self.init(
                status: .conflict, code: .entraTAPExists,
                detail:
                    "the user already has an Entra Temporary Access Pass; send \"replaceExisting\": true to replace it")
        case .graphRefused(let status, let code, let message):
            let mapped: HTTPResponse.Status =
                switch status {
                case 404: .notFound
                case 403: .badGateway
                default: .unprocessableContent
                }
            self.init(
                status: mapped, code: .entraRefused, detail: "Microsoft Graph answered \(status) \(code): \(message)")
        case .graphUnavailable(let reason):
            self.init(
                status: .serviceUnavailable, code: .entraUnavailable,
                detail: "Microsoft Graph is unavailable: \(reason)",
                headers: [.retryAfter: "30"])
        case .closedWhileProvisioning:
            self.init(
                status: .conflict, code: .invalidStateTransition,
                detail: "the session was closed while Entra created its pass; that pass is being deleted")
        case .userTwiceInBatch:
            self.init(
                status: .conflict, code: .entraTAPExists,
                detail:
                    "an earlier row of this batch makes this user's Entra Temporary Access Pass, and Entra holds one per user"
            )
        }
    }

    /// A WebAuthn refusal, `webauthn_<reason>`: 409 for a credential registered already, else 400. The detail is
    /// fixed text written here (the verifier's own detail goes to the debug log only).
    static func webAuthn(reason: String, detail: String) -> APIError {
        let status: HTTPResponse.Status = reason == "credential_already_registered" ? .conflict : .badRequest
        let text =
            webAuthnDetails[reason]
            ?? "the security key's answer was refused (\(reason.replacingOccurrences(of: "_", with: " ")))"
        return APIError(status: status, familyCode: ProblemCode.webAuthnPrefix + reason, detail: text)
    }

    /// What the client can do about the reasons that name its own mistake; other reasons get the generic sentence.
    private static let webAuthnDetails: [String: String] = [
        "credential_already_registered": "this security key is registered already",
        "challenge_expired": "the challenge expired; ask for new options and try again",
        "challenge_replayed": "the challenge was answered before; ask for new options",
        "challenge_holder_mismatch": "the challenge was issued to another session or token",
        "challenge_purpose_mismatch": "the challenge was issued for another ceremony",
        "challenge_mismatch": "the challenge was not issued by this server",
    ]

    /// A refusal with one of the fixed codes.
    init(
        status: HTTPResponse.Status, code: ProblemCode, detail: String, field: String? = nil, bound: String? = nil,
        headers: HTTPFields = [:]
    ) {
        self.init(
            status: status, familyCode: code.rawValue, detail: detail, field: field, bound: bound, headers: headers)
    }

    /// A refusal whose code is a family member (`webauthn_<reason>`, `http_<status>`) rather than a fixed case.
    fileprivate init(
        status: HTTPResponse.Status, familyCode code: String, detail: String, field: String? = nil,
        bound: String? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.bound = bound
        self.headers = headers
    }

    init(_ error: EnrollmentError) {
        switch error {
        case .notFound(let what): self = .notFound(what)
        case .invalidStateTransition(let from, let action):
            self.init(
                status: .conflict, code: .invalidStateTransition,
                detail: "cannot \(action) a session that is \(from.rawValue)")
        case .conflict(let detail): self.init(status: .conflict, code: .conflict, detail: detail)
        case .invalidRequest(let field, let reason): self = .invalidRequest("\(field) \(reason)", field: field)
        case .policy(let violation):
            self.init(
                status: .unprocessableContent, code: .policyViolation, detail: violation.description,
                field: violation.field, bound: violation.bound)
        case .subjectNotAllowed(let detail): self.init(status: .forbidden, code: .subjectNotAllowed, detail: detail)
        case .forbidden(let detail): self = .forbidden(detail)
        case .idempotencyMismatch:
            self.init(
                status: .unprocessableContent, code: .idempotencyConflict,
                detail: "this Idempotency-Key was used with a different request")
        case .newerTokenExists:
            self.init(
                status: .conflict, code: .newerTokenExists,
                detail:
                    "this token was replaced by a rotation and only works until its grace period ends; rotate with the newest token"
            )
        case .proofing(.required):
            self.init(
                status: .unprocessableContent, code: .proofingRequired,
                detail: "policy requires a proofing record: how the person was identified, and by whom",
                field: "proofing")
        case .proofing(.methodNotAccepted(let method)):
            self.init(
                status: .unprocessableContent, code: .proofingMethodNotAccepted,
                detail: "policy does not accept \(method.rawValue) here", field: "proofing.method")
        case .proofing(.referenceMissing(let method)):
            self = .invalidRequest("proofing.reference is required for \(method.rawValue)", field: "proofing.reference")
        case .proofing(.looksLikeFullIDNumber(let field)):
            self.init(
                status: .unprocessableContent, code: .proofingIDNumberRefused,
                detail: "\(field) looks like a whole ID number; record the document type and its last digits only",
                field: field)
        case .issuanceLocked(let until):
            self.init(
                status: HTTPResponse.Status(code: 423, reasonPhrase: "Locked"), code: .issuanceLocked,
                detail: "issuance for this user is locked until \(WireJSON.formatTime(until))")
        case .issuanceCapReached(let cap, let limit):
            self.init(
                status: .tooManyRequests, code: .issuanceCapReached,
                detail: "the policy's \(cap) cap (\(limit)) is reached",
                field: cap, bound: "at most \(limit)")
        case .approvalRequired:
            self.init(
                status: .conflict, code: .approvalRequired,
                detail: "this session waits for a second operator's approval")
        case .approvalSpent(.collected):
            self.init(
                status: .conflict, code: .approvalRequired,
                detail: "this session's pass was issued under four-eyes approval, which covers one pass: "
                    + "cancel the session and ask again for a new approval")
        case .approvalSpent(.lapsed):
            self.init(
                status: .conflict, code: .approvalRequired,
                detail: "the approval was not collected within the approval timeout: "
                    + "cancel the session and ask again for a new approval")
        case .selfApproval:
            self.init(
                status: .forbidden, code: .selfApproval, detail: "the person who asked for a pass cannot approve it")
        case .tiedApproval:
            self.init(
                status: .forbidden, code: .selfApproval,
                detail: "the approver's token and the requester's were made by one operator (one created the other, "
                    + "or one created both within the approval timeout): another person must approve")
        case .approverNotAPerson:
            self.init(
                status: .forbidden, code: .approverNotAPerson,
                detail: "approvals need a person's token (one created with a user principal name)")
        case .notTheRequester:
            self.init(
                status: .forbidden, code: .notTheRequester,
                detail: "only the operator who asked for this pass collects it, once, where the user is")
        case .webAuthn(let reason, let detail):
            self = .webAuthn(reason: reason, detail: detail)
        case .policyChanged(let version):
            self.init(
                status: .preconditionFailed, code: .policyChanged,
                detail:
                    "the policy was changed by someone else since you read it (it is at version \(version) now); read it again and redo your change",
                headers: [.eTag: ReadController.policyETag(version)])
        }
    }

    var problem: Problem {
        Problem(
            status: Int(status.code), code: code, title: status.reasonPhrase, detail: detail, field: field, bound: bound
        )
    }

    func response() -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        let body = (try? WireJSON.encoder().encode(problem)) ?? Data()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error thrown below it into a problem response, so that no path answers with a stack trace,
/// a framework default or an error's description.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The registered routes, to tell "no such route" (404) from "not with this method" (405).
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            let allowed = routes.methods(matching: request.uri.path)
            guard !allowed.isEmpty else { return Self.mapFrameworkError(.notFound).response() }
            var refusal = Self.mapFrameworkError(.methodNotAllowed)
            refusal.headers[.allow] = allowed.joined(separator: ", ")
            return refusal.response()
        } catch let error as APIError {
            context.logger.debug(
                "request.refused", metadata: ["http.status": "\(error.status.code)", "problem.code": "\(error.code)"])
            return Self.answer(error, to: request)
        } catch let error as EnrollmentError {
            let apiError = APIError(error)
            context.logger.debug(
                "request.refused",
                metadata: ["http.status": "\(apiError.status.code)", "problem.code": "\(apiError.code)"])
            return Self.answer(apiError, to: request)
        } catch let error as EntraError {
            let apiError = APIError(error)
            let metadata: Logger.Metadata = [
                "http.status": "\(apiError.status.code)", "problem.code": "\(apiError.code)",
            ]
            if apiError.status.code >= 500 {
                context.logger.error("request.failed", metadata: metadata)
            } else {
                context.logger.debug("request.refused", metadata: metadata)
            }
            return Self.answer(apiError, to: request)
        } catch StorageError.unavailable {
            context.logger.error("request.failed", metadata: ["problem.code": "storage_unavailable"])
            let failure = APIError(
                status: .serviceUnavailable, code: .storageUnavailable,
                detail: "the database cannot be reached; try again shortly", headers: [.retryAfter: "2"])
            return Self.answer(failure, to: request)
        } catch let error as HTTPError {
            return Self.mapFrameworkError(error.status).response()
        } catch let error where JSONBody.isUnreadableFraming(error) {
            // A body the parser could not frame, read by a handler other than `JSONBody`'s: the client's fault.
            context.logger.debug(
                "request.refused",
                metadata: ["http.status": "400", "problem.code": "\(ProblemCode.invalidRequest.rawValue)"])
            return JSONBody.unreadableFraming.response()
        } catch {
            // Logged once, by type only: a database error's text can hold values from the request.
            context.logger.error("request.failed", metadata: ["error.type": "\(type(of: error))"])
            let failure = APIError(
                status: .internalServerError, code: .internalError, detail: "the server could not complete the request")
            return Self.answer(failure, to: request)
        }
    }

    /// A person's browser on a console page gets a page; everyone else the problem document.
    static func answer(_ problem: APIError, to request: Request) -> Response {
        ConsoleRefusalPage.response(for: problem, request: request) ?? problem.response()
    }

    static func mapFrameworkError(_ status: HTTPResponse.Status) -> APIError {
        switch status {
        case .notFound: APIError(status: .notFound, code: .notFound, detail: "no such route")
        case .methodNotAllowed:
            APIError(status: .methodNotAllowed, code: .methodNotAllowed, detail: "this route does not take that method")
        case .contentTooLarge:
            APIError(status: .contentTooLarge, code: .payloadTooLarge, detail: "the request body is too large")
        case .badRequest: APIError.invalidRequest("the request could not be read")
        default:
            APIError(
                status: status, familyCode: ProblemCode.httpStatusPrefix + "\(status.code)", detail: status.reasonPhrase
            )
        }
    }
}
