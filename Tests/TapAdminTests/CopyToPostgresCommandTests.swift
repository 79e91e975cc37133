import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapAdmin

/// A site moves from its SQLite data directory onto PostgreSQL: every row, the audit chain verifying on both
/// sides, and the copy answering what the original answered.
@Suite("tapstation copy-to-postgres")
struct CopyToPostgresCommandTests {
    @Test func aSiteMovesOntoPostgreSQLWithItsChainIntactAndOnlyOnce() async throws {
        let directory = temporaryDirectory("copy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataDirectory = DataDirectory(path: directory.appendingPathComponent("data").path)
        let data = dataDirectory.path
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", data]) == 0)

        // A site with some history: an operator made by another, a session redeemed, a webhook, a policy.
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        let admin = try await store.createOperator(NewOperator(name: "admin", role: .admin), by: nil).0.identity
        _ = try await store.createOperator(NewOperator(name: "bench", role: .auditor), by: admin)
        let request = NewSession(
            scenario: .deviceEnrollment, userPrincipalName: UserPrincipalName("ada@contoso.example")!,
            device: DeviceDescription(serialNumber: SerialNumber("C02XK1ZZJG5H")!, platform: .ipados),
            pass: PassRequest(maxUses: 2))
        guard case .created(let issued) = try await store.createSession(request, by: admin) else {
            Issue.record("no session")
            return
        }
        guard
            case .admitted = try await store.redeem(
                user: issued.session.userPrincipalName, pass: PresentedPass(issued.pass), client: nil)
        else {
            Issue.record("the pass was refused")
            return
        }
        let original = try await store.session(issued.session.id, visibleTo: admin)
        let operators = try await store.operators().map(\.identity.name).sorted()
        let events = try await store.verifyAudit(anchor: nil)
        try store.close()

        let config = directory.appendingPathComponent("tapstation.conf").path
        try "TAPSTATION_DATABASE_URL=\(try TestPostgres.shared().newDatabase())\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let copy = ["copy-to-postgres", "--config", config, "--data-dir", data]
        #expect(await TapStationCommand.runMain(arguments: copy) == 2, "a database nobody migrated")
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--config", config, "--data-dir", data]) == 0)
        #expect(await TapStationCommand.runMain(arguments: copy) == 0)
        #expect(
            await TapStationCommand.runMain(arguments: ["audit", "verify", "--config", config, "--data-dir", data]) == 0
        )

        let target = try await ConfiguredStore.open(
            settings: try ConfigurationSource.server(explicitPath: config), dataDirectory: dataDirectory,
            mode: .existing, logger: .localCommand)
        defer { try? target.close() }
        #expect(target.postgres != nil)
        #expect(try await target.store.verifyAudit(anchor: nil) == events)
        #expect(try await target.store.operators().map(\.identity.name).sorted() == operators)
        #expect(try await target.store.session(issued.session.id, visibleTo: admin) == original)
        // The copy goes on where the original stopped: the pass's second use, on PostgreSQL.
        guard
            case .admitted = try await target.store.redeem(
                user: issued.session.userPrincipalName, pass: PresentedPass(issued.pass), client: nil)
        else {
            Issue.record("the copied pass was refused")
            return
        }
        // A second copy would mix two sites: refused, and the database is left as it was.
        #expect(await TapStationCommand.runMain(arguments: copy) == 2)
        #expect(try await target.store.operators().count == operators.count)
    }
}
