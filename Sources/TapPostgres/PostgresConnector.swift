import Logging
import PostgresNIO

/// A PostgreSQL client that runs for the length of `body`: postgres-nio's pool needs its `run()` going in a
/// task beside its users.
public enum PostgresConnector {
    /// Connects with `settings`, proves the server answers within `reachWithin`, runs `body`, then closes
    /// every connection.
    public static func withClient<Result: Sendable>(
        _ settings: PostgresSettings, logger: Logger, reachWithin: Duration = .seconds(15),
        _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let (client, runner) = try await start(settings, logger: logger, reachWithin: reachWithin)
        defer { runner.cancel() }
        return try await body(client)
    }

    /// A client on `settings` that runs until the returned task is cancelled, once the server has answered. A
    /// server that cannot be reached is an error after `reachWithin`, not a wait: the pool itself keeps retrying
    /// a connection that fails.
    public static func start(
        _ settings: PostgresSettings, logger: Logger, reachWithin: Duration = .seconds(15)
    ) async throws -> (PostgresClient, Task<Void, Never>) {
        var configuration = try settings.clientConfiguration()
        configuration.options.connectTimeout = reachWithin
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        // The pool warns about a lease asked for before `run()` began, which the task above may not have yet.
        try await Task.sleep(for: .milliseconds(20))
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await client.query("SELECT 1", logger: logger) }
                group.addTask {
                    try await Task.sleep(for: reachWithin)
                    throw PostgresUnreachable(database: settings.description, within: reachWithin)
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            runner.cancel()
            throw error
        }
        return (client, runner)
    }
}

/// The server did not answer in time.
public struct PostgresUnreachable: Error, Sendable, CustomStringConvertible {
    public let database: String
    public let within: Duration

    public var description: String { "\(database) did not answer within \(within)" }
}
