/// A credential the options name (`excludeCredentials`, `allowCredentials`).
public struct CredentialDescriptor: Sendable, Equatable {
    /// The credential id.
    public var id: [UInt8]
    /// Transports recorded at registration, as hints for the browser.
    public var transports: [String]

    public init(id: [UInt8], transports: [String] = []) {
        self.id = id
        self.transports = transports
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["type": .string("public-key"), "id": .string(Base64URL.encode(id))]
        if !transports.isEmpty { members["transports"] = .array(transports.map(JSONValue.string)) }
        return .object(members)
    }
}

/// `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.1.3.1) for `PublicKeyCredential.parseCreationOptionsFromJSON`.
public struct CreationOptions: Sendable {
    /// The RP whose ID goes into `rp.id`.
    public var relyingParty: RelyingParty
    /// The RP name shown by some authenticators.
    public var relyingPartyName: String
    /// The user handle: random bytes, never the user's name (it is stored on the authenticator).
    public var userHandle: [UInt8]
    /// The account name, e.g. the user principal name.
    public var userName: String
    /// The name shown to the user.
    public var userDisplayName: String
    /// The challenge the verifier will expect; single use.
    public var challenge: [UInt8]
    /// Offered in this order of preference; must be what `RegistrationExpectation.allowedAlgorithms` allows.
    public var algorithms: [COSEAlgorithm]
    /// The user's existing keys, so an authenticator does not register twice.
    public var excludeCredentials: [CredentialDescriptor]
    /// The attestation conveyance requested.
    public var attestation: AttestationPolicy.Conveyance
    /// `required` for passwordless users.
    public var userVerification: String
    /// `discouraged`, `preferred` or `required`.
    public var residentKey: String
    /// How long the browser waits for the user.
    public var timeoutMilliseconds: Int

    public init(
        relyingParty: RelyingParty, relyingPartyName: String, userHandle: [UInt8], userName: String,
        userDisplayName: String, challenge: [UInt8], algorithms: [COSEAlgorithm] = COSEAlgorithm.recommended,
        excludeCredentials: [CredentialDescriptor] = [], attestation: AttestationPolicy.Conveyance = .direct,
        userVerification: String = "required", residentKey: String = "discouraged", timeoutMilliseconds: Int = 300_000
    ) {
        self.relyingParty = relyingParty
        self.relyingPartyName = relyingPartyName
        self.userHandle = userHandle
        self.userName = userName
        self.userDisplayName = userDisplayName
        self.challenge = challenge
        self.algorithms = algorithms
        self.excludeCredentials = excludeCredentials
        self.attestation = attestation
        self.userVerification = userVerification
        self.residentKey = residentKey
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The JSON value the browser's `parseCreationOptionsFromJSON` takes.
    public var json: JSONValue {
        .object([
            "rp": .object(["id": .string(relyingParty.id), "name": .string(relyingPartyName)]),
            "user": .object([
                "id": .string(Base64URL.encode(userHandle)), "name": .string(userName),
                "displayName": .string(userDisplayName),
            ]),
            "challenge": .string(Base64URL.encode(challenge)),
            "pubKeyCredParams": .array(
                algorithms.map {
                    .object(["type": .string("public-key"), "alg": .number(Double($0.rawValue))])
                }),
            "timeout": .number(Double(timeoutMilliseconds)),
            "excludeCredentials": .array(excludeCredentials.map(\.json)),
            "authenticatorSelection": .object([
                "userVerification": .string(userVerification), "residentKey": .string(residentKey),
                "requireResidentKey": .bool(residentKey == "required"),
            ]),
            "attestation": .string(attestation.rawValue),
        ])
    }
}

/// `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3 §5.5.1) for `PublicKeyCredential.parseRequestOptionsFromJSON`.
public struct RequestOptions: Sendable {
    /// The RP whose ID goes into `rpId`.
    public var relyingParty: RelyingParty
    /// The challenge the verifier will expect; single use.
    public var challenge: [UInt8]
    /// The keys that may answer; empty lets the user pick a discoverable credential.
    public var allowCredentials: [CredentialDescriptor]
    /// `required` for passwordless users.
    public var userVerification: String
    /// How long the browser waits for the user.
    public var timeoutMilliseconds: Int

    public init(
        relyingParty: RelyingParty, challenge: [UInt8], allowCredentials: [CredentialDescriptor] = [],
        userVerification: String = "required", timeoutMilliseconds: Int = 300_000
    ) {
        self.relyingParty = relyingParty
        self.challenge = challenge
        self.allowCredentials = allowCredentials
        self.userVerification = userVerification
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The JSON value the browser's `parseRequestOptionsFromJSON` takes.
    public var json: JSONValue {
        .object([
            "challenge": .string(Base64URL.encode(challenge)),
            "rpId": .string(relyingParty.id),
            "allowCredentials": .array(allowCredentials.map(\.json)),
            "userVerification": .string(userVerification),
            "timeout": .number(Double(timeoutMilliseconds)),
        ])
    }
}
