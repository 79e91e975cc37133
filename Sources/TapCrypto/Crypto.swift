import COpenSSL

/// Random bytes, digests, MACs and comparisons over the system's OpenSSL 3 (EVP APIs only).
public enum Crypto {
    /// Bytes from OpenSSL's CSPRNG.
    public static func randomBytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&bytes, Int32(count)) == 1 else {
            throw CryptoError.drainingQueue(operation: "RAND_bytes")
        }
        return bytes
    }

    /// SHA-256 of `data`.
    public static func sha256(_ data: [UInt8]) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &digest, &length, EVP_sha256(), nil) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_Digest(SHA-256)")
        }
        return Array(digest.prefix(Int(length)))
    }

    /// HMAC-SHA256 of `data` under `key`, through the OpenSSL 3 EVP_MAC interface.
    public static func hmacSHA256(key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        let context = try MACContext(algorithm: "HMAC", digest: "SHA256", key: key)
        return try context.authenticate(data)
    }

    /// Whether two byte strings are equal, in time that depends only on their lengths.
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        return CRYPTO_memcmp(lhs, rhs, lhs.count) == 0
    }

    /// The OpenSSL version string the process linked against.
    public static var openSSLVersion: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }
}

/// HMAC-SHA256 under one fixed key, prepared once: the key schedule (the inner and outer padded blocks) is
/// computed at init, and each message works on a copy of that prepared state. Creating and keying a fresh
/// context per message was most of the cost of a MAC over a short message, and the store makes several per
/// write (pass digests, audit chain, tokens).
public final class HMACKey: Sendable {
    // Never changed after init; OpenSSL only reads it when duplicating, so concurrent use is safe.
    private nonisolated(unsafe) let prepared: MACContext

    public init(_ key: [UInt8]) throws {
        prepared = try MACContext(algorithm: "HMAC", digest: "SHA256", key: key)
    }

    /// HMAC-SHA256 of `data`; the same bytes as ``Crypto/hmacSHA256(key:data:)`` under this key.
    public func authenticate(_ data: [UInt8]) throws -> [UInt8] {
        try prepared.copy().authenticate(data)
    }
}

/// Owns an `EVP_MAC` and its context, and frees both.
final class MACContext {
    private nonisolated(unsafe) static let hmac = EVP_MAC_fetch(nil, "HMAC", nil)

    private let mac: OpaquePointer
    private let context: OpaquePointer

    init(algorithm: String, digest: String, key: [UInt8]) throws {
        // Fetching walks OpenSSL's provider store under a lock; HMAC, fetched once, is shared (it is
        // reference-counted and immutable), each context taking its own reference.
        let fetched = algorithm == "HMAC" ? Self.hmac : EVP_MAC_fetch(nil, algorithm, nil)
        guard let fetched, EVP_MAC_up_ref(fetched) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_MAC_fetch(\(algorithm))")
        }
        if algorithm != "HMAC" { EVP_MAC_free(fetched) }
        let mac = fetched
        guard let context = EVP_MAC_CTX_new(mac) else {
            EVP_MAC_free(mac)
            throw CryptoError.drainingQueue(operation: "EVP_MAC_CTX_new")
        }
        self.mac = mac
        self.context = context
        let initialised = digest.withCString { name -> Bool in
            // OSSL_PARAM wants a mutable char*; OpenSSL only reads it.
            var parameters = [
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, UnsafeMutablePointer(mutating: name), 0),
                OSSL_PARAM_construct_end(),
            ]
            return EVP_MAC_init(context, key, key.count, &parameters) == 1
        }
        guard initialised else { throw CryptoError.drainingQueue(operation: "EVP_MAC_init") }
    }

    /// Takes over a context made by `EVP_MAC_CTX_dup`, with its own reference to `mac`.
    private init(mac: OpaquePointer, context: OpaquePointer) {
        self.mac = mac
        self.context = context
    }

    /// A context in the same state as this one (keyed, nothing absorbed yet when taken from a prepared key).
    func copy() throws -> MACContext {
        guard EVP_MAC_up_ref(mac) == 1 else { throw CryptoError.drainingQueue(operation: "EVP_MAC_up_ref") }
        guard let duplicate = EVP_MAC_CTX_dup(context) else {
            EVP_MAC_free(mac)
            throw CryptoError.drainingQueue(operation: "EVP_MAC_CTX_dup")
        }
        return MACContext(mac: mac, context: duplicate)
    }

    deinit {
        EVP_MAC_CTX_free(context)
        EVP_MAC_free(mac)
    }

    func authenticate(_ data: [UInt8]) throws -> [UInt8] {
        guard EVP_MAC_update(context, data, data.count) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_MAC_update")
        }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        guard EVP_MAC_final(context, &output, &length, output.count) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_MAC_final")
        }
        return Array(output.prefix(length))
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal.
    public var hexString: String { Crypto.hex(self) }
}
