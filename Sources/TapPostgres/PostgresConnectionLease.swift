import NIOConcurrencyHelpers
import PostgresNIO
import TapStorage

/// A pooled connection for one read or one write group, waited for only so long. While PostgreSQL is away the
/// pool keeps trying to connect and would hold every request until it is back; the store answers
/// ``StorageError/unavailable`` instead, which the API turns into a 503 with a retry delay.
enum PostgresConnectionLease {
    /// How long a read or a write group waits for a connection. Far above a busy pool's wait, so that only an
    /// absent database reaches it.
    static let limit: Duration = .seconds(10)

    private enum State { case waiting, running, gaveUp }

    /// Runs `body` on a connection of `client`'s pool, once one is there within `limit`. Only the wait is
    /// limited: a body that has begun runs to its end.
    static func withConnection<T: Sendable>(
        _ client: PostgresClient, limit: Duration = limit,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let state = NIOLockedValueBox(State.waiting)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    let begins = state.withLockedValue { state -> Bool in
                        guard state == .waiting else { return false }
                        state = .running
                        return true
                    }
                    guard begins else { throw StorageError.unavailable }
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                let gaveUp = state.withLockedValue { state -> Bool in
                    guard state == .waiting else { return false }
                    state = .gaveUp
                    return true
                }
                if gaveUp { throw StorageError.unavailable }
                return nil
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw StorageError.unavailable
        }
    }
}
