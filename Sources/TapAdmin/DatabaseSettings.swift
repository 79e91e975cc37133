import Foundation
import Logging
import TapCore
import TapPostgres

/// `TAPSTATION_DATABASE_URL` and `TAPSTATION_DATABASE_PASSWORD_FILE`: the PostgreSQL engine instead of the data
/// directory's SQLite file (docs/postgres.md). Unset: SQLite.
enum DatabaseSettings {
    static let keys: Set<String> = ["TAPSTATION_DATABASE_URL", "TAPSTATION_DATABASE_PASSWORD_FILE"]

    /// The PostgreSQL settings, or `nil` when none is configured.
    static func postgres(_ settings: ConfigurationSource) throws -> PostgresSettings? {
        guard let url = settings.nonEmptyValue("TAPSTATION_DATABASE_URL") else { return nil }
        let passwordFile = settings.nonEmptyValue("TAPSTATION_DATABASE_PASSWORD_FILE")
        do {
            return try PostgresSettings.parse(url: url, passwordFile: passwordFile)
        } catch {
            throw ConfigurationError(error.description)
        }
    }

    /// `tapstation migrate` against PostgreSQL: the schema brought to this version's, or a refusal that says why.
    static func migrate(_ database: PostgresSettings) async throws {
        let logger = Logger(label: "tapstation")
        do {
            let applied = try await PostgresConnector.withClient(database, logger: logger) { client in
                try await PostgresMigrations.migrate(client, logger: logger)
            }
            printError(
                "database ready at \(database.description) (\(applied.count) migration\(applied.count == 1 ? "" : "s") applied)"
            )
        } catch let error as PostgresSchemaError {
            throw ConfigurationError("\(database.description): \(error)")
        } catch {
            throw ConfigurationError("cannot migrate \(database.description): \(String(reflecting: error))")
        }
    }
}
