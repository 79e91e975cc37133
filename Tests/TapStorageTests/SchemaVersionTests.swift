import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// An older binary must not run on a file a newer one has migrated: GRDB would skip the unknown
/// migrations silently and the old code would write rows the new schema does not expect.
@Suite("Schema version")
struct SchemaVersionTests {
    @Test(arguments: [EnrollmentStore.OpenMode.migrate, .existing])
    func aDatabaseMigratedByANewerBuildIsRefusedWithTheMigrationsNamed(mode: EnrollmentStore.OpenMode) async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try fixture.tamper("INSERT INTO grdb_migrations (identifier) VALUES ('2099-01-01 from the future')")
        let sessionsBefore = try await DatabaseQueue(path: fixture.databasePath).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM session")
        }

        let error = #expect(throws: StorageError.self) {
            _ = try EnrollmentStore(
                path: fixture.databasePath, world: testWorld(clock: fixture.clock), keyring: fixture.keyring, mode: mode
            )
        }
        guard case .newerSchema(_, let migrations) = error else {
            Issue.record("expected newerSchema, got \(String(describing: error))")
            return
        }
        #expect(migrations == ["2099-01-01 from the future"])
        #expect("\(error!)".contains("newer TapStation"))
        // Refusing touched nothing.
        let sessionsAfter = try await DatabaseQueue(path: fixture.databasePath).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM session")
        }
        #expect(sessionsAfter == sessionsBefore)
    }

    @Test func aDatabaseOfThisBuildOpensAgain() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        _ = try EnrollmentStore(
            path: fixture.databasePath, world: testWorld(clock: fixture.clock), keyring: fixture.keyring,
            mode: .existing)
    }
}
