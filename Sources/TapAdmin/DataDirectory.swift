import Foundation
import Logging
import TapCore
import TapCrypto
import TapHTTP
import TapStorage

/// The data directory: `tapstation.sqlite` and `server.key` (mode 0600) inside it.
public struct DataDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// The default, relative to the working directory.
    public static let defaultPath = "./tapstation-data"

    /// Resolves the directory from flag, environment, file or default.
    public init(flag: String?, settings: ConfigurationSource) {
        path = settings.value("TAPSTATION_DATA_DIR", flag: flag) ?? Self.defaultPath
    }

    /// Makes a data directory at an explicit path.
    public init(path: String) { self.path = path }

    public var databasePath: String { (path as NSString).appendingPathComponent("tapstation.sqlite") }
    public var secretPath: String { (path as NSString).appendingPathComponent("server.key") }
    var lockPath: String { (path as NSString).appendingPathComponent("serve.lock") }
    /// The audit chain's anchor, kept outside the database (see ``AuditAnchor``).
    public var auditAnchorPath: String { (path as NSString).appendingPathComponent("audit.anchor") }

    /// The anchor kept in the directory; `nil` before the first one is written. A file that is not an anchor
    /// is refused, since a tampered anchor must not pass for a missing one.
    public func readAuditAnchor() throws -> AuditAnchor? {
        guard let data = FileManager.default.contents(atPath: auditAnchorPath) else { return nil }
        guard let text = String(data: data, encoding: .utf8), let anchor = AuditAnchor(fileText: text) else {
            throw ConfigurationError("\(auditAnchorPath) is not an audit anchor file; run `tapstation audit verify`")
        }
        return anchor
    }

    /// Replaces the anchor; `nil` (an empty chain) removes it.
    public func writeAuditAnchor(_ anchor: AuditAnchor?) throws {
        guard let anchor else {
            try? FileManager.default.removeItem(atPath: auditAnchorPath)
            return
        }
        do {
            try DurableFile.replace(auditAnchorPath, with: Array(anchor.fileText.utf8))
        } catch let error as DurableFileError {
            throw ConfigurationError("cannot write \(error.path): \(String(cString: strerror(error.errno)))")
        }
    }

    /// Takes the data directory's exclusive lock, held by `serve` for its lifetime and briefly by commands
    /// that must not run beside it (restore, secret rotate). The lock dies with the process, even on kill -9.
    public func lock(purpose: String) throws -> DirectoryLock {
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw ConfigurationError("cannot open \(lockPath)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ConfigurationError("\(path) is in use by a running `tapstation serve`; stop it before \(purpose)")
        }
        return DirectoryLock(descriptor: descriptor)
    }

    /// Creates the directory (mode 0700) if it is missing.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigurationError("cannot create the data directory \(path)")
        }
    }

    /// Opens the store with the live clock, randomness and keyring. `.migrate` creates what is missing.
    /// `secret` stands for the directory's server secret (`secret rotate` opens with the old one, then the new).
    public func openStore(
        mode: EnrollmentStore.OpenMode, secret given: ServerSecret? = nil
    ) throws -> (EnrollmentStore, createdSecret: Bool) {
        if mode == .migrate { try create() }
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: databasePath), !fileManager.fileExists(atPath: secretPath) {
            // A new secret would silently invalidate every pass, token and the audit chain.
            throw ConfigurationError(
                "\(databasePath) exists but \(secretPath) is missing: restore the secret from your backup")
        }
        if mode == .existing, !FileManager.default.fileExists(atPath: secretPath) {
            throw ConfigurationError(
                "no server secret at \(secretPath): start `tapstation serve` or run `tapstation migrate` first")
        }
        try checkPrivate(creatingDatabase: mode == .migrate)
        let (secret, created) = try given.map { ($0, false) } ?? ServerSecret.loadOrCreate(at: secretPath)
        let store = try EnrollmentStore(path: databasePath, world: .live, keyring: .live(secret: secret), mode: mode)
        return (store, created)
    }
}

extension DataDirectory {
    /// Refuses a directory or database file that other users can reach, as `server.key` is refused: the
    /// database holds no pass or token, but it holds who asked for what, the audit trail and webhook secrets.
    /// A missing database file is created 0600 first, so that SQLite's WAL and shared-memory files, which
    /// take the database file's mode, are private too.
    func checkPrivate(creatingDatabase: Bool) throws {
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        }
        if let directoryMode = mode(path), directoryMode & 0o077 != 0 {
            throw ConfigurationError(
                "\(path) can be read by other users (mode \(String(directoryMode, radix: 8))); run `chmod 700 \(path)` first"
            )
        }
        if creatingDatabase, !FileManager.default.fileExists(atPath: databasePath) {
            let descriptor = open(databasePath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 { close(descriptor) }
        }
        for file in [databasePath, databasePath + "-wal", databasePath + "-shm"] {
            if let fileMode = mode(file), fileMode & 0o077 != 0 {
                throw ConfigurationError(
                    "\(file) can be read by other users (mode \(String(fileMode, radix: 8))); run `chmod 600 \(file)` first"
                )
            }
        }
    }
}

/// An exclusive lock on a data directory; released when this value is released or the process ends.
public final class DirectoryLock: Sendable {
    private let descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }
}
