import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// A public key held by OpenSSL, built from raw parts (COSE) or from a certificate, and able to check signatures.
///
/// Immutable once built, so it is safe to share: OpenSSL 3 allows concurrent verification with one `EVP_PKEY`.
public struct PublicKey: Sendable {
    let storage: PKeyStorage

    init(owning key: OpaquePointer) { storage = PKeyStorage(key) }

    /// What kind of key this is.
    public enum Kind: Sendable, Hashable {
        case ellipticCurve(EllipticCurve)
        case rsa(modulusBits: Int)
        case ed25519
        /// A key type the verifier does not use (DSA, Ed448, an unnamed EC curve, ...).
        case unsupported
    }

    /// RSA moduli we accept: below 2048 bits is too weak, above 8192 costs too much to check.
    public static let rsaModulusBits = 2048...8192

    /// An EC public key from its affine coordinates, refused unless both have the curve's exact length and the point
    /// is on the curve (and not the point at infinity).
    public static func ellipticCurve(_ curve: EllipticCurve, x: [UInt8], y: [UInt8]) throws(PublicKeyError) -> PublicKey
    {
        guard x.count == curve.coordinateLength, y.count == curve.coordinateLength else {
            throw .malformed("coordinate length is not \(curve.coordinateLength) bytes")
        }
        let key = try fromData(
            type: "EC",
            [
                (OSSL_PKEY_PARAM_GROUP_NAME, .utf8(curve.rawValue)),
                (OSSL_PKEY_PARAM_PUB_KEY, .octets([0x04] + x + y)),
            ])
        try key.checkPublicComponents()
        return key
    }

    /// An RSA public key from its big-endian modulus and exponent, with no leading zero bytes, a modulus in
    /// `rsaModulusBits` and an odd exponent of at least 3 that fits in 32 bits.
    ///
    /// `fullCheck` runs OpenSSL's SP 800-56B public-key check too, which tests that the modulus is composite and costs
    /// about 4 ms for 2048 bits. Leave it on for a key first seen; a key that passed it and was stored may skip it.
    public static func rsa(
        modulus: [UInt8], exponent: [UInt8], fullCheck: Bool = true
    ) throws(PublicKeyError) -> PublicKey {
        guard let first = modulus.first, first != 0, let firstExponentByte = exponent.first, firstExponentByte != 0
        else {
            throw .malformed("RSA n or e is empty or has a leading zero byte")
        }
        let bits = modulus.count * 8 - first.leadingZeroBitCount
        guard rsaModulusBits.contains(bits) else { throw .unsupported("RSA modulus of \(bits) bits") }
        guard exponent.count <= 4, exponent.last! & 1 == 1,
            exponent.reduce(UInt64(0), { $0 << 8 | UInt64($1) }) >= 3
        else {
            throw .malformed("RSA exponent must be odd, at least 3 and at most 32 bits")
        }
        let key = try fromData(
            type: "RSA",
            [
                (OSSL_PKEY_PARAM_RSA_N, .unsignedInteger(bigEndian: modulus)),
                (OSSL_PKEY_PARAM_RSA_E, .unsignedInteger(bigEndian: exponent)),
            ])
        if fullCheck { try key.checkPublicComponents() }
        return key
    }

    /// An Ed25519 public key from its 32 raw bytes.
    public static func ed25519(_ raw: [UInt8]) throws(PublicKeyError) -> PublicKey {
        guard raw.count == 32 else { throw .malformed("Ed25519 key is not 32 bytes") }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw .malformed(
                "Ed25519 key rejected: \(CryptoError.drainingQueue(operation: "EVP_PKEY_new_raw_public_key"))")
        }
        return PublicKey(owning: key)
    }

    /// A key from DER SubjectPublicKeyInfo, which must be consumed exactly.
    public init(subjectPublicKeyInfo der: [UInt8]) throws(PublicKeyError) {
        guard let parsed = OpenSSLDecoding.whole(der, decode: { d2i_PUBKEY(nil, $0, $1) }, free: EVP_PKEY_free)
        else { throw .malformed("not a DER SubjectPublicKeyInfo") }
        self.init(owning: parsed)
    }

    /// The key's type, curve or size.
    public var kind: Kind {
        let key = storage.key
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
                ERR_clear_error()
                return .unsupported
            }
            let text = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return EllipticCurve.allCases.first { $0.openSSLNames.contains(text) }.map { .ellipticCurve($0) }
                ?? .unsupported
        case EVP_PKEY_RSA:
            return .rsa(modulusBits: Int(EVP_PKEY_get_bits(key)))
        case EVP_PKEY_ED25519:
            return .ed25519
        default:
            return .unsupported
        }
    }

    /// The DER SubjectPublicKeyInfo: a canonical form, so two keys are the same key exactly when these are equal.
    public var subjectPublicKeyInfo: [UInt8] {
        let key = storage.key
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { fatalError("i2d_PUBKEY failed on a key OpenSSL built") }
        var der = [UInt8](repeating: 0, count: Int(length))
        der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_PUBKEY(key, &cursor)
        }
        return der
    }

    /// Whether this and `other` are the same public key.
    public func isSameKey(as other: PublicKey) -> Bool {
        Crypto.constantTimeEqual(subjectPublicKeyInfo, other.subjectPublicKeyInfo)
    }

    /// Whether `signature` is a valid `algorithm` signature over `message` by this key.
    ///
    /// The key must fit the algorithm (an ES256 signature from a P-384 key, or a PS256 signature from an EC key, is
    /// refused), ECDSA signatures are DER `Ecdsa-Sig-Value`s, and RSA keys must be within `rsaModulusBits`.
    public func isValidSignature(_ signature: [UInt8], over message: [UInt8], algorithm: SignatureAlgorithm) -> Bool {
        switch (kind, algorithm) {
        case (.ellipticCurve(let curve), _) where algorithm.requiredCurve == curve: break
        case (.rsa(let bits), _) where algorithm.isRSA && PublicKey.rsaModulusBits.contains(bits): break
        case (.ed25519, .ed25519): break
        default: return false
        }
        guard !signature.isEmpty, let context = EVP_MD_CTX_new() else { return false }
        defer {
            EVP_MD_CTX_free(context)
            // A failed verification leaves entries on the thread's queue; they must not leak into later errors.
            ERR_clear_error()
        }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, algorithm.digest?.evpMD, nil, storage.key) == 1 else {
            return false
        }
        if algorithm.isRSA {
            let padding = algorithm.isPSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, padding) == 1 else { return false }
            if algorithm.isPSS {
                guard EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) == 1,
                    EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, algorithm.digest?.evpMD) == 1
                else { return false }
            }
        }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }

    /// A value for one OSSL_PARAM.
    private enum ParameterValue {
        case utf8(String)
        case octets([UInt8])
        case unsignedInteger(bigEndian: [UInt8])
    }

    /// Builds a key from OSSL_PARAMs. OSSL_PARAM holds bare pointers, so every name and value is copied into memory
    /// that lives until OpenSSL has built the key (Swift's temporary C strings would dangle).
    private static func fromData(type: String, _ fields: [(String, ParameterValue)]) throws(PublicKeyError) -> PublicKey
    {
        var allocations: [UnsafeMutableRawPointer] = []
        defer { allocations.forEach { free($0) } }
        func copy(_ bytes: [UInt8]) -> UnsafeMutablePointer<UInt8> {
            let memory = malloc(max(bytes.count, 1))!
            allocations.append(memory)
            bytes.withUnsafeBytes { if let base = $0.baseAddress { memcpy(memory, base, bytes.count) } }
            return memory.assumingMemoryBound(to: UInt8.self)
        }
        func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
            let memory = strdup(text)!
            allocations.append(UnsafeMutableRawPointer(memory))
            return memory
        }
        var parameters = fields.map { name, value -> OSSL_PARAM in
            switch value {
            case .utf8(let text):
                return OSSL_PARAM_construct_utf8_string(cString(name), cString(text), 0)
            case .octets(let bytes):
                return OSSL_PARAM_construct_octet_string(cString(name), copy(bytes), bytes.count)
            case .unsignedInteger(let bigEndian):
                // OSSL_PARAM integers are in the host's byte order.
                let native: [UInt8] = 1.littleEndian == 1 ? bigEndian.reversed() : bigEndian
                return OSSL_PARAM_construct_BN(cString(name), copy(native), native.count)
            }
        }
        parameters.append(OSSL_PARAM_construct_end())
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else {
            throw .openSSL(.drainingQueue(operation: "EVP_PKEY_CTX_new_from_name(\(type))"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) == 1,
            EVP_PKEY_fromdata(context, &key, publicKeySelection, &parameters) == 1, let key
        else {
            throw .malformed("OpenSSL refused the key: \(CryptoError.drainingQueue(operation: "EVP_PKEY_fromdata"))")
        }
        return PublicKey(owning: key)
    }

    /// OpenSSL's full public-key check: for EC the point is on the curve and not infinity; for RSA n and e are sane.
    /// EVP_PKEY_fromdata already refuses an EC point off the curve; this check stays as a second, explicit guard.
    private func checkPublicComponents() throws(PublicKeyError) {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, storage.key, nil) else {
            throw .openSSL(.drainingQueue(operation: "EVP_PKEY_CTX_new_from_pkey"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else {
            throw .malformed(
                "public key check failed: \(CryptoError.drainingQueue(operation: "EVP_PKEY_public_check"))")
        }
    }
}

/// `EVP_PKEY_PUBLIC_KEY`: domain parameters plus the public component (the C macro is not imported).
private let publicKeySelection = Int32(OSSL_KEYMGMT_SELECT_ALL_PARAMETERS | OSSL_KEYMGMT_SELECT_PUBLIC_KEY)

/// Why a public key could not be built.
public enum PublicKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parts do not form a valid key (wrong lengths, point not on the curve, bad encoding).
    case malformed(String)
    /// A well-formed key we do not accept (curve, size).
    case unsupported(String)
    /// OpenSSL failed for a reason unrelated to the input.
    case openSSL(CryptoError)

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed public key: \(detail)"
        case .unsupported(let detail): "unsupported public key: \(detail)"
        case .openSSL(let error): error.description
        }
    }

    public static func == (lhs: PublicKeyError, rhs: PublicKeyError) -> Bool { lhs.description == rhs.description }
}

/// Owns one `EVP_PKEY` and frees it.
final class PKeyStorage: @unchecked Sendable {
    // Sendable by hand: the key is never mutated after construction.
    let key: OpaquePointer

    init(_ key: OpaquePointer) { self.key = key }

    deinit { EVP_PKEY_free(key) }
}
