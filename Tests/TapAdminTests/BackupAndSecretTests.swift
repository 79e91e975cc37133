import Foundation
import GRDB
import TapCore
import TapCrypto
import TapHTTP
import TapStorage
import TapTestSupport
import Testing

@testable import TapAdmin

@Suite("Backup, restore and secret rotation", .serialized)
struct BackupAndSecretTests {
    /// A migrated data directory with an admin, and the store opened as the server would.
    private func prepared() async throws -> (URL, DataDirectory, OperatorIdentity) {
        let directory = temporaryDirectory("admin")
        let dataDirectory = DataDirectory(path: directory.appendingPathComponent("data").path)
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", dataDirectory.path]) == 0)
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        let admin = try await store.createOperator(NewOperator(name: "admin", role: .admin), by: nil).0.identity
        try store.close()
        return (directory, dataDirectory, admin)
    }

    private func createSession(
        _ dataDirectory: DataDirectory, by admin: OperatorIdentity, user: String
    ) async throws -> IssuedPass {
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        defer { try? store.close() }
        let request = NewSession(
            scenario: .fido2Registration, userPrincipalName: UserPrincipalName(user)!, pass: PassRequest(maxUses: 2))
        guard case .created(let issued) = try await store.createSession(request, by: admin) else {
            throw CancellationError()
        }
        return issued
    }

    @Test func rotationKeepsLivePassesTokensAndTheChain() async throws {
        let (directory, dataDirectory, admin) = try await prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let issued = try await createSession(dataDirectory, by: admin, user: "ada@contoso.example")
        let (oldStore, _) = try dataDirectory.openStore(mode: .existing)
        let (_, oldToken) = try await oldStore.createOperator(
            NewOperator(name: "kiosk", role: .kiosk, site: SiteName("s1")), by: admin)
        try oldStore.close()

        #expect(
            await TapStationCommand.runMain(arguments: ["secret", "rotate", "--data-dir", dataDirectory.path]) == 0)
        #expect(try ServerSecret.load(at: dataDirectory.secretPath).versions == [1, 2])

        let (store, _) = try dataDirectory.openStore(mode: .existing)
        defer { try? store.close() }
        guard case .valid = try await store.operatorForToken(oldToken) else {
            Issue.record("an operator token from before the rotation stopped working")
            return
        }
        guard
            case .admitted = try await store.redeem(
                user: issued.session.userPrincipalName, pass: PresentedPass(issued.pass))
        else {
            Issue.record("a pass from before the rotation stopped working")
            return
        }
        let (_, newToken) = try await store.createOperator(
            NewOperator(name: "bench", role: .bench, site: SiteName("s1")), by: admin)
        guard case .valid = try await store.operatorForToken(newToken) else {
            Issue.record("a new token does not work")
            return
        }
        guard case .intact = try await store.verifyAudit() else {
            Issue.record("the chain broke across the rotation")
            return
        }
        let versions = try await DatabaseQueue(path: dataDirectory.databasePath).read { db in
            try Int.fetchAll(db, sql: "SELECT DISTINCT keyVersion FROM auditEvent ORDER BY keyVersion")
        }
        #expect(versions == [1, 2])
        #expect(try await store.auditEvents(type: .secretRotated, limit: 5).count == 1)
    }

    @Test func backupAndRestoreRoundTrip() async throws {
        let (directory, dataDirectory, admin) = try await prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let kept = try await createSession(dataDirectory, by: admin, user: "ada@contoso.example")
        let backup = directory.appendingPathComponent("backup.sqlite").path
        #expect(
            await TapStationCommand.runMain(arguments: ["backup", "--data-dir", dataDirectory.path, "--to", backup])
                == 0)
        #expect(
            await TapStationCommand.runMain(arguments: ["backup", "--data-dir", dataDirectory.path, "--to", backup])
                == 2, "overwrote a backup")
        let mode = try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try EnrollmentStore.inspectBackup(at: backup).secretFileText == nil)
        let lost = try await createSession(dataDirectory, by: admin, user: "bob@contoso.example")

        #expect(
            await TapStationCommand.runMain(arguments: ["restore", "--data-dir", dataDirectory.path, "--from", backup])
                == 0)
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        defer { try? store.close() }
        #expect(try await store.session(kept.session.id, visibleTo: nil) != nil)
        #expect(try await store.session(lost.session.id, visibleTo: nil) == nil)
        guard case .intact = try await store.verifyAudit() else {
            Issue.record("restored chain does not verify")
            return
        }
        guard
            case .admitted = try await store.redeem(
                user: kept.session.userPrincipalName, pass: PresentedPass(kept.pass))
        else {
            Issue.record("a pass from the backup does not redeem after restore")
            return
        }
    }

    @Test func aBackupWithItsSecretRestoresOnAnotherMachine() async throws {
        let (directory, dataDirectory, admin) = try await prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let issued = try await createSession(dataDirectory, by: admin, user: "ada@contoso.example")
        let backup = directory.appendingPathComponent("with-secret.sqlite").path
        #expect(
            await TapStationCommand.runMain(arguments: [
                "backup", "--data-dir", dataDirectory.path, "--to", backup, "--include-secret",
            ]) == 0)
        #expect(try EnrollmentStore.inspectBackup(at: backup).secretFileText != nil)

        let elsewhere = DataDirectory(path: directory.appendingPathComponent("elsewhere").path)
        #expect(
            await TapStationCommand.runMain(arguments: ["restore", "--data-dir", elsewhere.path, "--from", backup]) == 0
        )
        let (store, _) = try elsewhere.openStore(mode: .existing)
        defer { try? store.close() }
        guard
            case .admitted = try await store.redeem(
                user: issued.session.userPrincipalName, pass: PresentedPass(issued.pass))
        else {
            Issue.record("the pass does not redeem on the restored machine")
            return
        }
        let hasSecretTable = try await DatabaseQueue(path: elsewhere.databasePath).read { db in
            try db.tableExists("backupSecret")
        }
        #expect(!hasSecretTable, "the restored database still carries the secret")
    }

    @Test func restoreRefusesATamperedBackupAndChangesNothing() async throws {
        let (directory, dataDirectory, admin) = try await prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let issued = try await createSession(dataDirectory, by: admin, user: "ada@contoso.example")
        let backup = directory.appendingPathComponent("backup.sqlite").path
        #expect(
            await TapStationCommand.runMain(arguments: ["backup", "--data-dir", dataDirectory.path, "--to", backup])
                == 0)
        try await DatabaseQueue(path: backup).write { db in
            try db.execute(sql: "DROP TRIGGER auditEvent_no_update")
            try db.execute(sql: "UPDATE auditEvent SET actor = 'mallory' WHERE seq = 2")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: dataDirectory.databasePath))
        #expect(
            await TapStationCommand.runMain(arguments: ["restore", "--data-dir", dataDirectory.path, "--from", backup])
                == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dataDirectory.databasePath)) == before)
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        defer { try? store.close() }
        #expect(try await store.session(issued.session.id, visibleTo: nil) != nil)
    }

    /// The anchor beside `server.key` and inside the backup catches a chain that was emptied: `audit verify`
    /// fails on the live directory, and a backup wiped the same way is refused at restore.
    @Test func aWipedChainFailsVerifyAndRestoreAgainstItsAnchor() async throws {
        let (directory, dataDirectory, admin) = try await prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await createSession(dataDirectory, by: admin, user: "ada@contoso.example")
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        try dataDirectory.writeAuditAnchor(try await store.currentAuditAnchor())
        try store.close()
        let anchor = try #require(try dataDirectory.readAuditAnchor())
        let backup = directory.appendingPathComponent("backup.sqlite").path
        #expect(
            await TapStationCommand.runMain(arguments: ["backup", "--data-dir", dataDirectory.path, "--to", backup])
                == 0)
        #expect(try EnrollmentStore.inspectBackup(at: backup).auditAnchor == anchor)

        func wipe(_ path: String) async throws {
            try await DatabaseQueue(path: path).writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                try db.execute(sql: "DROP TRIGGER auditEvent_no_delete")
                try db.execute(sql: "DELETE FROM auditEvent")
                try db.execute(sql: "DELETE FROM auditHead")
                try db.execute(sql: "DELETE FROM operator")  // nothing left that says a chain existed, but the anchor
                try db.execute(sql: "DELETE FROM session")
            }
        }
        try await wipe(backup)
        #expect(
            await TapStationCommand.runMain(arguments: ["restore", "--data-dir", dataDirectory.path, "--from", backup])
                == 1)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", dataDirectory.path]) == 0)
        try await wipe(dataDirectory.databasePath)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", dataDirectory.path]) == 1)
    }

    @Test func aRestoreRenewsTheAnchorFromTheRestoredChain() async throws {
        let (directory, dataDirectory, admin) = try await prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let backup = directory.appendingPathComponent("backup.sqlite").path
        #expect(
            await TapStationCommand.runMain(arguments: ["backup", "--data-dir", dataDirectory.path, "--to", backup])
                == 0)
        _ = try await createSession(dataDirectory, by: admin, user: "ada@contoso.example")
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        try dataDirectory.writeAuditAnchor(try await store.currentAuditAnchor())
        try store.close()
        // The backup is older than the anchor; restoring it is the operator's deliberate step back.
        #expect(
            await TapStationCommand.runMain(arguments: ["restore", "--data-dir", dataDirectory.path, "--from", backup])
                == 0)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", dataDirectory.path]) == 0)
        #expect(try dataDirectory.readAuditAnchor()?.sequence == 1)
    }

    @Test func restoreAndRotateRefuseWhileTheServiceHoldsTheDirectory() async throws {
        let (directory, dataDirectory, _) = try await prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let backup = directory.appendingPathComponent("backup.sqlite").path
        #expect(
            await TapStationCommand.runMain(arguments: ["backup", "--data-dir", dataDirectory.path, "--to", backup])
                == 0)
        let lock = try dataDirectory.lock(purpose: "testing")
        #expect(
            await TapStationCommand.runMain(arguments: ["restore", "--data-dir", dataDirectory.path, "--from", backup])
                == 2)
        #expect(
            await TapStationCommand.runMain(arguments: ["secret", "rotate", "--data-dir", dataDirectory.path]) == 2)
        withExtendedLifetime(lock) {}
    }
}
