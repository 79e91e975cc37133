import Foundation
import GRDB
import NIOConcurrencyHelpers
import TapCore

/// The database of one TapStation installation, and every use case that reads or changes it.
///
/// Each use case that changes anything is one write transaction that keeps the rules of DESIGN.md, so that
/// HTTP handlers and CLI commands cannot skip a rule. Writes run one transaction at a time (SQLite's single
/// writer; on PostgreSQL, the audit chain's lock every write group takes first), which is what makes redeem
/// atomic. The contracts speak TapCore values only.
///
/// The store runs on an engine: the embedded SQLite file (``init(path:world:keyring:mode:)``) or PostgreSQL
/// (TapPostgres). The use cases are written against ``StatementRunner`` and run on both; what belongs to the
/// SQLite file alone (backup, its pragmas) reaches for the embedded engine (``pool(function:)``) and is refused
/// elsewhere (docs/postgres.md).
public struct EnrollmentStore: Sendable {
    /// Where the use cases written against ``StatementRunner`` run.
    let engine: any StoreEngine
    /// The SQLite file's connections, writer and checkpointer; `nil` on PostgreSQL.
    private let embedded: EmbeddedEngine?
    let world: World
    /// The MAC operations under the server secret (the HTTP layer needs them for tokens and passes).
    public let keyring: Keyring
    /// Wakes event streams after each commit that appended audit events.
    public let feed: AuditFeed
    /// What this instance and the others on its database tell each other (see ``PeerNews``).
    public let peers: PeerNews
    /// Where the audit chain stands on the writer (see ``appendAudit``).
    let auditChain: AuditChainState
    /// Appends to and walks the audit chain (the same code the PostgreSQL store runs).
    let audit: AuditChain
    /// The policy document last decoded, with its text (see `loadPolicy`).
    let policyCache = PolicyCache(nil)
    /// How far the sweeps have settled pass expiries (see ``sweep(batchSize:)``).
    let sweepCursor = SweepCursor()
    /// Operators recently found by token (see ``operatorForToken(_:)``).
    let operatorTokens = OperatorTokenCache()

    /// How the file is opened: the server runs migrations; local CLI commands refuse an out-of-date schema.
    public enum OpenMode: Sendable {
        /// Create the file if needed and apply pending migrations.
        case migrate
        /// Use an existing, up-to-date database.
        case existing
    }

    /// Every migration's identifier, oldest first: the PostgreSQL engine's migrations carry the same ones.
    public static var migrationIdentifiers: [String] { Migrations.migrator.migrations }

    /// Opens (and for `.migrate`, creates and migrates) the database at `path`.
    public init(path: String, world: World, keyring: Keyring, mode: OpenMode = .migrate) throws {
        if mode == .existing, !FileManager.default.fileExists(atPath: path) {
            throw StorageError.notInitialised(path: path)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeoutSeconds)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Each group-committed use case runs in a savepoint, and SQLite keeps the pages a savepoint may
            // have to restore in a statement journal. By default that journal spills to a temp file in
            // /var/tmp past 64 KiB, which cost some 20 4 KiB writes per create and per redeem (strace: nine in
            // ten of the writer's pwrites). In memory it is a copy; a group's journal is a few MB at most.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets synchronous=NORMAL when it switches to WAL, after prepareDatabase; FULL makes every
        // acknowledged commit survive power loss, not just a process crash.
        // The writer leaves checkpoints to `WALCheckpointer`, which runs them on a connection of its own.
        // A WAL that a long reader kept from starting over (WALCheckpointer) is cut back to 512 MiB when it does.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA journal_size_limit = 536870912")
        }
        // A binary older than the file would run on a schema it does not know (GRDB skips unknown
        // migrations silently): a rollback must restore the backup taken before the upgrade instead.
        let unknown = try pool.read { db in try Migrations.appliedButUnknown(db) }
        guard unknown.isEmpty else { throw StorageError.newerSchema(path: path, migrations: unknown) }
        switch mode {
        case .migrate:
            try Migrations.migrator.migrate(pool)
        case .existing:
            let upToDate = try pool.read { db in try Migrations.migrator.hasCompletedMigrations(db) }
            guard upToDate else { throw StorageError.schemaOutOfDate(path: path) }
        }
        // Weakly: the checkpointer's timer must not keep the pool's connections open after the store is gone.
        let checkpointer = try WALCheckpointer(path: path) { [weak pool] in
            guard let pool else { return (0, 0) }
            return try Self.finishCheckpoint(pool)
        }
        self.world = world
        self.keyring = keyring
        let chain = AuditChainState()
        let audit = AuditChain(keyring: keyring, world: world, state: chain)
        self.auditChain = chain
        self.audit = audit
        let groupCommit = GroupCommit(
            pool: pool, aroundGroup: { db, useCases in try audit.deferringHead(db, useCases) })
        let embedded = EmbeddedEngine(pool: pool, groupCommit: groupCommit, checkpointer: checkpointer, audit: audit)
        self.embedded = embedded
        self.engine = embedded
        let feed = AuditFeed(
            latest: try pool.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM auditHead") ?? 0 })
        pool.add(transactionObserver: AuditCommitObserver(chain: chain, feed: feed), extent: .databaseLifetime)
        self.feed = feed
        self.peers = .alone()
    }

    /// A store on another engine (PostgreSQL): `audit` is the chain its writer appends under, `feed` what wakes
    /// its event streams.
    package init(engine: any StoreEngine, audit: AuditChain, feed: AuditFeed, peers: PeerNews) {
        self.peers = peers
        self.engine = engine
        self.embedded = nil
        self.world = audit.world
        self.keyring = audit.keyring
        self.auditChain = audit.state
        self.audit = audit
        self.feed = feed
    }

    /// The SQLite file's connection pool, for the use cases that still speak GRDB; `function` names the use case
    /// in the refusal on another engine.
    func pool(function: String = #function) throws(StorageError) -> DatabasePool {
        try embeddedEngine(function: function).pool
    }

    /// Whether the store is the embedded SQLite file.
    var isEmbedded: Bool { embedded != nil }

    /// The embedded engine, or a refusal naming the use case (`function`) not built on this engine yet.
    func embeddedEngine(function: String = #function) throws(StorageError) -> EmbeddedEngine {
        guard let embedded else { throw .notOnThisEngine(function) }
        return embedded
    }

    /// How long a connection waits for a lock before it reports the database busy.
    static let busyTimeoutSeconds: TimeInterval = 10

    /// Copies the rest of the WAL on the writer, between two of its transactions, and waits briefly for readers
    /// still on WAL frames, so that the next write starts the WAL over (see ``WALCheckpointer``).
    static func finishCheckpoint(_ pool: DatabasePool) throws -> (walFrames: Int, copied: Int) {
        try pool.writeWithoutTransaction { db in
            // Every write waits behind this: 20 ms for readers, not the writer's usual timeout. If they take longer, the
            // checkpoint has still copied what it could, and the next one tries again.
            try db.execute(sql: "PRAGMA busy_timeout = 20")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Int(busyTimeoutSeconds * 1000))") }
            let (walFrames, copied) = try db.checkpoint(.restart)
            return (walFrames, copied)
        }
    }

    /// Runs `body` with SQLite's own connection as one savepoint of the next group-committed transaction, and
    /// returns once that transaction is durable: the writer as GRDB sees it, for the tests of the group commit and
    /// the records. Use cases go through ``perform(_:)``.
    func write<T: Sendable>(
        function: String = #function, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        let groupCommit = try embeddedEngine(function: function).groupCommit
        // The request's channel is read here, in its task; the body runs later on the writer's queue.
        guard let channel = AuditChannel.current else { return try await groupCommit.write(body) }
        return try await groupCommit.write { [auditChain] db in
            auditChain.channel = channel
            defer { auditChain.channel = nil }
            return try body(db)
        }
    }

    /// The same on whichever engine the store runs, for use cases written against ``StatementRunner``.
    func perform<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T {
        try await engine.write(inChannel(body))
    }

    /// The same for a use case whose rows all belong to `user`, whose first statement is `firstRead` with the
    /// user as its only value, when given (``StoreEngine/write(forUser:firstRead:_:)``).
    func perform<T: Sendable>(
        forUser user: UserPrincipalName, firstRead: String?,
        _ body: @escaping @Sendable (any StatementRunner) throws -> T
    ) async throws -> T {
        try await engine.write(forUser: user.value, firstRead: firstRead, inChannel(body))
    }

    /// `body`, adding the request's channel (read here, in its task) to the events it appends.
    private func inChannel<T: Sendable>(
        _ body: @escaping @Sendable (any StatementRunner) throws -> T
    ) -> @Sendable (any StatementRunner) throws -> T {
        guard let channel = AuditChannel.current else { return body }
        return { [auditChain] db in
            let chain = db.transactionChain ?? auditChain
            chain.channel = channel
            defer { chain.channel = nil }
            return try body(db)
        }
    }

    /// The writer's `synchronous` setting (2 is FULL); SQLite's alone.
    public func synchronousLevel() throws -> Int {
        try pool().writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Number of operators that are neither revoked nor expired.
    public func activeOperatorCount() async throws -> Int {
        let now = world.now()
        return try await engine.read { db in
            try db.queryFirst(
                "SELECT COUNT(*) FROM operator WHERE revokedAt IS NULL AND (expiresAt IS NULL OR expiresAt > ?)",
                bind(now)
            ) { try $0.integer(0) } ?? 0
        }
    }
}

/// The embedded engine: a SQLite file in WAL mode, its group-committed writer and its checkpointer.
struct EmbeddedEngine: StoreEngine {
    let pool: DatabasePool
    /// Commits concurrent write use cases together (see ``EnrollmentStore/write(_:)``).
    let groupCommit: GroupCommit
    /// Copies the WAL into the database file off the writer.
    let checkpointer: WALCheckpointer
    /// The chain whose head a bulk transaction writes once, at its end.
    let audit: AuditChain

    func write<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T {
        try await groupCommit.write { db in try body(db) }
    }

    func writeBulk<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T {
        try await pool.write { db in try audit.deferringHead(db) { try body(db) } }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T {
        try await pool.read { db in try body(db) }
    }

    func unsafeRead<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T {
        try await pool.unsafeRead { db in try body(db) }
    }

    func readiness() async throws -> StoreReadiness {
        try await pool.read { db in
            StoreReadiness(
                engine: "SQLite \(try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?")",
                facts: ["journalMode": try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"])
        }
    }
}

/// A decoded policy and the stored text it came from.
final class PolicyCache: Sendable {
    private let state: NIOLockedValueBox<(document: String, policy: Policy)?>
    init(_ initial: (document: String, policy: Policy)?) { state = NIOLockedValueBox(initial) }
    func withLock<R>(_ body: (inout (document: String, policy: Policy)?) -> R) -> R {
        state.withLockedValue { body(&$0) }
    }
}

/// Why the store could not be used at all (as opposed to a refused use case).
public enum StorageError: Error, CustomStringConvertible {
    case notInitialised(path: String)
    case schemaOutOfDate(path: String)
    case corruptRow(String)
    case unknownKeyVersion(Int)
    case backupTargetExists(path: String)
    case newerSchema(path: String, migrations: [String])
    case notOnThisEngine(String)
    /// The database could not be reached or went away (PostgreSQL restarting, a network cut): try again.
    case unavailable

    public var description: String {
        switch self {
        case .notInitialised(let path):
            "no database at \(path): start `tapstation serve` or run `tapstation migrate` first"
        case .schemaOutOfDate(let path):
            "the database at \(path) needs migrating: run `tapstation migrate` (or start `tapstation serve`)"
        case .corruptRow(let what): "a stored row could not be read: \(what)"
        case .backupTargetExists(let path): "\(path) already exists or cannot be created; choose a new file"
        case .newerSchema(let path, let migrations):
            "the database at \(path) was migrated by a newer TapStation (\(migrations.joined(separator: ", "))): run that version, or restore the backup taken before the upgrade"
        case .notOnThisEngine(let function):
            "\(function) belongs to the embedded SQLite store and does not run on PostgreSQL (docs/postgres.md)"
        case .unavailable: "the database cannot be reached"
        case .unknownKeyVersion(let version):
            "a stored MAC was made with server secret version \(version), which server.key does not hold"
        }
    }
}
