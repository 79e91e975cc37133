import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// The storage steps of the WebAuthn ceremonies: challenges survive a restart and are spent once; keys are unique.
@Suite("Security key storage")
struct SecurityKeyStoreTests {
    func fido2Session(_ fixture: StoreFixture) async throws -> SessionID {
        guard
            case .created(let issued) = try await fixture.store.createSession(
                NewSession(
                    scenario: .fido2Registration, userPrincipalName: StoreFixture.ada, pass: PassRequest(maxUses: 2)),
                by: fixture.admin),
            case .admitted = try await fixture.redeem(issued)
        else { throw CancellationError() }
        return issued.session.id
    }

    static func key(_ id: [UInt8]) -> NewSecurityKey {
        NewSecurityKey(
            credentialID: id, publicKeyCOSE: [0xA0], algorithm: -7, signCount: 0,
            aaguid: "00000000-0000-0000-0000-000000000000",
            userHandle: [1, 2], attestation: KeyAttestation(format: "none", type: "none", trust: "unattested"),
            transports: ["usb"],
            backupEligible: false, backupState: false, userVerified: true)
    }

    @Test func aChallengeSurvivesARestartAndIsSpentOnce() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let session = try await fido2Session(fixture)
        let digest = [UInt8](repeating: 0xAB, count: 32)
        let start = try await fixture.store.beginKeyRegistration(
            session: session, challengeDigest: digest, freshUserHandle: [9, 9], lifetime: 300)
        #expect(start.userHandle == [9, 9] && start.existingKeys.isEmpty)
        // A new store on the same file: what a restarted server opens.
        let restarted = try EnrollmentStore(
            path: fixture.databasePath, world: testWorld(clock: fixture.clock), keyring: fixture.keyring)
        let consumed = try await restarted.consumeChallenge(
            digest: digest, purpose: .registration, holder: .session(session))
        #expect(consumed.userHandle == [9, 9])
        await #expect(
            throws: EnrollmentError.webAuthn(reason: "challenge_replayed", detail: "the challenge was answered before")
        ) {
            _ = try await restarted.consumeChallenge(digest: digest, purpose: .registration, holder: .session(session))
        }
        // Only the digest is stored.
        let stored = try await restarted.pool().read { db in
            try Data.fetchOne(db, sql: "SELECT digest FROM webauthnChallenge")
        }
        #expect(stored == Data(digest))
    }

    @Test func aCredentialIDIsRegisteredOnceAndTheUsersHandleIsReused() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let first = try await fido2Session(fixture)
        let registered = try await fixture.store.registerKey(Self.key([1, 2, 3]), session: first)
        #expect(registered.session.storedState == .completed && registered.key.status == .active)
        let second = try await fido2Session(fixture)
        await #expect(
            throws: EnrollmentError.webAuthn(
                reason: "credential_already_registered", detail: "this credential id is registered already")
        ) {
            _ = try await fixture.store.registerKey(Self.key([1, 2, 3]), session: second)
        }
        let start = try await fixture.store.beginKeyRegistration(
            session: second, challengeDigest: [UInt8](repeating: 1, count: 32), freshUserHandle: [7], lifetime: 300)
        #expect(start.userHandle == [1, 2])
        #expect(start.existingKeys == [KeyDescriptor(credentialID: [1, 2, 3], transports: ["usb"])])
        // The schema refuses an overlong id even if a caller skipped the check.
        await #expect(throws: (any Error).self) {
            try await fixture.store.pool().write { db in
                try db.execute(sql: "UPDATE securityKey SET credentialId = zeroblob(1024)")
            }
        }
    }
}

/// Retention purges closed sessions, but a key registered in one is the user's credential and stays.
@Suite("Security keys and retention")
struct SecurityKeyRetentionTests {
    @Test func purgingTheSessionThatRegisteredAKeyKeepsTheKeyAndTheChain() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let session = try await SecurityKeyStoreTests().fido2Session(fixture)
        _ = try await fixture.store.beginKeyRegistration(
            session: session, challengeDigest: [UInt8](repeating: 3, count: 32), freshUserHandle: [4], lifetime: 300)
        let registered = try await fixture.store.registerKey(SecurityKeyStoreTests.key([5, 6, 7]), session: session)
        #expect(registered.session.storedState == .completed)
        fixture.clock.advance(seconds: 40 * 86_400)

        let report = try await fixture.store.purgeClosedSessions(olderThanDays: 30)
        #expect(report.sessions == 1)
        #expect(try await fixture.store.session(session, visibleTo: nil) == nil)
        let key = try #require(try await fixture.store.securityKey(credentialID: [5, 6, 7]))
        #expect(key.status == .active)
        guard case .intact = try await fixture.store.verifyAudit() else {
            Issue.record("the chain does not verify after a purge")
            return
        }
    }
}
