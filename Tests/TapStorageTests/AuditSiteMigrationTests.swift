import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// The events written before audit events carried their session's site are given it by the migration that
/// added the column, so a search by site finds old and new events alike; the chain still verifies, since the
/// site is outside the MAC.
@Suite("Audit events' site, migrated")
struct AuditSiteMigrationTests {
    @Test func eventsWrittenBeforeTheColumnAreGivenTheirSessionsSite() async throws {
        let path = temporaryDirectory("audit-site").appendingPathComponent("tapstation.sqlite").path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false  // the session's creator is not made here
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        // The schema as the build before this migration left it, then a session and its event by hand.
        try Migrations.migrator.migrate(queue, upTo: "2026-12-06 console sign-in")
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO session (id, scenario, state, site, userPrincipalName, createdBy, createdAt, updatedAt,
                        completionDeadline)
                    VALUES ('01a24d00-7fec-7221-a6c1-3af9ab7a74a1', 'fido2Registration', 'pending', 'bench-hel-1',
                        'ada@contoso.example', 'system', '2026-12-01 10:00:00', '2026-12-01 10:00:00',
                        '2026-12-02 10:00:00');
                    INSERT INTO auditEvent (seq, time, type, sessionId, actor, data, mac, keyVersion)
                    VALUES (1, '2026-12-01 10:00:00', 'session.created', '01a24d00-7fec-7221-a6c1-3af9ab7a74a1',
                        'system', '{}', x'00', 1),
                        (2, '2026-12-01 10:00:01', 'operator.created', NULL, 'system', '{}', x'00', 1);
                    """)
        }
        try Migrations.migrator.migrate(queue)
        let sites = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, site FROM auditEvent ORDER BY seq").map { $0["site"] as String? }
        }
        #expect(sites == ["bench-hel-1", nil])
        await #expect(throws: DatabaseError.self) {
            try await queue.write { db in try db.execute(sql: "UPDATE auditEvent SET site = 'x' WHERE seq = 1") }
        }
    }
}
