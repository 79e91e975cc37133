import Logging
import PostgresNIO
import TapStorage

/// Wakes an instance's event streams for the events any instance commits. A write group that appended tells
/// the channel the chain's head inside its own transaction (PostgreSQL delivers a notification at commit, and
/// drops it with a rollback), and every instance listens.
enum PostgresFeed {
    static let channel = "tapstation_audit"

    /// Run by a group that appended, just before its commit: the chain's head, read and announced at once.
    static let announceHeadSQL =
        "SELECT seq, pg_notify('\(channel)', CAST(seq AS text)) FROM auditHead WHERE id = 1"

    /// Moves `feed` on with every notification until the task is cancelled. After a lost connection it listens
    /// again and reads the head once, so that what was committed while it was not listening still wakes the
    /// streams.
    static func listen(client: PostgresClient, feed: AuditFeed, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        let head = try await connection.query("SELECT seq FROM auditHead WHERE id = 1", logger: logger)
                            .collect().first.map { try $0.decode(Int64.self) }
                        if let head { feed.committed(upTo: head) }
                        for try await notification in notifications {
                            if let sequence = Int64(notification.payload) { feed.committed(upTo: sequence) }
                        }
                    }
                }
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("audit feed: listening again after an error", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
