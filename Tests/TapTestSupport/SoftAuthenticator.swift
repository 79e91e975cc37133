import Foundation
import TapCrypto

/// A software FIDO2 authenticator for service tests: an ES256 credential, `none` or `packed` attestation, and assertions,
/// written byte by byte from the WebAuthn spec (no WebAuthn module code), so the service's verifier judges them
/// as it would a browser's.
public final class SoftAuthenticator: @unchecked Sendable {
    // Mutated only by the test that owns it.
    /// The credential key.
    public let key = TestKey.generate(.ecdsaP256SHA256)
    /// The credential id.
    public var credentialID: [UInt8]
    /// The counter the next assertion carries (registration carries 0).
    public var signCount: UInt32 = 0
    /// The RP ID whose hash goes into authenticator data.
    public var rpID: String
    /// The origin written into client data.
    public var origin: String
    /// The model it claims (16 bytes; zeros, as a `none` attestation sends).
    public var aaguid: [UInt8] = Array(repeating: 0, count: 16)
    /// With a batch key and its chain, registrations carry a `packed` attestation instead of `none`.
    public var attestation: PackedAttestation?

    /// A packed full attestation: the batch key signs, `chain` (leaf first) goes in `x5c`.
    public struct PackedAttestation: Sendable {
        public var key: TestKey
        public var chain: [[UInt8]]

        public init(key: TestKey, chain: [[UInt8]]) {
            self.key = key
            self.chain = chain
        }
    }

    /// Makes an authenticator with a random 32-byte credential id (or the one given).
    public init(rpID: String = "localhost", origin: String = "http://localhost:8080", credentialID: [UInt8]? = nil) {
        self.rpID = rpID
        self.origin = origin
        self.credentialID = credentialID ?? (0..<32).map { _ in UInt8.random(in: 0...255) }
    }

    /// The registration response JSON (`toJSON()` form) answering `challenge` (base64url).
    public func registration(challenge: String, flags: UInt8 = 0x45, type: String = "webauthn.create") -> String {
        let clientData = clientDataJSON(type: type, challenge: challenge)
        let (x, y) = key.ecCoordinates
        let coseKey: [UInt8] =
            [0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01] + [0x21] + Self.head(2, x.count) + x + [0x22]
            + Self.head(2, y.count) + y
        var authData = HashFunction.sha256.hash(Array(rpID.utf8)) + [flags, 0, 0, 0, 0]
        authData +=
            aaguid + [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xFF)] + credentialID + coseKey
        var statement: [UInt8] = [0xA0]
        if let attestation {
            // {"alg": -7, "sig": ..., "x5c": [...]}, keys in the canonical order.
            let signature = attestation.key.sign(authData + HashFunction.sha256.hash(clientData))
            statement =
                [0xA3] + Self.text("alg") + [0x26] + Self.text("sig") + Self.head(2, signature.count) + signature
                + Self.text("x5c") + Self.head(4, attestation.chain.count)
                + attestation.chain.flatMap { Self.head(2, $0.count) + $0 }
        }
        let attestationObject: [UInt8] =
            [0xA3] + Self.text("fmt") + Self.text(attestation == nil ? "none" : "packed") + Self.text("attStmt")
            + statement + Self.text("authData") + Self.head(2, authData.count) + authData
        let id = Self.base64URL(credentialID)
        return
            #"{"id":"\#(id)","rawId":"\#(id)","type":"public-key","response":{"clientDataJSON":"\#(Self.base64URL(clientData))","attestationObject":"\#(Self.base64URL(attestationObject))","transports":["usb"]},"clientExtensionResults":{}}"#
    }

    /// The assertion response JSON answering `challenge` (base64url); the counter rises by one first.
    /// With `userHandle`, the answer names its owner, as a discoverable credential's must.
    public func assertion(
        challenge: String, flags: UInt8 = 0x05, advanceCounter: Bool = true, userHandle: [UInt8]? = nil
    ) -> String {
        if advanceCounter { signCount += 1 }
        let clientData = clientDataJSON(type: "webauthn.get", challenge: challenge)
        let authData =
            HashFunction.sha256.hash(Array(rpID.utf8)) + [flags] + withUnsafeBytes(of: signCount.bigEndian, Array.init)
        let signature = key.sign(authData + HashFunction.sha256.hash(clientData))
        let id = Self.base64URL(credentialID)
        let handle = userHandle.map { #","userHandle":""# + Self.base64URL($0) + "\"" } ?? ""
        return
            #"{"id":"\#(id)","rawId":"\#(id)","type":"public-key","response":{"clientDataJSON":"\#(Self.base64URL(clientData))","authenticatorData":"\#(Self.base64URL(authData))","signature":"\#(Self.base64URL(signature))"\#(handle)},"clientExtensionResults":{}}"#
    }

    func clientDataJSON(type: String, challenge: String) -> [UInt8] {
        Array(#"{"type":"\#(type)","challenge":"\#(challenge)","origin":"\#(origin)","crossOrigin":false}"#.utf8)
    }

    /// Base64url without padding.
    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    static func head(_ major: UInt8, _ length: Int) -> [UInt8] {
        let prefix = major << 5
        switch length {
        case 0..<24: return [prefix | UInt8(length)]
        case 24...0xFF: return [prefix | 24, UInt8(length)]
        default: return [prefix | 25, UInt8(length >> 8), UInt8(length & 0xFF)]
        }
    }

    static func text(_ value: String) -> [UInt8] { head(3, value.utf8.count) + Array(value.utf8) }
}
