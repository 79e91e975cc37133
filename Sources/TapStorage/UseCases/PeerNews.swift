import Foundation
import NIOConcurrencyHelpers

/// What instances sharing one database tell each other that the database does not hold: the redeem failures
/// each one's throttle counted, so that a guesser spreading attempts over the instances meets one count. On
/// PostgreSQL a message is a notification every other instance hears within milliseconds; on SQLite there is no
/// other instance, and nothing is sent.
public final class PeerNews: Sendable {
    /// Who this instance is among its peers: its own messages come back to it and are dropped.
    private let sender = UUID().uuidString
    private let send: @Sendable (String) async -> Void
    private let listeners = NIOLockedValueBox<[@Sendable (String) -> Void]>([])

    /// Most a message may hold (PostgreSQL's limit on a notification's payload is 8,000 bytes).
    public static let maximumBytes = 4000

    /// News carried by `send`, which delivers a payload to every instance on the database (this one too).
    package init(send: @escaping @Sendable (String) async -> Void) { self.send = send }

    /// News for an instance alone on its database.
    public static func alone() -> PeerNews { PeerNews(send: { _ in }) }

    /// Tells every other instance `message` (at most ``maximumBytes``; longer ones are not sent). Best effort:
    /// a message lost to a failed connection costs a peer one count, never a request.
    public func tell(_ message: String) async {
        guard message.utf8.count <= Self.maximumBytes else { return }
        await send(sender + "\u{1F}" + message)
    }

    /// Calls `handler` with each message another instance tells; it must only hand the news on, never block.
    public func listen(_ handler: @escaping @Sendable (String) -> Void) {
        listeners.withLockedValue { $0.append(handler) }
    }

    /// A payload the engine received, as `send` made it.
    package func heard(_ payload: String) {
        guard let separator = payload.firstIndex(of: "\u{1F}"), payload[..<separator] != sender else { return }
        let message = String(payload[payload.index(after: separator)...])
        for handler in listeners.withLockedValue({ $0 }) { handler(message) }
    }
}
