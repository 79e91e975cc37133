import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapCore
import TapCrypto
import TapStorage
import WebAuthn

/// Signing people in to the console with a passkey: the sign-in and invitation pages, their WebAuthn
/// ceremonies (TapStation's own verifier, the users' relying party and attestation policy), and sign-out.
///
/// Every POST here must come from the console's own origin; the ceremonies' JSON answers use the API's problem
/// codes. A person's first passkey needs an invitation code; after that the passkey alone signs them in
/// (a discoverable credential: no user name to type).
struct ConsoleSignInController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }
    /// The users' key ceremony, whose shared steps (challenges, refusals, option answers) the console reuses.
    var ceremony: FIDO2Controller { FIDO2Controller(services: services) }
    var webAuthn: WebAuthnConfiguration { services.configuration.webAuthn }

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/sign-in", .anyone, handler: signInPage)
        routes.add(.get, "/console/invitation", .anyone, handler: invitationPage)
        routes.add(.post, "/console/sign-in/options", .anyone, handler: signInOptions)
        routes.add(.post, "/console/sign-in", .anyone, handler: signIn)
        routes.add(.post, "/console/invitation/options", .anyone, handler: invitationOptions)
        routes.add(.post, "/console/invitation", .anyone, handler: acceptInvitation)
        routes.add(.post, "/console/sign-out", .anyone, handler: signOut)
        routes.add(.post, "/console/step-up/options", .anyone, handler: stepUpOptions)
        routes.add(.post, "/console/step-up", .anyone, handler: stepUp)
        routes.add(.get, "/console/console.css", .anyone) { _, _, _ in
            PageResponse.asset(ConsoleAssets.css, type: "text/css; charset=utf-8")
        }
        routes.add(.get, "/console/console.js", .anyone) { _, _, _ in
            PageResponse.asset(ConsoleAssets.script, type: "text/javascript; charset=utf-8")
        }
    }

    @Sendable func signInPage(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        if try await gate.signedIn(request, context) != nil { return ConsoleGate.redirect(to: "/console") }
        let label = gate.singleSignOnLabel
        return PageResponse.html(ConsolePages.signIn(problem: nil, singleSignOn: label), status: .ok)
    }

    @Sendable func invitationPage(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        PageResponse.html(ConsolePages.invitation(), status: .ok)
    }

    /// Request options for a discoverable sign-in: no `allowCredentials`, user verification required.
    @Sendable func signInOptions(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        try gate.checkOrigin(request)
        let challenge = try await ceremony.freshChallenge(request)
        try await services.store.beginConsoleSignIn(
            challengeDigest: HashFunction.sha256.hash(challenge), lifetime: webAuthn.challengeLifetime)
        return ceremony.assertionOptionsResponse(challenge: challenge, allowing: [])
    }

    /// Verifies a passkey sign-in and hands the browser its session cookie.
    @Sendable func signIn(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        try gate.checkOrigin(request)
        let (passkey, verified) = try await verifiedPasskey(request, context)
        guard
            let signedIn = try await services.store.signIn(
                with: passkey, signCount: verified.signCount, backupState: verified.backupState,
                terms: terms(.passkey))
        else { throw Self.signInRefused }
        context.logger.info(
            "console.signedIn",
            metadata: ["operator.id": "\(signedIn.session.operator.identity.id)", "method": "passkey"])
        return try welcome(signedIn)
    }

    /// Request options for a step-up: one of the signed-in person's own passkeys.
    @Sendable func stepUpOptions(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        let session = try await gate.scriptCall(request, context)
        let challenge = try await ceremony.freshChallenge(request)
        try await services.store.beginConsoleSignIn(
            challengeDigest: HashFunction.sha256.hash(challenge), lifetime: webAuthn.challengeLifetime)
        let mine = try await services.store.operatorPasskeys(of: session.operator.identity.id)
        return ceremony.assertionOptionsResponse(
            challenge: challenge, allowing: mine.map { KeyDescriptor(credentialID: $0.credentialID, transports: []) })
    }

    /// Verifies the step-up: a passkey of the signed-in person, touched now.
    @Sendable func stepUp(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let session = try await gate.scriptCall(request, context)
        let (passkey, verified) = try await verifiedPasskey(request, context)
        guard
            try await services.store.stepUp(
                consoleSession: session.id, with: passkey, signCount: verified.signCount,
                backupState: verified.backupState)
        else { throw Self.signInRefused }
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"proven":true}"#)))
    }

    /// The operator passkey a posted assertion was made with, checked by the verifier against a console
    /// challenge; refuses an unknown passkey or one whose answer does not name its owner.
    func verifiedPasskey(
        _ request: Request, _ context: TapRequestContext
    ) async throws -> (OperatorPasskey, VerifiedAssertion) {
        let body = try await ceremony.rawBody(request)
        let response: AssertionResponse
        do { response = try AssertionResponse(json: body) } catch { throw ceremony.refusal(error, context) }
        let challenge = try ceremony.challengeBytes(response.clientDataJSON, context)
        _ = try await services.store.consumeConsoleChallenge(
            digest: HashFunction.sha256.hash(challenge), purpose: .signIn)
        // A discoverable sign-in names no one in its options, so the answer must say whose passkey it is (and
        // the verifier holds it to the stored owner).
        guard let passkey = try await services.store.operatorPasskey(credentialID: response.rawID),
            response.userHandle != nil
        else { throw Self.signInRefused }
        let stored = StoredCredential(
            id: passkey.credentialID, publicKeyCOSE: passkey.publicKeyCOSE, signCount: passkey.signCount,
            backupEligible: passkey.backupEligible, userHandle: passkey.userHandle)
        let expectation = AssertionExpectation(
            challenge: challenge, relyingParty: webAuthn.relyingParty, requireUserVerification: true,
            allowedCredentialIDs: [], signCountPolicy: .refuse)
        switch AssertionVerifier.verify(response, credential: stored, expecting: expectation) {
        case .success(let verified): return (passkey, verified)
        case .failure(let failure): throw ceremony.refusal(failure, context)
        }
    }

    /// Creation options for an invited person's first passkey: resident key and user verification required.
    @Sendable func invitationOptions(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        try gate.checkOrigin(request)
        let body = try await Self.jsonObject(ceremony.rawBody(request))
        let code = try Self.invitationCode(in: body)
        let challenge = services.world.randomBytes(32)
        guard
            let person = try await services.store.beginPasskeyRegistration(
                invitationCode: code, challengeDigest: HashFunction.sha256.hash(challenge),
                lifetime: webAuthn.challengeLifetime)
        else { throw Self.invitationRefused }
        let existing = try await services.store.operatorPasskeys(of: person.identity.id)
        let options = CreationOptions(
            relyingParty: webAuthn.relyingParty, relyingPartyName: webAuthn.relyingPartyName,
            userHandle: Self.userHandle(person.identity.id),
            userName: person.identity.userPrincipalName?.value ?? person.identity.name,
            userDisplayName: person.identity.name, challenge: challenge, algorithms: COSEAlgorithm.recommended,
            excludeCredentials: existing.map { CredentialDescriptor(id: $0.credentialID, transports: []) },
            attestation: webAuthn.attestationPolicy.conveyance, userVerification: "required", residentKey: "required",
            timeoutMilliseconds: webAuthn.timeoutMilliseconds)
        return ceremony.optionsResponse(options.json)
    }

    /// Verifies the invited person's new passkey, spends the code, and signs them in.
    @Sendable func acceptInvitation(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws
        -> Response
    {
        try gate.checkOrigin(request)
        let body = try await Self.jsonObject(ceremony.rawBody(request))
        let code = try Self.invitationCode(in: body)
        guard let credentialJSON = body["credential"], credentialJSON.objectValue != nil else {
            throw APIError.invalidRequest("the new passkey's credential is required", field: "credential")
        }
        let response: RegistrationResponse
        do { response = try RegistrationResponse(json: credentialJSON.serialized) } catch {
            throw ceremony.refusal(error, context)
        }
        let challenge = try ceremony.challengeBytes(response.clientDataJSON, context)
        guard
            let operatorID = try await services.store.consumeConsoleChallenge(
                digest: HashFunction.sha256.hash(challenge), purpose: .registration)
        else { throw Self.invitationRefused }
        let expectation = RegistrationExpectation(
            challenge: challenge, relyingParty: webAuthn.relyingParty, requireUserVerification: true,
            allowedAlgorithms: COSEAlgorithm.recommended, policy: webAuthn.attestationPolicy,
            now: services.world.now())
        let credential: RegisteredCredential
        switch RegistrationVerifier.verify(response, expecting: expectation) {
        case .success(let verified): credential = verified
        case .failure(let failure): throw ceremony.refusal(failure, context)
        }
        guard
            let signedIn = try await services.store.registerOperatorPasskey(
                NewSecurityKey(credential, userHandle: Self.userHandle(operatorID)), invitationCode: code,
                operator: operatorID, terms: terms(.passkey))
        else { throw Self.invitationRefused }
        context.logger.info(
            "console.passkeyRegistered",
            metadata: ["operator.id": "\(operatorID)", "format": "\(credential.attestation.format.rawValue)"])
        return try welcome(signedIn)
    }

    /// Ends the session (a form post with its CSRF token) and goes back to sign-in.
    @Sendable func signOut(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        try gate.checkOrigin(request)
        guard let session = try await gate.signedIn(request, context) else {
            return ConsoleGate.redirect(to: "/console/sign-in", cookie: ConsoleGate.clearedCookie)
        }
        let bytes = try await JSONBody.bytes(of: request, limit: 4096)
        let form = PageResponse.formFields(String(decoding: bytes, as: UTF8.self))
        try gate.checkCSRF(form["csrf"], session: session)
        if let cookie = PageResponse.cookie(ConsoleGate.cookieName, in: request) {
            _ = try await services.store.endConsoleSession(cookie: cookie)
        }
        return ConsoleGate.redirect(to: "/console/sign-in", cookie: ConsoleGate.clearedCookie)
    }

    // MARK: Shared steps

    func terms(_ method: ConsoleSignInMethod) -> ConsoleSessionTerms {
        ConsoleSessionTerms(
            method: method, idleTimeout: services.configuration.console.idleTimeout,
            absoluteLifetime: services.configuration.console.absoluteLifetime)
    }

    /// The JSON answer of a sign-in: where to go, and the cookie.
    func welcome(_ signedIn: ConsoleSignIn) throws -> Response {
        var response = Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"location":"/console"}"#)))
        response.headers[.setCookie] = gate.sessionCookie(signedIn)
        return response
    }

    /// An operator's WebAuthn user handle: its id's bytes, which say nothing about the person.
    static func userHandle(_ id: OperatorID) -> [UInt8] { Array(id.rawValue.utf8) }

    static func jsonObject(_ bytes: [UInt8]) throws -> WebAuthn.JSONValue {
        guard let value = try? StrictJSON.parse(bytes), value.objectValue != nil else {
            throw APIError(status: .badRequest, code: .invalidJSON, detail: "the body must be one JSON object")
        }
        return value
    }

    static func invitationCode(in body: WebAuthn.JSONValue) throws -> String {
        guard let code = body["code"]?.stringValue, (1...64).contains(code.count) else {
            throw APIError.invalidRequest("the invitation code is required", field: "code")
        }
        return code
    }

    static let invitationRefused = APIError(
        status: .unauthorized, code: .invalidInvitation,
        detail: "this invitation code is unknown, used, or expired; ask an administrator for a new one")
    static let signInRefused = APIError(
        status: .unauthorized, code: .consoleSignInRefused,
        detail: "this passkey does not sign anyone in to the console here")
}
