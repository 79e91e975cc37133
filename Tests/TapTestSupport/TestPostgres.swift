import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server for the tests of one process, from Debian's `postgresql` package: `initdb` on a
/// temporary directory, `pg_ctl start` on a free loopback port, stopped (immediate mode) when the process exits.
/// `initdb` and `pg_ctl` refuse root, so as root they run as the package's `postgres` user. Each test asks for a
/// database of its own.
public final class TestPostgres: Sendable {
    public let port: Int
    public let user = "tapstation"
    let directory: String
    let binaries: String
    private let databases = NIOLockedValueBox(0)

    private static let started = NIOLockedValueBox<Result<TestPostgres, TestPostgresError>?>(nil)

    /// The server of this test process, started on first use.
    public static func shared() throws -> TestPostgres {
        try started.withLockedValue { state in
            if state == nil {
                state = Result { () throws(TestPostgresError) -> TestPostgres in try TestPostgres() }
                atexit { TestPostgres.stopShared() }
            }
            return try state!.get()
        }
    }

    /// A new, empty database; answers its `postgres://` URL (loopback, no TLS, no password: `trust`).
    public func newDatabase() throws -> String {
        let name = databases.withLockedValue { count -> String in
            count += 1
            return "test_\(getpid())_\(count)"
        }
        try run(
            binaries + "/psql",
            [
                "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", "postgres", "-q",
                "-c", "CREATE DATABASE \(name)",
            ], asServer: false)
        return url(database: name)
    }

    /// The URL of `database` on this server.
    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`), and starts it again.
    public func restartImmediately() throws {
        try run(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"], asServer: true)
        try start()
    }

    private init() throws(TestPostgresError) {
        guard let found = Self.findBinaries() else {
            throw TestPostgresError("no PostgreSQL server found in /usr/lib/postgresql: apt-get install postgresql")
        }
        binaries = found
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("tapstation-postgres-\(getpid())-\(UUID().uuidString.prefix(8))").path
        port = Self.freePort()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if getuid() == 0 {
                guard let account = getpwnam("postgres") else {
                    throw TestPostgresError("running as root, and there is no postgres user to run the server as")
                }
                guard chown(directory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                    throw TestPostgresError("cannot hand \(directory) to the postgres user")
                }
            }
            try run(
                binaries + "/initdb",
                ["-D", directory + "/data", "-A", "trust", "-U", user, "--no-instructions", "-E", "UTF8"],
                asServer: true)
            try start()
        } catch let error as TestPostgresError {
            throw error
        } catch {
            throw TestPostgresError("\(error)")
        }
    }

    private func start() throws {
        try run(
            binaries + "/pg_ctl",
            [
                "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60", "start", "-o",
                "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=300",
            ],
            asServer: true)
    }

    static func stopShared() {
        guard case .success(let server)? = started.withLockedValue({ $0 }) else { return }
        try? server.run(
            server.binaries + "/pg_ctl", ["-D", server.directory + "/data", "-m", "immediate", "-w", "stop"],
            asServer: true)
        try? FileManager.default.removeItem(atPath: server.directory)
    }

    /// Runs a PostgreSQL program to its end; as root, server programs run as `postgres`. Spawned and reaped
    /// here (`posix_spawn`, `waitpid`) rather than with Foundation's `Process`, whose reaping of a child that
    /// left a daemon behind (`pg_ctl start`) was seen to never finish; output goes to a file, not a pipe the
    /// daemon would hold open.
    func run(_ program: String, _ arguments: [String], asServer: Bool) throws {
        let command = asServer && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] : [program]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let outputPath = directory + "/\((program as NSString).lastPathComponent).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid = pid_t()
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestPostgresError("cannot start \(command[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED and WEXITSTATUS by hand: the C macros are not imported.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw TestPostgresError("\((program as NSString).lastPathComponent) failed (\(status)): \(text)")
        }
    }

    static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "\(root)/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") ? $0 : nil }
    }

    /// A loopback port nothing listens on now.
    static func freePort() -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Why the test server could not start, with what the PostgreSQL program said.
public struct TestPostgresError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
