import COpenSSL

extension HashFunction {
    var evpMD: OpaquePointer {
        switch self {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }

    /// The digest of `data`.
    public func hash(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // EVP_Digest over a built-in digest fails only if OpenSSL itself is broken.
        guard EVP_Digest(data, data.count, &digest, &length, evpMD, nil) == 1 else {
            fatalError("EVP_Digest failed: \(CryptoError.drainingQueue(operation: "EVP_Digest"))")
        }
        return Array(digest.prefix(Int(length)))
    }
}
