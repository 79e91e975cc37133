import Logging
import PostgresNIO
import TapStorage

/// Wakes an instance's event streams for the events any instance commits. A write group that appended tells
/// the channel the chain's head inside its own transaction (PostgreSQL delivers a notification at commit, and
/// drops it with a rollback), and every instance listens. The same listener hears what the instances tell each
/// other (``PeerNews``) on a channel of its own.
enum PostgresFeed {
    static let channel = "tapstation_audit"
    static let peersChannel = "tapstation_peers"

    /// News that reaches every instance listening on `client`'s database, this one too.
    static func peerNews(client: PostgresClient, logger: Logger) -> PeerNews {
        PeerNews { payload in
            do {
                // Waits for a connection no longer than a request would: while the database is away, news is dropped.
                _ = try await PostgresConnectionLease.withConnection(client) { connection in
                    try await connection.query("SELECT pg_notify(\(peersChannel), \(payload))", logger: logger)
                }
            } catch {
                logger.debug("peer news unsent", metadata: ["error.type": "\(type(of: error))"])
            }
        }
    }

    /// The notification of the head row's `seq` to every instance, sent at commit.
    static let announceHead = "pg_notify('\(channel)', CAST(seq AS text))"

    /// Run by a group that appended, just before its commit: the chain's head, read and announced at once.
    static let announceHeadSQL = "SELECT seq, \(announceHead) FROM auditHead WHERE id = 1"

    /// Moves `feed` on with every notification until the task is cancelled. After a lost connection it listens
    /// again and reads the head once, so that what was committed while it was not listening still wakes the
    /// streams.
    static func listen(client: PostgresClient, feed: AuditFeed, peers: PeerNews, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await connection.listen(on: channel) { notifications in
                                let head = try await connection.query(
                                    "SELECT seq FROM auditHead WHERE id = 1", logger: logger
                                ).collect().first.map { try $0.decode(Int64.self) }
                                if let head { feed.committed(upTo: head) }
                                for try await notification in notifications {
                                    if let sequence = Int64(notification.payload) { feed.committed(upTo: sequence) }
                                }
                            }
                        }
                        group.addTask {
                            try await connection.listen(on: peersChannel) { notifications in
                                for try await notification in notifications { peers.heard(notification.payload) }
                            }
                        }
                        // Either listener ending (a lost connection) ends both, to listen again on a new one.
                        try await group.next()
                        group.cancelAll()
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
