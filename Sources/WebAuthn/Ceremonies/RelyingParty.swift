import TapCrypto

/// The relying party a ceremony is for: its RP ID and the exact origins its pages are served from.
public struct RelyingParty: Sendable {
    /// The RP ID, e.g. `example.org` or `localhost`.
    public var id: String
    /// Origins compared as exact strings (scheme, host, port; no trailing slash), e.g. `https://login.example.org`.
    public var origins: Set<String>
    /// Top-level origins allowed to frame the ceremony; empty means framing is refused (L3 steps 5-6).
    public var allowedTopOrigins: Set<String>

    public init(id: String, origins: Set<String>, allowedTopOrigins: Set<String> = []) {
        self.id = id
        self.origins = origins
        self.allowedTopOrigins = allowedTopOrigins
    }

    /// SHA-256 of the RP ID, as authenticator data carries it.
    public var idHash: [UInt8] { HashFunction.sha256.hash(Array(id.utf8)) }

    /// Steps 2-6 (and 10-14 at authentication): type, challenge, origin, crossOrigin, topOrigin.
    func check(_ clientData: CollectedClientData, type: String, challenge: [UInt8]) throws(WebAuthnFailure) {
        guard clientData.type == type else {
            throw WebAuthnFailure(.clientDataTypeMismatch, "type is \(clientData.type), expected \(type)")
        }
        guard Crypto.constantTimeEqual(Array(clientData.challenge.utf8), Array(Base64URL.encode(challenge).utf8)) else {
            throw WebAuthnFailure(.challengeMismatch, "challenge is not the one issued")
        }
        guard origins.contains(clientData.origin) else {
            throw WebAuthnFailure(.originMismatch, "origin \(clientData.origin) is not configured")
        }
        // Step 5: a cross-origin frame only where framing is configured, and then only under an allowed top origin.
        if clientData.crossOrigin == true {
            guard !allowedTopOrigins.isEmpty else {
                throw WebAuthnFailure(.crossOriginNotAllowed, "ceremony ran in a cross-origin frame")
            }
            guard let topOrigin = clientData.topOrigin, allowedTopOrigins.contains(topOrigin) else {
                throw WebAuthnFailure(
                    .topOriginNotAllowed, "top origin \(clientData.topOrigin ?? "(none)") is not allowed")
            }
        } else if let topOrigin = clientData.topOrigin {
            // Step 6: a top origin without crossOrigin is inconsistent client data; refuse it all the same.
            throw WebAuthnFailure(.topOriginNotAllowed, "top origin \(topOrigin) without crossOrigin")
        }
    }
}
