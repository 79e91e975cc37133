import Foundation
import TapCore

#if canImport(Glibc)
    import Glibc
#endif

/// The server secrets: one or more versions of 32 random bytes in `server.key` (mode 0600). Every MAC key
/// derives from them; the highest version is current and the older ones stay to verify what they made.
///
/// File format, one line per version: `<version> <64 hex digits>`; `#` lines are comments. The file is only
/// ever replaced whole (write, fsync, rename), so a crash leaves the old or the new file, never half of one.
public struct ServerSecret: Sendable {
    /// The secret bytes by version.
    private let secrets: [Int: [UInt8]]

    /// Wraps secrets by version (each at least 32 bytes).
    public init(versions: [Int: [UInt8]]) throws {
        guard !versions.isEmpty else { throw ServerSecretError.malformed("no secret in the file") }
        for (version, bytes) in versions where bytes.count < 32 || version < 1 {
            throw ServerSecretError.malformed("version \(version) is shorter than 32 bytes or numbered below 1")
        }
        secrets = versions
    }

    /// The version new MACs use.
    public var currentVersion: Int { secrets.keys.max()! }
    /// Every version held, ascending.
    public var versions: [Int] { secrets.keys.sorted() }

    /// Reads the secrets at `path`, creating a first one (mode 0600) when the file does not exist yet.
    /// Refuses a file that other users can read.
    public static func loadOrCreate(at path: String) throws -> (secret: ServerSecret, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(at: path), false) }
        let secret = try ServerSecret(versions: [1: try Crypto.randomBytes(32)])
        try secret.write(to: path, exclusive: true)
        return (secret, true)
    }

    /// Reads the secrets at `path`.
    public static func load(at path: String) throws -> ServerSecret {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw ServerSecretError.tooOpen(path: path, mode: mode)
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ServerSecretError.malformed("\(path) is not readable text")
        }
        return try parse(text)
    }

    /// Parses the file format.
    public static func parse(_ text: String) throws -> ServerSecret {
        var versions: [Int: [UInt8]] = [:]
        for line in text.split(separator: "\n")
        where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let version = Int(fields[0]), versions[version] == nil,
                let bytes = Hex.decode(fields[1], acceptsUpperCase: false)
            else {
                throw ServerSecretError.malformed("a line is not '<version> <hex>'")
            }
            versions[version] = bytes
        }
        return try ServerSecret(versions: versions)
    }

    /// A copy with a new random version on top.
    public func rotated() throws -> ServerSecret {
        var next = secrets
        next[currentVersion + 1] = try Crypto.randomBytes(32)
        return try ServerSecret(versions: next)
    }

    /// The file's text.
    public var fileText: String {
        "# TapStation server secrets: keep private (mode 0600) and back up; the highest version is current.\n"
            + versions.map { "\($0) \(secrets[$0]!.hexString)\n" }.joined()
    }

    /// Writes the file atomically with mode 0600. `exclusive` refuses to replace an existing file.
    public func write(to path: String, exclusive: Bool = false) throws {
        do {
            try DurableFile.replace(path, with: Array(fileText.utf8), exclusive: exclusive)
        } catch let error as DurableFileError {
            throw ServerSecretError.cannotWrite(path: error.path, errno: error.errno)
        }
    }

    /// The key for one purpose under one version; `nil` when the version is not held.
    ///
    /// HMAC-SHA256(secret, "tapstation/v1/" + purpose): the raw secret is used for nothing but derivation.
    public func derivedKey(purpose: String, version: Int) -> [UInt8]? {
        guard let secret = secrets[version] else { return nil }
        do {
            return try Crypto.hmacSHA256(key: secret, data: Array("tapstation/v1/\(purpose)".utf8))
        } catch {
            // HMAC over a fixed label fails only if OpenSSL itself is broken; nothing sensible remains.
            fatalError("HMAC-SHA256 failed while deriving a key: \(error)")
        }
    }
}

/// Why the server secret could not be used.
public enum ServerSecretError: Error, CustomStringConvertible {
    case malformed(String)
    case tooOpen(path: String, mode: Int)
    case cannotWrite(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .malformed(let reason): "the server secret file is malformed: \(reason)"
        case .tooOpen(let path, let mode):
            "\(path) is readable by other users (mode \(String(mode, radix: 8))); run: chmod 600 \(path)"
        case .cannotWrite(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
        }
    }
}
