import TapCrypto

/// An authentication response (`PublicKeyCredential` with an `AuthenticatorAssertionResponse`) as posted.
public struct AssertionResponse: Sendable {
    /// `id` as posted: must be the base64url of `rawID`.
    public var id: String
    /// The credential id the browser reports.
    public var rawID: [UInt8]
    /// Must be `public-key`.
    public var type: String
    /// The client data bytes exactly as sent.
    public var clientDataJSON: [UInt8]
    /// The authenticator data bytes exactly as signed.
    public var authenticatorData: [UInt8]
    /// The signature over authenticatorData ‖ SHA-256(clientDataJSON).
    public var signature: [UInt8]
    /// The user handle, sent by discoverable credentials.
    public var userHandle: [UInt8]?

    public init(
        id: String, rawID: [UInt8], type: String = "public-key", clientDataJSON: [UInt8], authenticatorData: [UInt8],
        signature: [UInt8], userHandle: [UInt8]? = nil
    ) {
        self.id = id
        self.rawID = rawID
        self.type = type
        self.clientDataJSON = clientDataJSON
        self.authenticatorData = authenticatorData
        self.signature = signature
        self.userHandle = userHandle
    }

    /// Parses the WebAuthn Level 3 JSON form (`toJSON()`).
    public init(json: [UInt8]) throws(WebAuthnFailure) {
        let credential = try ResponseJSON.Credential(json: json)
        self.init(
            id: credential.id, rawID: credential.rawID, type: credential.type,
            clientDataJSON: credential.clientDataJSON,
            authenticatorData: try ResponseJSON.base64URL(credential.response, "authenticatorData"),
            signature: try ResponseJSON.base64URL(credential.response, "signature"),
            userHandle: try ResponseJSON.optionalBase64URL(credential.response, "userHandle")
        )
    }
}

/// The stored facts about a credential that an assertion is checked against.
public struct StoredCredential: Sendable {
    /// The credential id.
    public var id: [UInt8]
    /// The COSE_Key stored at registration.
    public var publicKeyCOSE: [UInt8]
    /// The last counter persisted.
    public var signCount: UInt32
    /// BE as recorded at registration.
    public var backupEligible: Bool
    /// The user handle the credential was registered for, when known.
    public var userHandle: [UInt8]?

    public init(
        id: [UInt8], publicKeyCOSE: [UInt8], signCount: UInt32, backupEligible: Bool, userHandle: [UInt8]? = nil
    ) {
        self.id = id
        self.publicKeyCOSE = publicKeyCOSE
        self.signCount = signCount
        self.backupEligible = backupEligible
        self.userHandle = userHandle
    }

    /// The record as registration produced it.
    public init(_ credential: RegisteredCredential, userHandle: [UInt8]? = nil) {
        self.init(
            id: credential.id, publicKeyCOSE: credential.publicKeyCOSE, signCount: credential.signCount,
            backupEligible: credential.backupEligible, userHandle: userHandle
        )
    }
}

/// What the relying party expects of one authentication ceremony.
public struct AssertionExpectation: Sendable {
    /// The challenge issued for this sign-in.
    public var challenge: [UInt8]
    /// The RP ID and origins the ceremony must match.
    public var relyingParty: RelyingParty
    /// Whether UV must be set.
    public var requireUserVerification: Bool
    /// `allowCredentials` as offered; empty means any credential of the user (discoverable sign-in).
    public var allowedCredentialIDs: [[UInt8]]
    /// What a counter that did not rise leads to.
    public var signCountPolicy: SignCountPolicy

    /// What to do when the signature counter did not increase although one of the counters is non-zero.
    public enum SignCountPolicy: String, Sendable, Codable {
        /// Refuse the assertion: a cloned authenticator is the likeliest cause.
        case refuse
        /// Accept it but report `signCountRegressed`, for the caller to flag the key.
        case flag
    }

    public init(
        challenge: [UInt8], relyingParty: RelyingParty, requireUserVerification: Bool = true,
        allowedCredentialIDs: [[UInt8]] = [], signCountPolicy: SignCountPolicy = .refuse
    ) {
        self.challenge = challenge
        self.relyingParty = relyingParty
        self.requireUserVerification = requireUserVerification
        self.allowedCredentialIDs = allowedCredentialIDs
        self.signCountPolicy = signCountPolicy
    }
}

/// A verified assertion: what the caller must persist (the new counter and backup state) and report.
public struct VerifiedAssertion: Sendable, Equatable {
    /// The credential that signed.
    public let credentialID: [UInt8]
    /// The counter to store: the authenticator's new value, or the stored one when the new value did not increase.
    public let signCount: UInt32
    /// Whether the user was verified for this sign-in.
    public let userVerified: Bool
    /// The current backup state (BS), which may change between sign-ins.
    public let backupState: Bool
    /// True when the counter did not increase and the policy is `.flag`.
    public let signCountRegressed: Bool
}

/// The authentication ceremony's verification (WebAuthn L3 §7.2).
public enum AssertionVerifier {
    /// Verifies `response` for `credential` (looked up by the caller from `rawId`).
    public static func verify(
        _ response: AssertionResponse, credential: StoredCredential, expecting expectation: AssertionExpectation
    ) -> Result<VerifiedAssertion, WebAuthnFailure> {
        do {
            return .success(try run(response, credential, expectation))
        } catch {
            return .failure(error)
        }
    }

    private static func run(
        _ response: AssertionResponse, _ credential: StoredCredential, _ expectation: AssertionExpectation
    ) throws(WebAuthnFailure) -> VerifiedAssertion {
        guard response.type == "public-key" else {
            throw WebAuthnFailure(.credentialTypeInvalid, "type is not public-key")
        }
        // `id` may be padded as `rawId` may; it names the same bytes.
        guard Base64URL.withoutPadding(response.id) == Base64URL.encode(response.rawID) else {
            throw WebAuthnFailure(.idRawIDMismatch, "id is not the base64url of rawId")
        }
        // Steps 5-6: the credential is one we offered and the one we looked up; the user handle is its owner's.
        if !expectation.allowedCredentialIDs.isEmpty,
            !expectation.allowedCredentialIDs.contains(where: { Crypto.constantTimeEqual($0, response.rawID) })
        {
            throw WebAuthnFailure(.credentialNotAllowed, "credential was not in allowCredentials")
        }
        guard Crypto.constantTimeEqual(response.rawID, credential.id) else {
            throw WebAuthnFailure(.credentialNotAllowed, "rawId is not the stored credential's id")
        }
        if let handle = response.userHandle, let owner = credential.userHandle, !Crypto.constantTimeEqual(handle, owner)
        {
            throw WebAuthnFailure(.userHandleMismatch, "userHandle is not the credential owner's")
        }

        // Steps 8-14: client data.
        let clientData = try CollectedClientData(response.clientDataJSON)
        try expectation.relyingParty.check(clientData, type: "webauthn.get", challenge: expectation.challenge)

        // Steps 15-18: authenticator data and flags.
        let authenticatorData = try AuthenticatorData(response.authenticatorData)
        guard authenticatorData.attestedCredential == nil else {
            throw WebAuthnFailure(.malformedResponse, "assertion carries attested credential data")
        }
        try RegistrationVerifier.checkRelyingPartyAndFlags(
            authenticatorData, expectation.relyingParty, uvRequired: expectation.requireUserVerification
        )
        // BE is fixed when the credential is created; a change means another credential or a broken authenticator.
        guard authenticatorData.flags.contains(.backupEligible) == credential.backupEligible else {
            throw WebAuthnFailure(.backupEligibilityChanged, "BE differs from the value stored at registration")
        }

        // Steps 19-21: the signature over authenticatorData ‖ SHA-256(clientDataJSON).
        // The stored key passed every check at registration; OpenSSL's costly RSA modulus test is not repeated.
        let key = try CredentialPublicKey(storedCOSE: credential.publicKeyCOSE)
        let signedData = response.authenticatorData + HashFunction.sha256.hash(response.clientDataJSON)
        guard key.isValidSignature(response.signature, over: signedData) else {
            throw WebAuthnFailure(.signatureInvalid, "assertion signature does not verify with the stored key")
        }

        // Step 22: the signature counter.
        let newCount = authenticatorData.signCount
        let regressed = (newCount != 0 || credential.signCount != 0) && newCount <= credential.signCount
        if regressed, expectation.signCountPolicy == .refuse {
            throw WebAuthnFailure(
                .signCountRegressed, "counter \(newCount) is not above the stored \(credential.signCount)")
        }
        return VerifiedAssertion(
            credentialID: credential.id, signCount: max(newCount, credential.signCount),
            userVerified: authenticatorData.flags.contains(.userVerified),
            backupState: authenticatorData.flags.contains(.backupState), signCountRegressed: regressed
        )
    }
}
