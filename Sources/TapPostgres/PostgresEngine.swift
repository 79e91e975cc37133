import Dispatch
import Logging
import PostgresNIO
import TapCore
import TapStorage

/// The store's engine on PostgreSQL: writes through ``PostgresWriter``'s group commit, reads on a pooled
/// connection inside one read-only REPEATABLE READ transaction, so that a read of several statements sees one
/// snapshot as it does on SQLite.
package struct PostgresEngine: StoreEngine {
    let client: PostgresClient
    let writer: PostgresWriter
    let userGroups: PostgresUserGroups
    let logger: Logger
    /// The threads reads block while PostgreSQL answers (never an event loop or the cooperative pool).
    private static let readers = DispatchQueue(label: "tapstation.postgres.readers", attributes: .concurrent)

    package func write<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T {
        try await PostgresFailure.translatingUnavailable { try await writer.write { runner in try body(runner) } }
    }

    package func write<T: Sendable>(
        forUser user: String, firstRead: String?, _ body: @escaping @Sendable (any StatementRunner) throws -> T
    ) async throws -> T {
        try await PostgresFailure.translatingUnavailable {
            try await userGroups.write(user: user, firstRead: firstRead) { runner in try body(runner) }
        }
    }

    /// A bulk job's transaction is a write like any other here: the writer already writes the head once per group.
    package func writeBulk<T: Sendable>(
        _ body: @escaping @Sendable (any StatementRunner) throws -> T
    ) async throws -> T {
        try await PostgresFailure.translatingUnavailable { try await writer.write { runner in try body(runner) } }
    }

    package func read<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T {
        try await onReader { runner in
            try runner.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let value = try body(runner)
                try runner.run("COMMIT")
                return value
            } catch {
                try? runner.run("ROLLBACK")
                throw error
            }
        }
    }

    package func unsafeRead<T: Sendable>(
        _ body: @escaping @Sendable (any StatementRunner) throws -> T
    ) async throws -> T {
        try await onReader(body)
    }

    package func readiness() async throws -> StoreReadiness {
        try await onReader { runner in
            let version = try runner.queryFirst("SHOW server_version") { try $0.text(0) } ?? "?"
            let synchronous = try runner.queryFirst("SHOW synchronous_commit") { try $0.text(0) } ?? "?"
            return StoreReadiness(engine: "PostgreSQL \(version)", facts: ["synchronousCommit": synchronous])
        }
    }

    /// Runs `body` on a pooled connection, on a reader thread.
    private func onReader<T: Sendable>(
        _ body: @escaping @Sendable (PostgresStatementRunner) throws -> T
    ) async throws -> T {
        try await PostgresFailure.translatingUnavailable {
            try await PostgresConnectionLease.withConnection(client) { connection in
                let runner = PostgresStatementRunner(connection: connection, logger: logger)
                return try await withCheckedThrowingContinuation { continuation in
                    Self.readers.async { continuation.resume(with: Result { try body(runner) }) }
                }
            }
        }
    }
}

/// Opens the store on a PostgreSQL database `tapstation migrate` brought up to date.
package enum PostgresStore {
    /// The store on `client`'s database; refuses a schema older or newer than this build's. Its feed hears only
    /// this store's commits until ``PostgresFeed/listen(client:feed:logger:)`` runs beside it.
    private static func open(
        client: PostgresClient, world: World, keyring: Keyring, logger: Logger
    ) async throws -> EnrollmentStore {
        try await PostgresMigrations.check(client, logger: logger)
        let latest =
            try await client.query("SELECT seq FROM auditHead WHERE id = 1", logger: logger)
            .collect().first.map { try $0.decode(Int64.self) } ?? 0
        let feed = AuditFeed(latest: latest)
        let audit = AuditChain(keyring: keyring, world: world, state: AuditChainState())
        let writer = PostgresWriter(
            client: client, chain: audit, logger: logger, committed: { feed.committed(upTo: $0) })
        let userGroups = PostgresUserGroups(
            client: client, writer: writer, logger: logger, committed: { feed.committed(upTo: $0) })
        let engine = PostgresEngine(client: client, writer: writer, userGroups: userGroups, logger: logger)
        return EnrollmentStore(
            engine: engine, audit: audit, feed: feed, peers: PostgresFeed.peerNews(client: client, logger: logger))
    }
}

extension PostgresStore {
    /// The store on the database `settings` name, with its own client and its feed's listener (which hears every
    /// instance's commits) running until `stop` is called; `migrate` brings the schema up to date first (as
    /// `tapstation migrate` does).
    package static func open(
        _ settings: PostgresSettings, world: World, keyring: Keyring, logger: Logger, migrate: Bool
    ) async throws -> (store: EnrollmentStore, stop: @Sendable () -> Void) {
        let (client, running) = try await PostgresConnector.start(settings, logger: logger)
        do {
            if migrate { _ = try await PostgresMigrations.migrate(client, logger: logger) }
            let store = try await open(client: client, world: world, keyring: keyring, logger: logger)
            let listening = Task {
                await PostgresFeed.listen(client: client, feed: store.feed, peers: store.peers, logger: logger)
            }
            return (
                store,
                {
                    listening.cancel()
                    running.cancel()
                }
            )
        } catch {
            running.cancel()
            throw error
        }
    }
}
