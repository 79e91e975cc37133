/// The client data a browser signs over (WebAuthn §5.8.1), read with a real JSON parser, not a template.
public struct CollectedClientData: Sendable {
    /// The bytes as received; their SHA-256 is what the authenticator signed.
    public let raw: [UInt8]
    /// `webauthn.create` or `webauthn.get`, as the client wrote it.
    public let type: String
    /// The challenge exactly as the client wrote it (base64url).
    public let challenge: String
    /// The origin of the page that ran the ceremony.
    public let origin: String
    /// Whether the ceremony ran in a cross-origin frame, when stated.
    public let crossOrigin: Bool?
    /// The top-level origin of a framed ceremony, when stated.
    public let topOrigin: String?

    /// Parses the JSON; `type`, `challenge` and `origin` must be strings, `crossOrigin` a boolean and `topOrigin` a
    /// string when present. Other members are tolerated, as browsers add them.
    public init(_ raw: [UInt8]) throws(WebAuthnFailure) {
        let json: JSONValue
        do {
            json = try StrictJSON.parse(raw)
        } catch {
            throw WebAuthnFailure(.clientDataMalformed, "\(error.message) at byte \(error.offset)")
        }
        guard json.objectValue != nil else { throw WebAuthnFailure(.clientDataMalformed, "not a JSON object") }
        guard let type = json["type"]?.stringValue, let challenge = json["challenge"]?.stringValue,
            let origin = json["origin"]?.stringValue
        else {
            throw WebAuthnFailure(.clientDataMalformed, "type, challenge or origin missing or not a string")
        }
        if let value = json["crossOrigin"], value.boolValue == nil {
            throw WebAuthnFailure(.clientDataMalformed, "crossOrigin is not a boolean")
        }
        if let value = json["topOrigin"], value.stringValue == nil {
            throw WebAuthnFailure(.clientDataMalformed, "topOrigin is not a string")
        }
        self.raw = raw
        self.type = type
        self.challenge = challenge
        self.origin = origin
        crossOrigin = json["crossOrigin"]?.boolValue
        topOrigin = json["topOrigin"]?.stringValue
    }
}
