import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// A person's passkeys after the first: a renewed invitation adds one through the same ceremony, a person
/// removes their own but never their last, and an admin's reset removes them all, ends the person's console
/// sessions and leaves a new code; a site admin reaches only its site's people.
@Suite("Store conformance: console passkeys")
struct PasskeyConformanceTests {
    @Test(arguments: StoreFactory.all)
    func aPersonAddsASecondPasskeyAndRemovesOneButNotTheLast(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        let invitation = try await ConsoleConformanceTests.invite(fixture)
        let grace = try #require(try await ConsoleConformanceTests.register(fixture, invitation)).session.operator
        let only = try #require(try await store.operatorPasskeys(of: grace.identity.id).first)
        await #expect(throws: EnrollmentError.self) {
            try await store.removeOperatorPasskey(only.id, by: grace.identity)
        }

        let renewed = try await store.renewInvitation(
            of: grace.identity.id, resettingPasskeys: false, codeLifetime: 600, by: grace.identity)
        #expect(renewed.code != invitation.code)
        #expect(try await ConsoleConformanceTests.register(fixture, renewed, credentialID: [9, 9]) != nil)
        #expect(try await store.operatorPasskeys(of: grace.identity.id).count == 2)

        // Another person's passkey is not Grace's to remove; her first one is.
        let admin = fixture.admin
        await #expect(throws: EnrollmentError.self) { try await store.removeOperatorPasskey(only.id, by: admin) }
        try await store.removeOperatorPasskey(only.id, by: grace.identity)
        #expect(try await store.operatorPasskeys(of: grace.identity.id).map(\.credentialID) == [[9, 9]])
        #expect(try await store.operatorPasskey(credentialID: only.credentialID) == nil)
    }

    @Test(arguments: StoreFactory.all)
    func anAdminsResetRemovesEveryPasskeyEndsSessionsAndLeavesANewCode(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        let invitation = try await ConsoleConformanceTests.invite(fixture)
        let signedIn = try #require(try await ConsoleConformanceTests.register(fixture, invitation))
        let grace = signedIn.session.operator.identity
        let (siteAdmin, _) = try await store.createOperator(
            NewOperator(name: "site admin", role: .admin, site: SiteName("bench-1")), by: fixture.admin)
        await #expect(throws: EnrollmentError.self) {
            _ = try await store.renewInvitation(
                of: grace.id, resettingPasskeys: true, codeLifetime: 600, by: siteAdmin.identity)
        }
        #expect(try await store.operatorPasskeys(of: grace.id).count == 1)

        let reset = try await store.renewInvitation(
            of: grace.id, resettingPasskeys: true, codeLifetime: 600, by: fixture.admin)
        #expect(try await store.operatorPasskeys(of: grace.id).isEmpty)
        #expect(try await store.consoleSession(cookie: signedIn.cookie, idleTimeout: nil) == nil)
        // The old passkey no longer exists; the new code registers a new one.
        #expect(try await store.operatorPasskey(credentialID: [7, 7, 7]) == nil)
        #expect(try await ConsoleConformanceTests.register(fixture, reset, credentialID: [5, 5]) != nil)
        let reasons = try await store.auditEvents(
            sessionID: nil, site: nil, since: nil, until: nil, type: .operatorPasskeysReset, after: nil, limit: 10)
        #expect(reasons.count == 1 && reasons[0].actor == fixture.admin.id.rawValue)
        #expect(reasons[0].data.contains(#""passkeysRemoved":1"#))
        #expect(try await store.verifyAudit(anchor: nil) == .intact(events: store.feed.latest))
    }
}
