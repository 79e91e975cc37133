import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// Whatever may be spent only so often is spent exactly so often, however many callers race for it: a pass's
/// uses, a WebAuthn challenge, a kiosk enrolment code.
@Suite("Store conformance: single use under concurrency")
struct SingleUseConformanceTests {
    @Test(arguments: StoreFactory.all)
    func aPassOfNUsesAdmitsExactlyNConcurrentSignIns(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        for uses in [1, 2, 3] {
            let issued = try await fixture.deviceSession(serial: "RACE-\(uses)", maxUses: uses)
            let admitted = try await countConcurrent(48) { _ in try await fixture.redeem(issued).wasAdmitted }
            #expect(admitted == uses, "a pass of \(uses) uses")
            let session = try await fixture.session(issued.session.id)
            // The racers that lost count as failed attempts (and may lock the pass): the uses stay exactly N.
            #expect(session.pass?.uses == uses)
            #expect(try await fixture.auditTypes(issued.session.id).filter { $0 == "pass.used" }.count == uses)
        }
    }

    @Test(arguments: StoreFactory.all)
    func aUsedUpPassIsRefusedAsAWrongOneIs(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(maxUses: 1)
        #expect(try await fixture.redeem(issued).wasAdmitted)
        guard case .refused = try await fixture.redeem(issued) else {
            Issue.record("a used-up pass admitted a second sign-in")
            return
        }
        let stranger = try #require(UserPrincipalName("nobody@contoso.example"))
        guard
            case .refused = try await fixture.store.redeem(
                user: stranger, pass: PresentedPass(issued.pass), client: nil)
        else {
            Issue.record("another user's pass admitted a sign-in")
            return
        }
    }

    @Test(arguments: StoreFactory.all)
    func aChallengeIsConsumedOnceUnderConcurrency(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let (session, digest, start) = try await fixture.registrationChallenge(
            filledWith: 0xC4, freshUserHandle: [7, 7])
        #expect(start.userHandle == [7, 7])
        let consumed = try await countConcurrent(16) { _ in
            do {
                let challenge = try await fixture.store.consumeChallenge(
                    digest: digest, purpose: .registration, holder: .session(session))
                #expect(challenge.userHandle == [7, 7])
                return true
            } catch is EnrollmentError {
                return false
            }
        }
        #expect(consumed == 1)
        await fixture.expectRefused(digest, purpose: .registration, holder: .session(session))
    }

    @Test(arguments: StoreFactory.all)
    func aChallengeIsRefusedToAnotherHolderOrPurpose(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let (session, digest, _) = try await fixture.registrationChallenge(filledWith: 0x5A)
        let other = try await fixture.fido2SessionUnderWay(user: try #require(UserPrincipalName("bob@contoso.example")))
        await fixture.expectRefused(digest, purpose: .registration, holder: .session(other))
        await fixture.expectRefused(digest, purpose: .testSignIn, holder: .session(session))
    }

    @Test(arguments: StoreFactory.all)
    func anExpiredChallengeIsRefused(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let (session, digest, _) = try await fixture.registrationChallenge(filledWith: 0x11, lifetime: 60)
        fixture.clock.advance(seconds: 61)
        await fixture.expectRefused(digest, purpose: .registration, holder: .session(session))
    }

    @Test(arguments: StoreFactory.all)
    func aKioskEnrolmentCodeIsExchangedOnceUnderConcurrency(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let grant = try await fixture.store.createKioskOperator(
            NewOperator(name: "kiosk 3", role: .kiosk, site: SiteName("hel-1")),
            enrolmentCodeLifetime: StoreLimits.enrolmentCodeLifetime, by: fixture.admin)
        let tokens = try await withThrowingTaskGroup(of: BearerToken?.self) { group in
            for _ in 0..<16 {
                group.addTask { try await fixture.store.exchangeKioskEnrolmentCode(grant.code)?.1 }
            }
            return try await group.reduce(into: [BearerToken]()) { if let token = $1 { $0.append(token) } }
        }
        #expect(tokens.count == 1)
        let token = try #require(tokens.first)
        guard case .valid(let found) = try await fixture.store.operatorForToken(token) else {
            Issue.record("the exchanged token does not work")
            return
        }
        #expect(found.identity.id == grant.operator.identity.id)
        #expect(try await fixture.store.exchangeKioskEnrolmentCode(grant.code) == nil)
    }

    @Test(arguments: StoreFactory.all)
    func anExpiredKioskEnrolmentCodeIsRefused(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let grant = try await fixture.store.createKioskOperator(
            NewOperator(name: "kiosk 4", role: .kiosk, site: SiteName("hel-1")), enrolmentCodeLifetime: 600,
            by: fixture.admin)
        fixture.clock.advance(seconds: 601)
        #expect(try await fixture.store.exchangeKioskEnrolmentCode(grant.code) == nil)
    }
}

extension ConformanceFixture {
    /// A FIDO2 session under way holding a registration challenge whose digest is 32 bytes of `fill`, answerable
    /// for `lifetime` seconds.
    fileprivate func registrationChallenge(
        filledWith fill: UInt8, freshUserHandle: [UInt8] = [1], lifetime: TimeInterval = 300
    ) async throws -> (session: SessionID, digest: [UInt8], start: RegistrationStart) {
        let session = try await fido2SessionUnderWay()
        let digest = [UInt8](repeating: fill, count: 32)
        let start = try await store.beginKeyRegistration(
            session: session, challengeDigest: digest, freshUserHandle: freshUserHandle, lifetime: lifetime)
        return (session, digest, start)
    }

    /// Expects the challenge with `digest` not to be spent for `purpose` by `holder`.
    fileprivate func expectRefused(
        _ digest: [UInt8], purpose: ChallengePurpose, holder: ChallengeHolder,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        await #expect(throws: EnrollmentError.self, sourceLocation: sourceLocation) {
            _ = try await store.consumeChallenge(digest: digest, purpose: purpose, holder: holder)
        }
    }
}
