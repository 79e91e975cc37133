import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapCrypto
import TapStorage
import WebAuthn

/// Registered keys for operators, and sign-in verification for the organisation's apps (`relyingParty` tokens).
struct KeysController {
    let services: AppServices

    var webAuthn: WebAuthnConfiguration { services.configuration.webAuthn }

    func register(_ routes: RouteTable) {
        routes.add(.get, "/v1/keys", .operators(.keyReaders), handler: list)
        routes.add(.delete, "/v1/keys/{id}", .operators([.admin, .helpdesk]), handler: delete)
        routes.add(.post, "/v1/assertions/options", .operators([.relyingParty]), handler: assertionOptions)
        routes.add(.post, "/v1/assertions/verify", .operators([.relyingParty]), handler: verify)
    }

    @Sendable func list(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let viewer = try caller.operatorIdentity
        let query = QueryReader(request)
        let page = try await services.store.securityKeys(
            user: try query.value("userPrincipalName", UserPrincipalName.init),
            flaggedOnly: try query.value("flagged", Bool.init) ?? false, visibleTo: viewer,
            after: try query.value("cursor", SecurityKeyID.init), limit: try query.limit())
        let metadata = services.metadata
        return try JSONBody.response(
            KeyList(
                items: page.items.map { KeyView($0, model: metadata.model(aaguid: $0.key.aaguid)) },
                nextCursor: page.nextCursor))
    }

    @Sendable func delete(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let id: SecurityKeyID = try context.pathID(naming: "key")
        let reason = try QueryReader(request).value("reason") { $0 }
        try checkText(reason, field: "reason", maximum: 500)
        let deleted = try await services.store.deleteSecurityKey(id, reason: reason, by: try caller.operatorIdentity)
        context.logger.info("key.deleted", metadata: ["key.id": "\(deleted.id)"])
        return Response(status: .noContent)
    }

    /// Request options for a sign-in at one of the organisation's apps, with a challenge bound to this token.
    @Sendable func assertionOptions(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let actor = try caller.operatorIdentity
        let (body, _) = try await JSONBody.decode(
            AssertionOptionsRequest.self, from: request, limits: services.configuration)
        var user: UserPrincipalName?
        if let text = body.userPrincipalName {
            guard let parsed = UserPrincipalName(text) else {
                throw APIError.invalidRequest(
                    "userPrincipalName must be local@domain, at most 113 characters", field: "userPrincipalName")
            }
            user = parsed
        }
        let challenge = services.world.randomBytes(32)
        let keys = try await services.store.beginAssertion(
            by: actor, user: user, challengeDigest: HashFunction.sha256.hash(challenge),
            lifetime: webAuthn.challengeLifetime)
        return FIDO2Controller(services: services).assertionOptionsResponse(challenge: challenge, allowing: keys)
    }

    /// Verifies a sign-in: the key is registered, active and visible to this token, the challenge is this token's,
    /// the signature holds, the counter rose (when either counter is non-zero) and BE did not change.
    @Sendable func verify(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try caller.operatorIdentity
        let ceremony = FIDO2Controller(services: services)
        let (response, challenge, consumed) = try await ceremony.posted(
            AssertionResponse.self, purpose: .assertion, holder: .relyingParty(actor.id), request, context)
        guard let key = try await services.store.securityKey(credentialID: response.rawID), key.status == .active,
            actor.canSee(site: key.site), consumed.userPrincipalName.map({ $0 == key.userPrincipalName }) ?? true
        else {
            throw ceremony.refusal(
                WebAuthnFailure(.credentialNotAllowed, "no active key with this id for this token or user"), context)
        }
        if let flag = key.flag,
            try await services.store.policy().effectiveSettings(site: key.site, scenario: .fido2Registration)
                .passkeys.flaggedKeysSuspended
        {
            throw ceremony.refusal(
                WebAuthnFailure(
                    .keySuspended, "FIDO reports the key's model as \(flag.status), and the policy suspends such keys"),
                context)
        }
        let verified = try ceremony.verifyAssertion(response, key: key, challenge: challenge, context: context)
        let updated = try await services.store.recordSignIn(
            key.id, signCount: verified.signCount, backupState: verified.backupState)
        return try JSONBody.response(AssertionVerification(key: updated, userVerified: verified.userVerified))
    }
}
