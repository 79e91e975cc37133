/// A registration response (`PublicKeyCredential` with an `AuthenticatorAttestationResponse`) as a browser posts it.
public struct RegistrationResponse: Sendable {
    /// `id` as posted: must be the base64url of `rawID`.
    public var id: String
    /// The credential id the browser reports.
    public var rawID: [UInt8]
    /// Must be `public-key`.
    public var type: String
    /// The client data bytes exactly as sent (their hash was signed).
    public var clientDataJSON: [UInt8]
    /// The CBOR attestation object.
    public var attestationObject: [UInt8]
    /// `response.getTransports()`, kept as given (unknown values are tolerated, as the spec asks).
    public var transports: [String]

    public init(
        id: String, rawID: [UInt8], type: String = "public-key", clientDataJSON: [UInt8], attestationObject: [UInt8],
        transports: [String] = []
    ) {
        self.id = id
        self.rawID = rawID
        self.type = type
        self.clientDataJSON = clientDataJSON
        self.attestationObject = attestationObject
        self.transports = transports
    }

    /// Parses the WebAuthn Level 3 JSON form (`toJSON()`): `id`, `rawId`, `type` and `response` with base64url
    /// `clientDataJSON` and `attestationObject`, optional `transports`. Other members are ignored.
    public init(json: [UInt8]) throws(WebAuthnFailure) {
        let credential = try ResponseJSON.Credential(json: json)
        self.init(
            id: credential.id, rawID: credential.rawID, type: credential.type,
            clientDataJSON: credential.clientDataJSON,
            attestationObject: try ResponseJSON.base64URL(credential.response, "attestationObject"),
            transports: try ResponseJSON.optionalStrings(credential.response, "transports")
        )
    }
}

/// Readers shared by the registration and assertion JSON forms.
enum ResponseJSON {
    /// Largest posted credential we parse; a real one is a few KiB.
    static let maximumLength = 64 * 1024

    /// The members both ceremonies post: `id`, `rawId`, `type` and the `response` object's `clientDataJSON`.
    struct Credential {
        let id: String
        let rawID: [UInt8]
        let type: String
        /// The `response` object, for the members of one ceremony.
        let response: JSONValue
        let clientDataJSON: [UInt8]

        /// Parses the outer object and the members common to registration and assertion.
        init(json: [UInt8]) throws(WebAuthnFailure) {
            let root = try ResponseJSON.parseObject(json)
            response = try ResponseJSON.object(root, "response")
            id = try ResponseJSON.string(root, "id")
            rawID = try ResponseJSON.base64URL(root, "rawId")
            type = try ResponseJSON.string(root, "type")
            clientDataJSON = try ResponseJSON.base64URL(response, "clientDataJSON")
        }
    }

    static func parseObject(_ bytes: [UInt8]) throws(WebAuthnFailure) -> JSONValue {
        guard bytes.count <= maximumLength else { throw WebAuthnFailure(.malformedResponse, "response is too large") }
        let value: JSONValue
        do {
            value = try StrictJSON.parse(bytes)
        } catch {
            throw WebAuthnFailure(.malformedResponse, "\(error.message) at byte \(error.offset)")
        }
        guard value.objectValue != nil else { throw WebAuthnFailure(.malformedResponse, "response is not an object") }
        return value
    }

    static func object(_ parent: JSONValue, _ name: String) throws(WebAuthnFailure) -> JSONValue {
        guard let value = parent[name], value.objectValue != nil else {
            throw WebAuthnFailure(.malformedResponse, "\(name) missing or not an object")
        }
        return value
    }

    static func string(_ parent: JSONValue, _ name: String) throws(WebAuthnFailure) -> String {
        guard let value = parent[name]?.stringValue else {
            throw WebAuthnFailure(.malformedResponse, "\(name) missing or not a string")
        }
        return value
    }

    /// A member that holds base64url, unpadded or correctly padded (as clients send it).
    static func base64URL(_ parent: JSONValue, _ name: String) throws(WebAuthnFailure) -> [UInt8] {
        guard let bytes = Base64URL.decode(try string(parent, name), allowingPadding: true) else {
            throw WebAuthnFailure(.invalidBase64URL, "\(name) is not base64url")
        }
        return bytes
    }

    static func optionalBase64URL(_ parent: JSONValue, _ name: String) throws(WebAuthnFailure) -> [UInt8]? {
        guard let value = parent[name], value != .null else { return nil }
        return try base64URL(parent, name)
    }

    static func optionalStrings(_ parent: JSONValue, _ name: String) throws(WebAuthnFailure) -> [String] {
        guard let value = parent[name] else { return [] }
        guard let items = value.arrayValue else { throw WebAuthnFailure(.malformedResponse, "\(name) is not an array") }
        var strings: [String] = []
        for item in items {
            guard let text = item.stringValue else {
                throw WebAuthnFailure(.malformedResponse, "\(name) holds a non-string")
            }
            strings.append(text)
        }
        return strings
    }
}
