import TapCrypto

/// A credential public key: its COSE encoding as the authenticator sent it, checked for well-formedness and built
/// into an OpenSSL key.
public struct CredentialPublicKey: Sendable {
    /// The COSE_Key bytes exactly as they appeared in authenticator data (what is stored).
    public let coseEncoded: [UInt8]
    /// The algorithm the key is for.
    public let algorithm: COSEAlgorithm
    /// The key's raw parameters, for formats that compare them (fido-u2f, TPM).
    public let parameters: Parameters
    /// The key, ready to verify signatures.
    public let key: PublicKey

    /// The raw parts of each key type.
    public enum Parameters: Sendable, Equatable {
        case ec2(curve: EllipticCurve, x: [UInt8], y: [UInt8])
        case rsa(modulus: [UInt8], exponent: [UInt8])
        case okp(x: [UInt8])
    }

    private enum Label {
        static let keyType = 1, keyID = 2, algorithm = 3
        static let curve = -1, x = -2, y = -3, privateKey = -4  // EC2 and OKP
        static let modulus = -1, exponent = -2  // RSA
    }

    /// Parses and checks a COSE_Key: `kty` and `alg` must agree, the curve must be the algorithm's, coordinates
    /// must have the curve's length and lie on it, RSA sizes must be sane, and nothing private or unknown may appear.
    public init(coseEncoded bytes: [UInt8]) throws(WebAuthnFailure) {
        try self.init(map: Self.coseMap(bytes), encoded: bytes)
    }

    /// A key this relying party checked at registration and stored: parsed and checked like a new one, except for
    /// OpenSSL's SP 800-56B check of an RSA modulus (a primality test, about 4 ms for 2048 bits), which registration
    /// already ran. For assertions only; a key first seen must go through ``init(coseEncoded:)``.
    public init(storedCOSE bytes: [UInt8]) throws(WebAuthnFailure) {
        try self.init(map: Self.coseMap(bytes), encoded: bytes, fullRSACheck: false)
    }

    /// Decodes the outer CBOR of a COSE_Key, which must be a map.
    private static func coseMap(_ bytes: [UInt8]) throws(WebAuthnFailure) -> CBORMap {
        let item: CBOR
        do {
            item = try CBORDecoder.decode(bytes)
        } catch {
            throw WebAuthnFailure(error, while: "credential public key")
        }
        guard let map = item.mapValue else { throw WebAuthnFailure(.publicKeyMalformed, "COSE key is not a map") }
        return map
    }

    init(map: CBORMap, encoded: [UInt8], fullRSACheck: Bool = true) throws(WebAuthnFailure) {
        func malformed(_ detail: String) -> WebAuthnFailure { WebAuthnFailure(.publicKeyMalformed, detail) }
        guard let keyType = map[Label.keyType]?.integer else { throw malformed("kty missing or not an integer") }
        guard let algorithmValue = map[Label.algorithm]?.integer else {
            throw malformed("alg missing or not an integer")
        }
        guard let algorithm = COSEAlgorithm(rawValue: algorithmValue) else {
            throw WebAuthnFailure(.publicKeyUnsupported, "COSE algorithm \(algorithmValue)")
        }
        func bytes(_ label: Int) throws(WebAuthnFailure) -> [UInt8] {
            guard let value = map[label]?.byteString else {
                throw malformed("label \(label) missing or not a byte string")
            }
            return value
        }
        let allowedLabels: Set<Int>
        let parameters: Parameters
        switch (keyType, algorithm) {
        case (2, .es256), (2, .es384), (2, .es512):
            let expectedCurve: (id: Int, curve: EllipticCurve) =
                algorithm == .es256 ? (1, .p256) : algorithm == .es384 ? (2, .p384) : (3, .p521)
            guard map[Label.curve]?.integer == expectedCurve.id else {
                throw malformed("crv does not match \(algorithm)")
            }
            parameters = .ec2(curve: expectedCurve.curve, x: try bytes(Label.x), y: try bytes(Label.y))
            allowedLabels = [Label.keyType, Label.keyID, Label.algorithm, Label.curve, Label.x, Label.y]
        case (3, .rs256), (3, .rs384), (3, .rs512), (3, .ps256), (3, .ps384), (3, .ps512), (3, .rs1):
            parameters = .rsa(modulus: try bytes(Label.modulus), exponent: try bytes(Label.exponent))
            allowedLabels = [Label.keyType, Label.keyID, Label.algorithm, Label.modulus, Label.exponent]
        case (1, .edDSA):
            guard map[Label.curve]?.integer == 6 else {
                throw WebAuthnFailure(.publicKeyUnsupported, "OKP curve is not Ed25519")
            }
            parameters = .okp(x: try bytes(Label.x))
            allowedLabels = [Label.keyType, Label.keyID, Label.algorithm, Label.curve, Label.x]
        case (1, _), (2, _), (3, _):
            throw malformed("kty \(keyType) does not fit alg \(algorithm.rawValue)")
        default:
            throw WebAuthnFailure(.publicKeyUnsupported, "COSE key type \(keyType)")
        }
        for key in map.keys {
            guard let label = key.integer, allowedLabels.contains(label) else {
                // Private parts (d, p, q, ...) or unknown labels: a key like that is not a public key we understand.
                throw malformed("unexpected COSE label \(key)")
            }
        }
        do {
            switch parameters {
            case .ec2(let curve, let x, let y): key = try .ellipticCurve(curve, x: x, y: y)
            case .rsa(let modulus, let exponent):
                key = try .rsa(modulus: modulus, exponent: exponent, fullCheck: fullRSACheck)
            case .okp(let x): key = try .ed25519(x)
            }
        } catch {
            switch error {
            case .unsupported(let detail): throw WebAuthnFailure(.publicKeyUnsupported, detail)
            default: throw malformed(error.description)
            }
        }
        self.coseEncoded = encoded
        self.algorithm = algorithm
        self.parameters = parameters
    }

    /// Whether `signature` over `message` verifies with this key under its own algorithm.
    public func isValidSignature(_ signature: [UInt8], over message: [UInt8]) -> Bool {
        key.isValidSignature(signature, over: message, algorithm: algorithm.signatureAlgorithm)
    }
}
