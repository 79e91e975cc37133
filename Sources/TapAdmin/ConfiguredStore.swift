import Foundation
import Logging
import TapCore
import TapCrypto
import TapPostgres
import TapStorage

/// The store a command runs on: PostgreSQL when `TAPSTATION_DATABASE_URL` is set, otherwise the data directory's
/// SQLite file. The server secret and the audit anchor stay in the data directory on both engines; every instance
/// on PostgreSQL holds a copy of the secret `tapstation migrate` made (docs/postgres.md).
struct ConfiguredStore {
    let store: EnrollmentStore
    /// Whether opening made the server secret (the first start on SQLite).
    let createdSecret: Bool
    /// Where the data is, for messages: the SQLite file, or the PostgreSQL URL (which holds no password).
    let location: String
    /// The PostgreSQL settings; `nil` on SQLite.
    let postgres: PostgresSettings?
    private let stopClient: @Sendable () -> Void

    /// Lets go of the database: SQLite folds its WAL into the file, PostgreSQL's client closes its connections.
    func close() throws {
        guard postgres != nil else { return try store.close() }
        stopClient()
    }

    /// Opens the configured store. On SQLite `.migrate` brings the file up to date (as `serve` does when it
    /// starts). PostgreSQL is migrated by `tapstation migrate` alone, as the database's owner: an instance only
    /// checks the schema, so that its role needs no right to change it.
    /// `secret` stands for the data directory's server secret (`secret rotate` opens with the old one, then the
    /// new).
    static func open(
        settings: ConfigurationSource, dataDirectory: DataDirectory, mode: EnrollmentStore.OpenMode, logger: Logger,
        secret: ServerSecret? = nil
    ) async throws -> ConfiguredStore {
        guard let database = try DatabaseSettings.postgres(settings) else {
            let (store, created) = try dataDirectory.openStore(mode: mode, secret: secret)
            return ConfiguredStore(
                store: store, createdSecret: created, location: dataDirectory.databasePath, postgres: nil,
                stopClient: {})
        }
        try dataDirectory.checkPrivate(creatingDatabase: false)
        guard FileManager.default.fileExists(atPath: dataDirectory.secretPath) else {
            throw ConfigurationError(
                "no server secret at \(dataDirectory.secretPath): run `tapstation migrate` once and copy its "
                    + "server.key into every instance's data directory (docs/postgres.md)")
        }
        let secret = try secret ?? ServerSecret.load(at: dataDirectory.secretPath)
        do {
            let (store, stop) = try await PostgresStore.open(
                database, world: .live, keyring: .live(secret: secret), logger: logger, migrate: false)
            return ConfiguredStore(
                store: store, createdSecret: false, location: database.description, postgres: database,
                stopClient: stop)
        } catch let error as PostgresSchemaError {
            throw ConfigurationError("\(database.description): \(error)")
        } catch {
            throw ConfigurationError("cannot open \(database.description): \(String(reflecting: error))")
        }
    }
}

extension LocalOptions {
    /// The settings, the data directory and the store they configure, for a local command (see
    /// ``ConfiguredStore/open(settings:dataDirectory:mode:logger:)``).
    func openStore(
        mode: EnrollmentStore.OpenMode = .existing
    ) async throws -> (ConfiguredStore, ConfigurationSource, DataDirectory) {
        let (settings, dataDirectory) = try resolve()
        let opened = try await ConfiguredStore.open(
            settings: settings, dataDirectory: dataDirectory, mode: mode, logger: .localCommand)
        return (opened, settings, dataDirectory)
    }
}

extension Logger {
    /// A local command's log: warnings and worse, so that its own output stays readable.
    static var localCommand: Logger {
        var logger = Logger(label: "tapstation")
        logger.logLevel = .warning
        return logger
    }
}
