import COpenSSL
import Foundation

/// An RSA private key that signs RS256 (RSASSA-PKCS1-v1_5 with SHA-256), loaded from PEM.
///
/// It signs the client assertions TapStation presents to Microsoft's token endpoint. Its descriptions never
/// show key material.
public struct SigningKey: Sendable, CustomStringConvertible {
    let storage: PKeyStorage

    /// Reads the first private key in PEM text: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`). Encrypted keys are refused: decrypt the file first.
    public init(pem text: String) throws(SigningKeyError) {
        guard !text.contains("ENCRYPTED") else {
            throw .unreadable("the private key is encrypted; store it decrypted, mode 0600")
        }
        guard let der = PEM.firstBlock(in: text, labelSuffix: "PRIVATE KEY") else {
            throw .unreadable("no PEM private key found")
        }
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        guard let parsed else {
            ERR_clear_error()
            throw .unreadable("the private key could not be parsed")
        }
        storage = PKeyStorage(parsed)
        guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_RSA else {
            throw .unreadable("the private key is not an RSA key")
        }
        guard PublicKey.rsaModulusBits.contains(Int(EVP_PKEY_get_bits(parsed))) else {
            throw .unreadable("the RSA key must have 2048 to 8192 bits")
        }
    }

    /// An RS256 signature over `message`.
    public func signRS256(_ message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.drainingQueue(operation: "EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, storage.key) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_DigestSignInit")
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_DigestSign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_DigestSign")
        }
        return Array(signature.prefix(length))
    }

    /// Whether `certificate` holds this key's public half (a certificate and key file that belong together).
    public func matches(_ certificate: Certificate) -> Bool {
        guard let publicKey = try? certificate.publicKey else { return false }
        return EVP_PKEY_eq(storage.key, publicKey.storage.key) == 1
    }

    public var description: String { "<RSA private key>" }
}

/// Why a private key file could not be used.
public enum SigningKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String)

    public var description: String {
        switch self {
        case .unreadable(let reason): reason
        }
    }
}

extension Crypto {
    /// SHA-1 of `data`. Only for naming things that are named by it (a certificate's `x5t` thumbprint),
    /// never for security.
    public static func sha1(_ data: [UInt8]) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &digest, &length, EVP_sha1(), nil) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_Digest(SHA-1)")
        }
        return Array(digest.prefix(Int(length)))
    }
}

/// PEM armour: base64 between `-----BEGIN label-----` and `-----END label-----`.
enum PEM {
    /// The DER of the first block whose label ends with `labelSuffix`.
    static func firstBlock(in text: String, labelSuffix: String) -> [UInt8]? {
        var rest = Substring(text)
        while let begin = rest.range(of: "-----BEGIN ") {
            guard let labelEnd = rest.range(of: "-----", range: begin.upperBound..<rest.endIndex) else { return nil }
            let label = rest[begin.upperBound..<labelEnd.lowerBound]
            guard let end = rest.range(of: "-----END \(label)-----", range: labelEnd.upperBound..<rest.endIndex) else {
                return nil
            }
            if label.hasSuffix(labelSuffix) {
                let body = rest[labelEnd.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
                return Data(base64Encoded: String(body)).map(Array.init)
            }
            rest = rest[end.upperBound...]
        }
        return nil
    }
}
