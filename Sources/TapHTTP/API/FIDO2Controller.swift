import FIDOMetadata
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapAPI
import TapCore
import TapCrypto
import TapStorage
import WebAuthn

/// The key registration ceremony a user runs with the session token their redeem returned: creation options,
/// the registration, and the test sign-in that policy may ask for before the session completes.
struct FIDO2Controller {
    let services: AppServices

    var webAuthn: WebAuthnConfiguration { services.configuration.webAuthn }

    func register(_ routes: RouteTable) {
        let access = Access.sessionToken(.fido2Registration)
        routes.add(.post, "/v1/enrollment/fido2/options", access, handler: creationOptions)
        routes.add(.post, "/v1/enrollment/fido2", access, handler: registerKey)
        routes.add(.post, "/v1/enrollment/fido2/assertion/options", access, handler: testSignInOptions)
        routes.add(.post, "/v1/enrollment/fido2/assertion", access, handler: testSignIn)
    }

    /// Creation options (WebAuthn Level 3 JSON) with a fresh challenge bound to this session.
    @Sendable func creationOptions(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let session = try caller.session
        let challenge = try await freshChallenge(request)
        let profile = try await passkeyProfile(for: session)
        let start = try await services.store.beginKeyRegistration(
            session: session.id, challengeDigest: HashFunction.sha256.hash(challenge),
            freshUserHandle: services.world.randomBytes(16),
            lifetime: webAuthn.challengeLifetime)
        let options = CreationOptions(
            relyingParty: webAuthn.relyingParty, relyingPartyName: webAuthn.relyingPartyName,
            userHandle: start.userHandle,
            userName: start.userPrincipalName.value, userDisplayName: start.userPrincipalName.value,
            challenge: challenge,
            algorithms: COSEAlgorithm.recommended,
            excludeCredentials: start.existingKeys.map {
                CredentialDescriptor(id: $0.credentialID, transports: $0.transports)
            },
            attestation: webAuthn.attestationPolicy.conveyance,
            userVerification: profile.userVerificationRequired ? "required" : "preferred",
            residentKey: "discouraged",
            timeoutMilliseconds: webAuthn.timeoutMilliseconds)
        return optionsResponse(options.json, acceptedKeys: profile.plainWords)
    }

    /// The passkey profile of the session's site and scenario.
    func passkeyProfile(for session: Session) async throws -> EffectivePasskeyProfile {
        try await services.store.policy().effectiveSettings(site: session.site, scenario: session.scenario).passkeys
    }

    /// Verifies the browser's registration response, stores the key and, unless a test sign-in is due, completes
    /// the session (revoking the pass).
    @Sendable func registerKey(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let session = try caller.session
        let (response, challenge, consumed) = try await posted(
            RegistrationResponse.self, purpose: .registration, holder: .session(session.id), request, context)
        let profile = try await passkeyProfile(for: session)
        let metadata = services.metadata.snapshot
        var policy = webAuthn.attestationPolicy
        policy.anchors = metadata.anchors
        let now = services.world.now()
        let expectation = RegistrationExpectation(
            challenge: challenge, relyingParty: webAuthn.relyingParty,
            requireUserVerification: profile.userVerificationRequired, allowedAlgorithms: COSEAlgorithm.recommended,
            policy: policy, now: now)
        let credential: RegisteredCredential
        switch RegistrationVerifier.verify(response, expecting: expectation) {
        case .success(let verified): credential = verified
        case .failure(let failure): throw refusal(failure, context)
        }
        do {
            try PasskeyJudge.judge(
                PasskeyJudge.Candidate(credential), profile: profile, metadata: metadata.catalog, now: now)
        } catch {
            throw refusal(error, context)
        }
        // The model from the same metadata that judged the key, for its event and the answer.
        let model = metadata.catalog?.model(aaguid: credential.aaguid.uuidString)
        let registration = try await services.store.registerKey(
            NewSecurityKey(credential, userHandle: consumed.userHandle ?? []), session: session.id,
            model: model?.name)
        context.logger.info(
            "key.registered",
            metadata: [
                "session.id": "\(session.id)", "key.id": "\(registration.key.id)",
                "key.format": "\(credential.attestation.format.rawValue)",
                "key.trust": "\(credential.attestation.trust.name)",
            ])
        return try answer(registration, model: model, status: .created)
    }

    /// Request options for the test sign-in with the key this session registered.
    @Sendable func testSignInOptions(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let session = try caller.session
        let challenge = try await freshChallenge(request)
        let keys = try await services.store.beginTestSignIn(
            session: session.id, challengeDigest: HashFunction.sha256.hash(challenge),
            lifetime: webAuthn.challengeLifetime)
        return assertionOptionsResponse(challenge: challenge, allowing: keys)
    }

    /// Verifies the test sign-in; the key becomes active and proven, and the session completes.
    @Sendable func testSignIn(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let session = try caller.session
        let (response, challenge, _) = try await posted(
            AssertionResponse.self, purpose: .testSignIn, holder: .session(session.id), request, context)
        guard let key = try await services.store.securityKey(credentialID: response.rawID), key.sessionID == session.id,
            key.status == .pendingProof
        else {
            throw refusal(
                WebAuthnFailure(.credentialNotAllowed, "not a key of this session waiting for its test sign-in"),
                context)
        }
        let verified = try verifyAssertion(response, key: key, challenge: challenge, context: context)
        let registration = try await services.store.proveKey(
            key.id, session: session.id, signCount: verified.signCount, backupState: verified.backupState)
        context.logger.info("key.verified", metadata: ["session.id": "\(session.id)", "key.id": "\(key.id)"])
        return try answer(
            registration, model: services.metadata.model(aaguid: registration.key.key.aaguid), status: .ok)
    }

    // MARK: Shared steps

    /// A new challenge for an options request, whose body may only be empty or an object.
    func freshChallenge(_ request: Request) async throws -> [UInt8] {
        _ = try await JSONBody.decode(EmptyBody.self, from: request, limits: services.configuration)
        return services.world.randomBytes(32)
    }

    /// The credential the browser posted and the challenge its client data names, which is spent here, once, for
    /// `purpose` by `holder`.
    func posted<Credential: PostedCredential>(
        _ type: Credential.Type, purpose: ChallengePurpose, holder: ChallengeHolder, _ request: Request,
        _ context: TapRequestContext
    ) async throws -> (Credential, challenge: [UInt8], consumed: ConsumedChallenge) {
        let body = try await rawBody(request)
        let credential: Credential
        do { credential = try Credential(json: body) } catch { throw refusal(error, context) }
        let challenge = try challengeBytes(credential.clientDataJSON, context)
        let consumed = try await services.store.consumeChallenge(
            digest: HashFunction.sha256.hash(challenge), purpose: purpose, holder: holder)
        return (credential, challenge, consumed)
    }

    /// Request options (WebAuthn Level 3 JSON) for an assertion with `challenge` that one of `keys` may answer.
    func assertionOptionsResponse(challenge: [UInt8], allowing keys: [KeyDescriptor]) -> Response {
        let options = RequestOptions(
            relyingParty: webAuthn.relyingParty, challenge: challenge,
            allowCredentials: keys.map { CredentialDescriptor(id: $0.credentialID, transports: $0.transports) },
            userVerification: "required", timeoutMilliseconds: webAuthn.timeoutMilliseconds)
        return optionsResponse(options.json)
    }

    func verifyAssertion(
        _ response: AssertionResponse, key: SecurityKey, challenge: [UInt8], context: TapRequestContext
    ) throws -> VerifiedAssertion {
        let stored = StoredCredential(
            id: key.key.credentialID, publicKeyCOSE: key.key.publicKeyCOSE, signCount: key.key.signCount,
            backupEligible: key.key.backupEligible, userHandle: key.key.userHandle.isEmpty ? nil : key.key.userHandle)
        let expectation = AssertionExpectation(
            challenge: challenge, relyingParty: webAuthn.relyingParty, requireUserVerification: true,
            allowedCredentialIDs: [key.key.credentialID], signCountPolicy: .refuse)
        switch AssertionVerifier.verify(response, credential: stored, expecting: expectation) {
        case .success(let verified): return verified
        case .failure(let failure): throw refusal(failure, context)
        }
    }

    func rawBody(_ request: Request) async throws -> [UInt8] {
        try JSONBody.checkContentType(request)
        return try await JSONBody.bytes(of: request, limit: services.configuration.maximumBodyBytes)
    }

    /// The challenge the client data names, decoded; a value that is not base64url cannot be one we issued.
    func challengeBytes(_ clientDataJSON: [UInt8], _ context: TapRequestContext) throws -> [UInt8] {
        let clientData: CollectedClientData
        do { clientData = try CollectedClientData(clientDataJSON) } catch { throw refusal(error, context) }
        guard let challenge = Base64URL.decode(clientData.challenge), !challenge.isEmpty else {
            throw refusal(WebAuthnFailure(.challengeMismatch, "challenge is not base64url"), context)
        }
        return challenge
    }

    func refusal(_ failure: WebAuthnFailure, _ context: TapRequestContext) -> APIError {
        context.logger.debug(
            "webauthn.refused", metadata: ["webauthn.code": "\(failure.code)", "webauthn.detail": "\(failure.detail)"])
        return APIError.webAuthn(reason: failure.reason.rawValue, detail: failure.detail)
    }

    /// The options as WebAuthn JSON under `publicKey`, with the challenge's expiry and, for a registration, what
    /// the passkey profile accepts in plain words.
    func optionsResponse(_ options: WebAuthn.JSONValue, acceptedKeys: [String]? = nil) -> Response {
        let expires = WireJSON.formatTime(services.world.now().addingTimeInterval(webAuthn.challengeLifetime))
        var body = Array(#"{"challengeExpirationDateTime":""#.utf8) + Array(expires.utf8) + Array(#"","#.utf8)
        if let acceptedKeys {
            body += Array(#""acceptedKeys":"#.utf8)
            body += WebAuthn.JSONValue.array(acceptedKeys.map(WebAuthn.JSONValue.string)).serialized
            body += Array(",".utf8)
        }
        body += Array(#""publicKey":"#.utf8)
        body += options.serialized
        body += Array("}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func answer(
        _ registration: KeyRegistration, model: AuthenticatorModel?, status: HTTPResponse.Status
    ) throws -> Response {
        try JSONBody.response(
            KeyRegistrationResponse(
                key: KeyView(registration.key, model: model),
                session: RedeemedSession(registration.session, now: services.world.now()),
                testSignInRequired: registration.testSignInRequired),
            status: status)
    }
}

/// What a browser posts in a ceremony (a registration or an assertion): parsed from JSON, with client data.
protocol PostedCredential {
    /// Parses the WebAuthn Level 3 JSON form.
    init(json: [UInt8]) throws(WebAuthnFailure)
    /// The client data bytes exactly as sent.
    var clientDataJSON: [UInt8] { get }
}

extension RegistrationResponse: PostedCredential {}
extension AssertionResponse: PostedCredential {}

/// A body that may be empty or an object (`{}`); its members are ignored, but anything else is refused.
struct EmptyBody: Decodable {
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: AnyKey.self)
    }
}

extension NewSecurityKey {
    /// The storage form of a verified credential.
    init(_ credential: RegisteredCredential, userHandle: [UInt8]) {
        let certificates = credential.attestation.certificates
        let leafSubject = certificates.first.flatMap { try? Certificate(derEncoded: $0) }?.subjectSummary
        self.init(
            credentialID: credential.id, publicKeyCOSE: credential.publicKeyCOSE,
            algorithm: credential.algorithm.rawValue,
            signCount: credential.signCount, aaguid: credential.aaguid.uuidString, userHandle: userHandle,
            attestation: KeyAttestation(
                format: credential.attestation.format.rawValue, type: credential.attestation.type.rawValue,
                trust: credential.attestation.trust.name,
                anchorFingerprint: credential.attestation.trust.anchorFingerprint,
                anchorSubject: credential.attestation.trust.anchorSubject,
                certificateFingerprints: certificates.map { Crypto.hex(HashFunction.sha256.hash($0)) },
                leafSubject: leafSubject),
            transports: credential.transports, backupEligible: credential.backupEligible,
            backupState: credential.backupState,
            userVerified: credential.userVerified)
    }
}
