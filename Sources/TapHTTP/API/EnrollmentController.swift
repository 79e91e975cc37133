import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapStorage

/// `/v1/redeem` and the device's check-in: what the device or user side calls.
struct EnrollmentController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.post, "/v1/redeem", .anyone, handler: redeem)
        routes.add(
            .post, "/v1/enrollment/device", .sessionTokenOrOperators(.deviceEnrollment, [.mdm]), handler: checkIn)
    }

    /// Every failure is the same 401 `invalid_pass`, and does the same work: a pass that cannot even be
    /// parsed is MACed and compared like any other (``PresentedPass``), so its refusal takes as long as a
    /// wrong pass's.
    @Sendable func redeem(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let (body, _) = try await JSONBody.decode(RedeemRequest.self, from: request, limits: services.configuration)
        guard let user = UserPrincipalName(body.userPrincipalName) else {
            throw APIError.invalidRequest(
                "userPrincipalName must be local@domain, at most 113 characters", field: "userPrincipalName")
        }
        // Abuse limits first: a throttled caller learns nothing and causes no write.
        let client = context.clientAddress
        if let wait = await services.throttle.retryAfter(client: client, user: user) {
            services.metrics.redeemed(.throttled)
            throw APIError(
                status: .tooManyRequests, code: .rateLimited, detail: "too many failed attempts; retry in \(wait) s",
                headers: [.retryAfter: String(wait)])
        }
        guard body.temporaryAccessPass.utf8.count <= 200 else {
            services.metrics.redeemed(.refused)
            await services.throttle.recordFailure(client: client, user: user, guardsLockOut: true)
            throw APIError.invalidPass
        }
        switch try await services.store.redeem(
            user: user, pass: PresentedPass(body.temporaryAccessPass), client: client)
        {
        case .refused:
            services.metrics.redeemed(.refused)
            await services.throttle.recordFailure(client: client, user: user, guardsLockOut: true)
            throw APIError.invalidPass
        case .admitted(let session, let token):
            services.metrics.redeemed(.admitted)
            await services.throttle.recordSuccess(client: client, user: user)
            let now = services.world.now()
            context.logger.info("pass.redeemed", metadata: ["session.id": "\(session.id)"])
            return try JSONBody.response(
                RedeemResponse(
                    sessionToken: token.value, sessionExpirationDateTime: session.completionDeadline,
                    session: RedeemedSession(session, now: now)))
        }
    }

    /// The device reports with its session token; an MDM-side script (an `mdm` token) reports by serial
    /// number, for the open session of that device in its own site.
    @Sendable func checkIn(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        let (body, _) = try await JSONBody.decode(
            DeviceCheckInRequest.self, from: request, limits: services.configuration)
        try checkText(body.mdmDeviceId, field: "mdmDeviceId", maximum: 128)
        let completed: Session
        if case .operator(let record) = caller {
            completed = try await services.store.checkInDevice(
                serialNumber: body.serialNumber, mdmDeviceID: body.mdmDeviceId, by: record.identity)
        } else {
            completed = try await services.store.checkInDevice(
                session: try caller.session.id, serialNumber: body.serialNumber, mdmDeviceID: body.mdmDeviceId)
        }
        context.logger.info("device.enrolled", metadata: ["session.id": "\(completed.id)"])
        return try JSONBody.response(RedeemedSession(completed, now: services.world.now()))
    }
}
