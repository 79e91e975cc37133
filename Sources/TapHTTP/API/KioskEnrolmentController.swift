import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapStorage

/// `POST /v1/kiosk/enrol`: a new kiosk exchanges its one-time enrolment code for its operator token.
///
/// Unauthenticated by nature, so it is abuse-limited like redeem, through the same throttle: failures count
/// per client address (under a fixed pseudo-user), and an address over its limit is refused before any work.
struct KioskEnrolmentController {
    let services: AppServices

    /// The throttle counts enrolment failures under this name, apart from every real user.
    static let throttleSubject = UserPrincipalName("kiosk-enrolment@tapstation.invalid")!

    func register(_ routes: RouteTable) {
        routes.add(.post, "/v1/kiosk/enrol", .anyone, handler: enrol)
    }

    /// Refused before any work when the address is over its limit; every refusal is the same 401.
    @Sendable func enrol(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let client = context.clientAddress
        if let wait = await services.throttle.retryAfter(client: client, user: Self.throttleSubject) {
            throw APIError(
                status: .tooManyRequests, code: .rateLimited, detail: "too many failed attempts; retry in \(wait) s",
                headers: [.retryAfter: String(wait)])
        }
        let (body, _) = try await JSONBody.decode(
            KioskEnrolmentRequest.self, from: request, limits: services.configuration)
        guard body.enrolmentCode.utf8.count <= 200,
            let exchanged = try await services.store.exchangeKioskEnrolmentCode(body.enrolmentCode)
        else {
            await services.throttle.recordFailure(client: client, user: Self.throttleSubject)
            throw APIError(
                status: .unauthorized, code: .invalidEnrolmentCode,
                detail: "this enrolment code is unknown, used or expired; ask an admin for a new one")
        }
        let (record, token) = exchanged
        await services.throttle.recordSuccess(client: client, user: Self.throttleSubject)
        context.logger.info("kiosk.enrolled", metadata: ["operator.id": "\(record.identity.id)"])
        return try JSONBody.response(KioskEnrolmentResponse(operator: OperatorView(record), token: token.value))
    }
}

extension OperatorsController {
    /// `POST /v1/operators` with `withEnrolmentCode`: a kiosk operator and a one-time code, no token.
    func createWithEnrolmentCode(_ body: CreateOperatorRequest, creator: OperatorIdentity) async throws -> Response {
        let grant = try await services.store.createKioskOperator(
            body.newOperator,
            enrolmentCodeLifetime: StoreLimits.enrolmentCodeLifetime, by: creator)
        return try JSONBody.response(
            CreatedKioskOperator(
                operator: OperatorView(grant.operator), enrolmentCode: grant.code,
                enrolmentCodeExpirationDateTime: grant.expiresAt),
            status: .created, headers: [.location: "/v1/operators/\(grant.operator.identity.id)"])
    }
}
