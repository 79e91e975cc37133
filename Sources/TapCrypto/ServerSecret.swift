import Foundation

/// The server secret: 32 random bytes in a file of mode 0600, from which every MAC key is derived.
///
/// Each purpose gets its own key, HMAC-SHA256(secret, "tapstation/v1/" + purpose), so the raw secret is
/// used for nothing but derivation.
public struct ServerSecret: Sendable {
    private let bytes: [UInt8]

    /// Wraps secret bytes (at least 32).
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 32 else { throw ServerSecretError.tooShort(bytes.count) }
        self.bytes = bytes
    }

    /// Reads the secret at `path`, creating it (mode 0600) when it does not exist yet. Refuses a file that
    /// other users can read.
    public static func loadOrCreate(at path: String) throws -> (secret: ServerSecret, created: Bool) {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: path) {
            let attributes = try fileManager.attributesOfItem(atPath: path)
            if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw ServerSecretError.tooOpen(path: path, mode: mode)
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return (try ServerSecret(bytes: Array(data)), false)
        }
        let bytes = try Crypto.randomBytes(32)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw ServerSecretError.cannotCreate(path: path, errno: errno) }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw ServerSecretError.cannotCreate(path: path, errno: errno)
        }
        return (try ServerSecret(bytes: bytes), true)
    }

    /// The key for one purpose.
    public func derivedKey(purpose: String) -> [UInt8] {
        // HMAC over a fixed label cannot fail for lack of input; a failure here means OpenSSL is broken.
        do {
            return try Crypto.hmacSHA256(key: bytes, data: Array("tapstation/v1/\(purpose)".utf8))
        } catch {
            fatalError("HMAC-SHA256 failed while deriving a key: \(error)")
        }
    }
}

/// Why the server secret could not be used.
public enum ServerSecretError: Error, CustomStringConvertible {
    case tooShort(Int)
    case tooOpen(path: String, mode: Int)
    case cannotCreate(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .tooShort(let count): "the server secret must be at least 32 bytes, found \(count)"
        case .tooOpen(let path, let mode):
            "\(path) is readable by other users (mode \(String(mode, radix: 8))); run: chmod 600 \(path)"
        case .cannotCreate(let path, let code): "cannot create \(path): \(String(cString: strerror(code)))"
        }
    }
}
