import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// The console's people: an invitation code works once and not after its time, a person's passkey is theirs
/// alone, and a console session ends at sign-out, when idle, at its absolute end, and at once when its person
/// is revoked. Codes and cookies are handed out once and never read back.
@Suite("Store conformance: console people and sessions")
struct ConsoleConformanceTests {
    static let terms = ConsoleSessionTerms(method: .passkey, idleTimeout: 30 * 60, absoluteLifetime: 12 * 3600)

    /// Invites a helpdesk person and answers the invitation.
    static func invite(_ fixture: ConformanceFixture, role: Role = .helpdesk) async throws -> PersonInvitation {
        try await fixture.store.invitePerson(
            NewOperator(name: "Grace", role: role, userPrincipalName: UserPrincipalName("grace@contoso.example")),
            codeLifetime: 3600, by: fixture.admin)
    }

    /// Registers a passkey with the invitation's code: the console session it opened.
    static func register(
        _ fixture: ConformanceFixture, _ invitation: PersonInvitation, credentialID: [UInt8] = [7, 7, 7]
    ) async throws -> ConsoleSignIn? {
        let person = try await fixture.store.beginPasskeyRegistration(
            invitationCode: invitation.code, challengeDigest: Array(repeating: credentialID[0], count: 32),
            lifetime: 300)
        guard let person else { return nil }
        return try await fixture.store.registerOperatorPasskey(
            AuditAndSweepConformanceTests.key(credentialID), invitationCode: invitation.code,
            operator: person.identity.id, terms: terms)
    }

    @Test(arguments: StoreFactory.all)
    func anInvitationCodeRegistersOnePasskeyOnce(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let invitation = try await Self.invite(fixture)
        #expect(invitation.operator.identity.role == .helpdesk)
        // Typed in lower case and without dashes, the code still works, as a pass does.
        let typed = invitation.code.lowercased().replacingOccurrences(of: "-", with: "")
        let person = try await fixture.store.beginPasskeyRegistration(
            invitationCode: typed, challengeDigest: Array(repeating: 1, count: 32), lifetime: 300)
        #expect(person?.identity.id == invitation.operator.identity.id)
        let first = try #require(try await Self.register(fixture, invitation))
        #expect(first.session.operator.identity.id == invitation.operator.identity.id)
        #expect(first.cookie.count == 64)
        // Spent: neither a new ceremony nor a second passkey.
        #expect(try await Self.register(fixture, invitation, credentialID: [8, 8]) == nil)
        let passkeys = try await fixture.store.operatorPasskeys(of: invitation.operator.identity.id)
        #expect(passkeys.map(\.credentialID) == [[7, 7, 7]])
        let found = try await fixture.store.operatorPasskey(credentialID: [7, 7, 7])
        #expect(found?.operatorID == invitation.operator.identity.id)
    }

    @Test(arguments: StoreFactory.all)
    func anExpiredOrWrongInvitationCodeIsRefusedAlike(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let invitation = try await Self.invite(fixture)
        for wrong in ["K7QM-3XRP-HV9T", "", "not a code at all", String(repeating: "A", count: 64)] {
            #expect(
                try await fixture.store.beginPasskeyRegistration(
                    invitationCode: wrong, challengeDigest: Array(repeating: 2, count: 32), lifetime: 300) == nil)
        }
        fixture.clock.advance(minutes: 61)
        #expect(try await Self.register(fixture, invitation) == nil)
    }

    @Test(arguments: StoreFactory.all)
    func onlyPeopleAreInvited(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.invitePerson(
                NewOperator(
                    name: "kiosk", role: .kiosk, site: SiteName("hel-1"),
                    userPrincipalName: UserPrincipalName("k@contoso.example")),
                codeLifetime: 3600, by: fixture.admin)
        }
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.invitePerson(
                NewOperator(name: "no upn", role: .helpdesk), codeLifetime: 3600, by: fixture.admin)
        }
    }

    @Test(arguments: StoreFactory.all)
    func aUsersSecurityKeyCannotBecomeAnOperatorPasskey(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let keySession = try await fixture.fido2SessionUnderWay()
        _ = try await fixture.store.beginKeyRegistration(
            session: keySession, challengeDigest: Array(repeating: 9, count: 32), freshUserHandle: [3], lifetime: 300)
        _ = try await fixture.store.registerKey(AuditAndSweepConformanceTests.key([5, 5, 5]), session: keySession)
        let invitation = try await Self.invite(fixture)
        await #expect(throws: EnrollmentError.self) {
            _ = try await Self.register(fixture, invitation, credentialID: [5, 5, 5])
        }
        #expect(try await fixture.store.operatorPasskey(credentialID: [5, 5, 5]) == nil)
    }

    @Test(arguments: StoreFactory.all)
    func aConsoleChallengeIsSpentOnceAndOnlyForItsPurpose(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let digest = Array(repeating: UInt8(4), count: 32)
        try await fixture.store.beginConsoleSignIn(challengeDigest: digest, lifetime: 300)
        // The wrong ceremony does not spend it; the right one does, once.
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.consumeConsoleChallenge(digest: digest, purpose: .registration)
        }
        #expect(try await fixture.store.consumeConsoleChallenge(digest: digest, purpose: .signIn) == nil)
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.consumeConsoleChallenge(digest: digest, purpose: .signIn)
        }
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.consumeConsoleChallenge(
                digest: Array(repeating: 5, count: 32), purpose: .signIn)
        }
        let late = Array(repeating: UInt8(6), count: 32)
        try await fixture.store.beginConsoleSignIn(challengeDigest: late, lifetime: 300)
        fixture.clock.advance(minutes: 6)
        await #expect(throws: EnrollmentError.self) {
            _ = try await fixture.store.consumeConsoleChallenge(digest: late, purpose: .signIn)
        }
    }

    @Test(arguments: StoreFactory.all)
    func aConsoleSessionEndsAtSignOut(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let signedIn = try #require(try await Self.register(fixture, try await Self.invite(fixture)))
        let live = try await fixture.store.consoleSession(cookie: signedIn.cookie, idleTimeout: 1800)
        #expect(live?.operator.identity.userPrincipalName?.value == "grace@contoso.example")
        #expect(live?.method == .passkey)
        #expect(try await fixture.store.endConsoleSession(cookie: signedIn.cookie))
        #expect(try await fixture.store.consoleSession(cookie: signedIn.cookie, idleTimeout: 1800) == nil)
        #expect(try await fixture.store.endConsoleSession(cookie: signedIn.cookie) == false)
        for forged in ["", "x", String(repeating: "0", count: 64), String(signedIn.cookie.reversed())] {
            #expect(try await fixture.store.consoleSession(cookie: forged, idleTimeout: 1800) == nil)
        }
    }

    @Test(arguments: StoreFactory.all)
    func aConsoleSessionIdlesOutButLivesWhileUsedUpToItsAbsoluteEnd(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let invitation = try await Self.invite(fixture)
        let busy = try #require(try await Self.register(fixture, invitation))
        let passkey = try #require(try await fixture.store.operatorPasskey(credentialID: [7, 7, 7]))
        let idle = try #require(
            try await fixture.store.signIn(with: passkey, signCount: 1, backupState: false, terms: Self.terms))
        // Used every 20 minutes, the busy session lives on; the idle one ends after its 30 minutes.
        fixture.clock.advance(minutes: 20)
        #expect(try await fixture.store.consoleSession(cookie: busy.cookie, idleTimeout: 1800) != nil)
        fixture.clock.advance(minutes: 20)
        #expect(try await fixture.store.consoleSession(cookie: busy.cookie, idleTimeout: 1800) != nil)
        #expect(try await fixture.store.consoleSession(cookie: idle.cookie, idleTimeout: 1800) == nil)
        // However busy, it ends 12 hours after sign-in.
        for _ in 0..<34 {
            fixture.clock.advance(minutes: 20)
            _ = try await fixture.store.consoleSession(cookie: busy.cookie, idleTimeout: 1800)
        }
        #expect(fixture.clock.now.timeIntervalSince(busy.session.createdAt) >= 12 * 3600)
        #expect(try await fixture.store.consoleSession(cookie: busy.cookie, idleTimeout: 1800) == nil)
    }

    @Test(arguments: StoreFactory.all)
    func revokingAPersonEndsTheirConsoleSessionsAndSignIns(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let invitation = try await Self.invite(fixture)
        let signedIn = try #require(try await Self.register(fixture, invitation))
        _ = try await fixture.store.revokeOperator(invitation.operator.identity.id, by: fixture.admin)
        #expect(try await fixture.store.consoleSession(cookie: signedIn.cookie, idleTimeout: 1800) == nil)
        let passkey = try #require(try await fixture.store.operatorPasskey(credentialID: [7, 7, 7]))
        #expect(
            try await fixture.store.signIn(with: passkey, signCount: 2, backupState: false, terms: Self.terms) == nil)
    }
}
