import Logging
import PostgresNIO

/// A PostgreSQL client that runs for the length of `body`: postgres-nio's pool needs its `run()` going in a
/// task beside its users.
public enum PostgresConnector {
    /// Connects with `settings`, proves the server answers within `reachWithin`, runs `body`, then closes
    /// every connection. A server that cannot be reached is an error after `reachWithin`, not a wait: the pool
    /// itself keeps retrying a connection that fails.
    public static func withClient<Result: Sendable>(
        _ settings: PostgresSettings, logger: Logger, reachWithin: Duration = .seconds(15),
        _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        var configuration = try settings.clientConfiguration()
        configuration.options.connectTimeout = reachWithin
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        defer { runner.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.query("SELECT 1", logger: logger) }
            group.addTask {
                try await Task.sleep(for: reachWithin)
                throw PostgresUnreachable(database: settings.description, within: reachWithin)
            }
            try await group.next()
            group.cancelAll()
        }
        return try await body(client)
    }
}

/// The server did not answer in time.
public struct PostgresUnreachable: Error, Sendable, CustomStringConvertible {
    public let database: String
    public let within: Duration

    public var description: String { "\(database) did not answer within \(within)" }
}
