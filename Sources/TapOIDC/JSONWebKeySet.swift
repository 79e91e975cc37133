import TapCrypto
import WebAuthn

/// A provider's signing keys as its `jwks_uri` publishes them (RFC 7517): RSA and EC P-256/P-384 keys meant for
/// signatures. Keys of other kinds, or for encryption, are skipped, not refused: a provider may publish more than
/// we use.
public struct JSONWebKeySet: Sendable {
    /// One usable signing key.
    public struct Key: Sendable {
        /// `kid`, when the provider named the key.
        public let id: String?
        /// `alg`, when the provider pinned the key to one algorithm.
        public let algorithm: String?
        public let publicKey: PublicKey
    }

    public let keys: [Key]

    /// Reads a JWKS document; throws when it is not one (no `keys` array).
    public init(json: [UInt8]) throws(IDTokenFailure) {
        guard let document = try? StrictJSON.parse(json), let entries = document["keys"]?.arrayValue else {
            throw IDTokenFailure(.keysUnreadable, "the provider's key set is not a JWKS document")
        }
        keys = entries.compactMap(Self.key)
    }

    /// The keys that may have signed a token with this header: by `kid` when it names one, else every key.
    func candidates(keyID: String?, algorithm: String) -> [Key] {
        keys.filter { key in
            (keyID == nil || key.id == keyID) && (key.algorithm == nil || key.algorithm == algorithm)
        }
    }

    private static func key(_ entry: JSONValue) -> Key? {
        if let use = entry["use"]?.stringValue, use != "sig" { return nil }
        func bytes(_ name: String) -> [UInt8]? { entry[name]?.stringValue.flatMap(Base64URL.decode) }
        let publicKey: PublicKey?
        switch entry["kty"]?.stringValue {
        case "RSA":
            // A key published by the provider is checked once here, when the set is fetched.
            publicKey = bytes("n").flatMap { n in
                bytes("e").flatMap { e in try? PublicKey.rsa(modulus: n, exponent: e) }
            }
        case "EC":
            let curve: EllipticCurve? =
                switch entry["crv"]?.stringValue {
                case "P-256": .p256
                case "P-384": .p384
                default: nil
                }
            publicKey = curve.flatMap { curve in
                bytes("x").flatMap { x in bytes("y").flatMap { y in try? PublicKey.ellipticCurve(curve, x: x, y: y) } }
            }
        default:
            publicKey = nil
        }
        return publicKey.map { Key(id: entry["kid"]?.stringValue, algorithm: entry["alg"]?.stringValue, publicKey: $0) }
    }
}
