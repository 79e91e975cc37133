import Foundation
import PostgresNIO
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapPostgres

/// The service on the least-privilege role of docs/postgres.md (no UPDATE or DELETE on audit events), beside the
/// owner that migrates: retention purges sessions as that role and leaves the chain's cut to the owner's
/// `tapstation audit cut`.
@Suite("PostgreSQL least privilege")
struct PostgresLeastPrivilegeTests {
    @Test func retentionOnTheAppRoleLeavesTheChainsCutToTheOwner() async throws {
        let clock = TestClock()
        let ownerURL = try TestPostgres.shared().newDatabase()
        let (owner, stopOwner) = try await PostgresStore.open(
            try PostgresSettings.parse(url: ownerURL, passwordFile: nil), world: testWorld(clock: clock),
            keyring: testKeyring(), logger: PostgresWriterTests.logger, migrate: true)
        defer { stopOwner() }

        // The grants of deploy/postgres-roles.sql and deploy/postgres-audit-grants.sql, for a role of this test's own.
        let database = try #require(ownerURL.split(separator: "/").last.map(String.init))
        let role = "app_\(database)"
        let settings = try PostgresSettings.parse(url: ownerURL, passwordFile: nil)
        try await PostgresConnector.withClient(settings, logger: PostgresWriterTests.logger) { client in
            for statement in [
                "CREATE ROLE \(role) LOGIN",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(role)",
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \(role)",
                "REVOKE UPDATE, DELETE, TRUNCATE ON auditEvent FROM \(role)",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement))
            }
        }
        let appURL = ownerURL.replacingOccurrences(of: "://\(settings.username)@", with: "://\(role)@")
        let (app, stopApp) = try await PostgresStore.open(
            try PostgresSettings.parse(url: appURL, passwordFile: nil), world: testWorld(clock: clock),
            keyring: testKeyring(), logger: PostgresWriterTests.logger, migrate: false)
        defer { stopApp() }

        let admin = try await app.createOperator(NewOperator(name: "admin", role: .admin), by: nil).0.identity
        guard
            case .created(let issued) = try await app.createSession(
                NewSession(
                    scenario: .fido2Registration, userPrincipalName: UserPrincipalName("ada@contoso.example")!,
                    pass: PassRequest(maxUses: 1)), by: admin, idempotency: nil)
        else {
            Issue.record("no session")
            return
        }
        _ = try await app.cancelSession(issued.session.id, reason: "done", by: admin)
        clock.advance(minutes: 60 * 24 * 10)

        let purged = try await app.purgeClosedSessions(olderThanDays: 2)
        #expect(purged.sessions == 1)
        #expect(purged.auditEvents == 0)
        #expect(purged.auditCutLeftToOwner)
        await #expect(throws: AuditCutNotPermitted.self) { try await app.cutAuditChain(olderThanDays: 2) }

        let cut = try await owner.cutAuditChain(olderThanDays: 2)
        #expect(cut.auditEvents > 0)
        #expect(!cut.auditCutLeftToOwner)
        guard case .intact = try await app.verifyAudit(anchor: nil) else {
            Issue.record("the chain does not verify after the owner's cut")
            return
        }
        let types = try await owner.auditExport(after: 0, limit: 100).map(\.type)
        #expect(types == ["sessions.purged", "sessions.purged"])
    }
}
