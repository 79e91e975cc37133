import Foundation
import TapCore

extension EnrollmentStore {
    public func holdLease(_ job: String, holder: String, term: TimeInterval) async throws -> Bool {
        let now = world.now()
        return try await perform { db in
            // One statement decides, under the writer's lock: a free, expired or own lease is (re)taken.
            let taken = try db.changes(
                """
                INSERT INTO jobLease (job, holder, expiresAt) VALUES (?, ?, ?)
                ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expiresAt = excluded.expiresAt
                WHERE jobLease.holder = excluded.holder OR jobLease.expiresAt <= ?
                """, bind(job, holder, now.addingTimeInterval(term), now))
            return taken > 0
        }
    }

    public func liveLeases() async throws -> [JobLease] {
        let now = world.now()
        return try await engine.read { db in
            try db.queryAll(
                "SELECT job, holder, expiresAt FROM jobLease WHERE expiresAt > ? ORDER BY job", bind(now)
            ) { row in JobLease(job: try row.text(0), holder: try row.text(1), expiresAt: try row.date(2)) }
        }
    }

    public func releaseLease(_ job: String, holder: String) async throws {
        try await perform { db in try db.run("DELETE FROM jobLease WHERE job = ? AND holder = ?", bind(job, holder)) }
    }
}
