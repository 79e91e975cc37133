import Foundation
import TapCore

/// Figures `GET /metrics` reads from the database once per scrape (never per request).
public struct StoreMetrics: Sendable, Equatable {
    /// Sessions by stored state and scenario.
    public var sessions: [SessionCount]
    /// Webhook deliveries still to be made.
    public var webhookBacklog: Int
    /// Webhook deliveries given up on.
    public var webhookDeadLetters: Int
    /// Audit events not yet turned into webhook deliveries.
    public var webhookOutboxLag: Int64
    /// What the FIDO metadata BLOB in force says of itself, if one is.
    public var metadata: MetadataSummary?

    /// One group of sessions.
    public struct SessionCount: Sendable, Equatable {
        public var state: String
        public var scenario: String
        public var count: Int
    }
}

extension EnrollmentStore {
    /// Passes locked after too many failed redeems (a counter: it only grows, until retention purges).
    public func lockedPassCount() async throws -> Int {
        try await engine.read { db in
            try db.queryFirst("SELECT COUNT(*) FROM pass WHERE lockedAt IS NOT NULL") { try $0.integer(0) } ?? 0
        }
    }

    /// Counts for the metrics endpoint, in one read.
    public func metrics() async throws -> StoreMetrics {
        try await engine.read { db in
            let sessions = try db.queryAll("SELECT state, scenario, COUNT(*) FROM session GROUP BY state, scenario") {
                StoreMetrics.SessionCount(state: try $0.text(0), scenario: try $0.text(1), count: try $0.integer(2))
            }
            var counts: [String: Int] = [:]
            try db.query(
                "SELECT state, COUNT(*) FROM webhookDelivery WHERE state IN ('pending','deadLetter') GROUP BY state", []
            ) { counts[try $0.text(0)] = try $0.integer(1) }
            let cursor =
                try db.queryFirst("SELECT seq FROM webhookCursor WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            let head = try db.queryFirst("SELECT seq FROM auditHead WHERE id = 1") { Int64(try $0.integer(0)) } ?? 0
            let metadata = try Self.metadataSummary(db)?.summary
            return StoreMetrics(
                sessions: sessions, webhookBacklog: counts["pending"] ?? 0,
                webhookDeadLetters: counts["deadLetter"] ?? 0,
                webhookOutboxLag: max(head - cursor, 0),
                metadata: metadata)
        }
    }
}
