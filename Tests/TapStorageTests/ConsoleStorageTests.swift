import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// What the SQLite store keeps of the console's secrets: MACs only. Neither an invitation code nor a session
/// cookie can be read back from the database file or its WAL.
@Suite("Console secrets at rest")
struct ConsoleStorageTests {
    @Test func neitherTheInvitationCodeNorTheCookieIsStored() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let invitation = try await fixture.store.invitePerson(
            NewOperator(name: "Grace", role: .helpdesk, userPrincipalName: UserPrincipalName("grace@contoso.example")),
            codeLifetime: 3600, by: fixture.admin)
        let person = try #require(
            try await fixture.store.beginPasskeyRegistration(
                invitationCode: invitation.code, challengeDigest: Array(repeating: 1, count: 32), lifetime: 300))
        let signedIn = try #require(
            try await fixture.store.registerOperatorPasskey(
                AuditAndSweepConformanceTests.key([7, 7]), invitationCode: invitation.code,
                operator: person.identity.id, terms: ConsoleConformanceTests.terms))
        var bytes = Data()
        for suffix in ["", "-wal"] {
            bytes += (try? Data(contentsOf: URL(fileURLWithPath: fixture.databasePath + suffix))) ?? Data()
        }
        #expect(!bytes.isEmpty)
        let normalized = invitation.code.replacingOccurrences(of: "-", with: "")
        for secret in [invitation.code, normalized, signedIn.cookie] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret.prefix(4))… is in the database")
        }
        // The session row holds the cookie's MAC, which is not the cookie.
        let digests = try await fixture.store.pool().read { db in
            try Data.fetchAll(db, sql: "SELECT digest FROM consoleSession")
        }
        #expect(digests.count == 1)
        #expect(digests.first.map { Array($0) } != Array(signedIn.cookie.utf8))
    }
}
