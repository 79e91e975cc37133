import Foundation
import TapCrypto

/// What the relying party expects of one registration ceremony.
public struct RegistrationExpectation: Sendable {
    /// The challenge issued for this ceremony (single use; the caller consumes it).
    public var challenge: [UInt8]
    /// The RP ID and origins the ceremony must match.
    public var relyingParty: RelyingParty
    /// Always true for passwordless users.
    public var requireUserVerification: Bool
    /// The algorithms offered in `pubKeyCredParams`.
    public var allowedAlgorithms: [COSEAlgorithm]
    /// What attestation is accepted and how far it must chain.
    public var policy: AttestationPolicy
    /// The verification time: certificate validity is judged against it, never against the system clock.
    public var now: Date

    public init(
        challenge: [UInt8], relyingParty: RelyingParty, requireUserVerification: Bool = true,
        allowedAlgorithms: [COSEAlgorithm] = COSEAlgorithm.recommended, policy: AttestationPolicy = AttestationPolicy(),
        now: Date
    ) {
        self.challenge = challenge
        self.relyingParty = relyingParty
        self.requireUserVerification = requireUserVerification
        self.allowedAlgorithms = allowedAlgorithms
        self.policy = policy
        self.now = now
    }
}

/// The registration ceremony's verification (WebAuthn L3 §7.1), in the spec's order; the first failed check ends it.
public enum RegistrationVerifier {
    /// Verifies `response` against `expectation`: the credential to store, or why it was refused.
    ///
    /// Left to the caller: consuming the challenge (expiry, replay) and refusing a credential id that is already
    /// registered (step 21), both of which need storage.
    public static func verify(
        _ response: RegistrationResponse, expecting expectation: RegistrationExpectation
    ) -> Result<RegisteredCredential, WebAuthnFailure> {
        do {
            return .success(try run(response, expectation))
        } catch {
            return .failure(error)
        }
    }

    /// Verifies a stored registration again (say, under a new policy): every check of `verify`, and the public key
    /// in its authenticator data must be the one stored, so a swapped record cannot pass as the original.
    public static func reverify(
        _ response: RegistrationResponse, expecting expectation: RegistrationExpectation, storedPublicKeyCOSE: [UInt8]
    ) -> Result<RegisteredCredential, WebAuthnFailure> {
        verify(response, expecting: expectation).flatMap { credential in
            Crypto.constantTimeEqual(credential.publicKeyCOSE, storedPublicKeyCOSE)
                ? .success(credential)
                : .failure(
                    WebAuthnFailure(.publicKeyMismatch, "authenticator data holds another key than the stored one"))
        }
    }

    private static func run(
        _ response: RegistrationResponse, _ expectation: RegistrationExpectation
    ) throws(WebAuthnFailure) -> RegisteredCredential {
        // Input hygiene.
        guard response.type == "public-key" else {
            throw WebAuthnFailure(.credentialTypeInvalid, "type is not public-key")
        }
        // `id` may be padded as `rawId` may; it names the same bytes.
        guard Base64URL.withoutPadding(response.id) == Base64URL.encode(response.rawID) else {
            throw WebAuthnFailure(.idRawIDMismatch, "id is not the base64url of rawId")
        }

        // Steps 1-6: client data.
        let clientData = try CollectedClientData(response.clientDataJSON)
        try expectation.relyingParty.check(clientData, type: "webauthn.create", challenge: expectation.challenge)

        // Step 7.
        let clientDataHash = HashFunction.sha256.hash(response.clientDataJSON)

        // Step 8: attestation object and authenticator data.
        let (format, statement, authenticatorData) = try decodeAttestationObject(response.attestationObject)
        guard let credential = authenticatorData.attestedCredential else {
            throw WebAuthnFailure(.attestedCredentialDataMissing, "AT flag is not set")
        }

        // Steps 9-14: RP ID hash and flags.
        try checkRelyingPartyAndFlags(
            authenticatorData, expectation.relyingParty, uvRequired: expectation.requireUserVerification)

        // Step 15: credential key algorithm and well-formedness.
        let credentialKey = try CredentialPublicKey(map: credential.publicKeyMap, encoded: credential.publicKeyCOSE)
        guard expectation.allowedAlgorithms.contains(credentialKey.algorithm) else {
            throw WebAuthnFailure(
                .algorithmNotAllowed, "credential algorithm \(credentialKey.algorithm.rawValue) was not offered")
        }

        // Step 16: the format, case-sensitively.
        guard let attestationFormat = AttestationFormat(rawValue: format) else {
            throw WebAuthnFailure(.formatUnsupported, "attestation format \(format)")
        }
        guard expectation.policy.enabledFormats.contains(attestationFormat) else {
            throw WebAuthnFailure(.formatDisabled, "attestation format \(format) is not enabled")
        }

        // Step 17: the format's procedure.
        let input = AttestationInput(
            statement: statement, authenticatorData: authenticatorData, credential: credential,
            credentialKey: credentialKey, clientDataHash: clientDataHash
        )
        let result: StatementResult
        switch attestationFormat {
        case .none: result = try NoneAttestation.verify(input)
        case .packed: result = try PackedAttestation.verify(input)
        case .fidoU2F: result = try FIDOU2FAttestation.verify(input)
        case .apple: result = try AppleAttestation.verify(input)
        case .androidKey: result = try AndroidKeyAttestation.verify(input)
        case .tpm: result = try TPMAttestation.verify(input)
        case .androidSafetyNet: result = try AndroidSafetyNetAttestation.verify(input, now: expectation.now)
        }

        // Steps 18-19: trust.
        let trust = try TrustAssessment.assess(
            result, format: attestationFormat, aaguid: credential.aaguid, policy: expectation.policy,
            now: expectation.now
        )
        if let allowed = expectation.policy.allowedAAGUIDs, !allowed.contains(credential.aaguid) {
            throw WebAuthnFailure(.aaguidNotAllowed, "authenticator model \(credential.aaguid) is not allowed")
        }

        // Steps 20-21 (the duplicate-id check is the caller's).
        guard credential.credentialID.count <= AuthenticatorData.maximumCredentialIDLength else {
            throw WebAuthnFailure(.credentialIDTooLong, "credential id of \(credential.credentialID.count) bytes")
        }
        guard Crypto.constantTimeEqual(response.rawID, credential.credentialID) else {
            throw WebAuthnFailure(.rawIDNotCredentialID, "rawId is not the credential id in authenticator data")
        }

        // Step 22.
        let flags = authenticatorData.flags
        return RegisteredCredential(
            id: credential.credentialID, publicKeyCOSE: credential.publicKeyCOSE, algorithm: credentialKey.algorithm,
            signCount: authenticatorData.signCount, aaguid: credential.aaguid, transports: response.transports,
            userVerified: flags.contains(.userVerified), backupEligible: flags.contains(.backupEligible),
            backupState: flags.contains(.backupState),
            attestation: AttestationFacts(
                format: attestationFormat, type: result.type, trust: trust,
                certificates: result.certificates.map(\.derEncoded)
            )
        )
    }

    /// The attestation object: a map of exactly `fmt` (text), `attStmt` (map) and `authData` (bytes).
    static func decodeAttestationObject(
        _ bytes: [UInt8]
    ) throws(WebAuthnFailure) -> (format: String, statement: CBORMap, authenticatorData: AuthenticatorData) {
        let item: CBOR
        do {
            item = try CBORDecoder.decode(bytes)
        } catch {
            throw WebAuthnFailure(error, while: "attestation object")
        }
        guard let map = item.mapValue else { throw WebAuthnFailure(.attestationObjectMalformed, "not a map") }
        guard Set(map.keys) == [.text("fmt"), .text("attStmt"), .text("authData")], map.entries.count == 3 else {
            throw WebAuthnFailure(.attestationObjectMalformed, "keys are not exactly fmt, attStmt, authData")
        }
        guard let format = map[text: "fmt"]?.textString else {
            throw WebAuthnFailure(.attestationObjectMalformed, "fmt is not text")
        }
        guard let statement = map[text: "attStmt"]?.mapValue else {
            throw WebAuthnFailure(.attestationObjectMalformed, "attStmt is not a map")
        }
        guard let authData = map[text: "authData"]?.byteString else {
            throw WebAuthnFailure(.attestationObjectMalformed, "authData is not bytes")
        }
        return (format, statement, try AuthenticatorData(authData))
    }

    /// Steps 9-12: RP ID hash, user presence, user verification when required, and BS only with BE.
    static func checkRelyingPartyAndFlags(
        _ data: AuthenticatorData, _ relyingParty: RelyingParty, uvRequired: Bool
    ) throws(WebAuthnFailure) {
        guard Crypto.constantTimeEqual(data.rpIDHash, relyingParty.idHash) else {
            throw WebAuthnFailure(.rpIDMismatch, "rpIdHash is not SHA-256 of \(relyingParty.id)")
        }
        guard data.flags.contains(.userPresent) else {
            throw WebAuthnFailure(.userPresenceMissing, "UP flag is not set")
        }
        if uvRequired, !data.flags.contains(.userVerified) {
            throw WebAuthnFailure(.userVerificationMissing, "UV flag is not set")
        }
        if data.flags.contains(.backupState), !data.flags.contains(.backupEligible) {
            throw WebAuthnFailure(.backupStateWithoutEligibility, "BS is set but BE is not")
        }
    }
}
