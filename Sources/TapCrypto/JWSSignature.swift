/// JSON Web Signatures (RFC 7515) as OpenSSL checks them: the `alg` names TapStation accepts, and ECDSA's
/// fixed-length r‖s turned into the DER `Ecdsa-Sig-Value` OpenSSL verifies. Shared by OpenID Connect ID tokens
/// and the FIDO Metadata Service BLOB.
public enum JWSSignature {
    /// The scheme an `alg` names; `nil` for `none`, HMAC and anything else not accepted.
    public static func algorithm(named name: String) -> SignatureAlgorithm? {
        switch name {
        case "RS256": .rsaPKCS1SHA256
        case "RS384": .rsaPKCS1SHA384
        case "RS512": .rsaPKCS1SHA512
        case "PS256": .rsaPSSSHA256
        case "PS384": .rsaPSSSHA384
        case "PS512": .rsaPSSSHA512
        case "ES256": .ecdsaP256SHA256
        case "ES384": .ecdsaP384SHA384
        default: nil
        }
    }

    /// Whether `signature` (as the JWS carries it) over `signingInput` (`header.payload`, as sent) verifies
    /// under `key` with the scheme `name` names.
    public static func isValid(
        _ signature: [UInt8], over signingInput: [UInt8], algorithm name: String, key: PublicKey
    )
        -> Bool
    {
        guard let algorithm = algorithm(named: name) else { return false }
        let encoded = name.hasPrefix("ES") ? derSignature(raw: signature, curve: algorithm.requiredCurve) : signature
        guard let encoded else { return false }
        return key.isValidSignature(encoded, over: signingInput, algorithm: algorithm)
    }

    /// A JWS ECDSA signature (r and s, each the curve's length, RFC 7518 §3.4) as the DER `Ecdsa-Sig-Value`
    /// OpenSSL checks; `nil` when it is not the curve's length.
    static func derSignature(raw: [UInt8], curve: EllipticCurve?) -> [UInt8]? {
        guard let curve, raw.count == 2 * curve.coordinateLength else { return nil }
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.isEmpty { value = [0] }
            if value[0] & 0x80 != 0 { value.insert(0, at: 0) }
            return [0x02] + length(value.count) + value
        }
        func length(_ count: Int) -> [UInt8] { count < 0x80 ? [UInt8(count)] : [0x81, UInt8(count)] }
        let body = integer(raw.prefix(curve.coordinateLength)) + integer(raw.suffix(curve.coordinateLength))
        return [0x30] + length(body.count) + body
    }
}
