import Foundation
import TapHTTP
import TapPostgres
import Testing

@testable import TapAdmin

/// What the console's service page shows of the data directory's files.
@Suite("Service facts")
struct ServiceFactsTests {
    @Test func fileSizesAreWrittenForPeopleWithTheExactBytesBeside() {
        #expect(ServiceFacts.size(0) == "0 bytes")
        #expect(ServiceFacts.size(1023) == "1,023 bytes")
        #expect(ServiceFacts.size(417_792) == "408.0 KiB (417,792 bytes)")
        #expect(ServiceFacts.size(2_637_729_792) == "2.5 GiB (2,637,729,792 bytes)")
    }

    /// `tapstation backup` refuses PostgreSQL, so the page names the engine's tools instead of "none recorded".
    @Test func onPostgreSQLBackupsAreTheEnginesToolsAndTheDatabaseIsNamed() throws {
        let directory = DataDirectory(path: "/nonexistent/tapstation")
        let settings = try PostgresSettings.parse(
            url: "postgres://tapstation_app@db.example/tapstation", passwordFile: nil)
        let postgres = ServiceFacts(dataDirectory: directory, postgres: settings, entra: nil)
        #expect(postgres.backupsElsewhere?.contains("pg_basebackup") == true)
        #expect(postgres.storageFiles().map(\.name) == ["Database"])
        let sqlite = ServiceFacts(dataDirectory: directory, entra: nil)
        #expect(sqlite.backupsElsewhere == nil)
        #expect(sqlite.lastBackup() == nil)
    }
}
