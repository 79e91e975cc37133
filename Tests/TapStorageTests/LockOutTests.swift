import Foundation
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// The user lock-out after wrong passes (issue 21, item 5): it still protects the pass, but is costly for a
/// stranger to cause, says so when strangers caused it, and can spare an enrollment already under way.
@Suite("Lock-out by strangers")
struct LockOutTests {
    static let wrong = PresentedPass("2222-3333-4444")

    private func fail(_ fixture: StoreFixture, times: Int, from clients: [String]) async throws {
        for index in 0..<times {
            let outcome = try await fixture.store.redeem(
                user: StoreFixture.ada, pass: Self.wrong, client: clients[index % clients.count])
            #expect(!outcome.isAdmitted)
        }
    }

    @Test func theStandardPolicyLocksAtTenNotFive() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        #expect(Policy.standard.defaults.failedAttemptLimit == 10)
        let issued = try await fixture.deviceSession()
        try await fail(fixture, times: 9, from: ["198.51.100.1"])
        #expect(try await fixture.session(issued.session.id).storedState == .active, "locked before the tenth failure")
        try await fail(fixture, times: 1, from: ["198.51.100.1"])
        #expect(try await fixture.session(issued.session.id).storedState == .lockedOut)
    }

    @Test func aLockOutByAddressesTheUserNeverUsedRaisesTheAlert() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(maxUses: 2)
        // The user signs in once from their bench; strangers from two networks then guess at the name.
        let first = try await fixture.store.redeem(
            user: StoreFixture.ada, pass: PresentedPass(issued.pass), client: "2001:db8:a:1::10")
        #expect(first.isAdmitted)
        let clients = ["2001:db8:a:1::77", "203.0.113.5", "2001:db8:bad:2::1", "2001:db8:bad:2::2"]
        try await fail(fixture, times: 10, from: clients)
        #expect(try await fixture.session(issued.session.id).storedState == .lockedOut)
        let alerts = try await fixture.store.auditEvents(sessionID: issued.session.id, limit: 100)
            .filter { $0.type == .userLockedOutByStrangers }
        #expect(alerts.count == 1)
        // The bench's own /64 is not a stranger, whichever of its addresses failed.
        let strangers = #""strangerAddresses":["203.0.113.5","2001:db8:bad:2::/64"]"#
        #expect(alerts.first?.data.contains(strangers) == true)
        #expect(AuditEventType.userLockedOutByStrangers.isSessionEvent, "webhooks and streams must carry the alert")
    }

    @Test func aLockOutFromTheUsersOwnAddressRaisesNoAlert() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let issued = try await fixture.deviceSession(maxUses: 2)
        let first = try await fixture.store.redeem(
            user: StoreFixture.ada, pass: PresentedPass(issued.pass), client: "198.51.100.1")
        #expect(first.isAdmitted)
        try await fail(fixture, times: 10, from: ["198.51.100.1"])
        #expect(try await fixture.session(issued.session.id).storedState == .lockedOut)
        #expect(!(try await fixture.auditTypes(issued.session.id)).contains("user.lockedOutByStrangers"))
    }

    @Test func lockingOnlyUnusedPassesSparesAnEnrollmentUnderWay() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        _ = try await fixture.store.patchPolicy(
            .object(["defaults": .object(["lockOutOnlyUnusedPasses": .bool(true)])]), by: fixture.admin)
        let started = try await fixture.deviceSession(serial: "STARTED-1", maxUses: 2)
        let fresh = try await fixture.deviceSession(serial: "FRESH-1", maxUses: 2)
        #expect(try await fixture.redeem(started).isAdmitted)
        try await fail(fixture, times: 12, from: ["203.0.113.5"])
        #expect(try await fixture.session(fresh.session.id).storedState == .lockedOut, "an unused pass still locks")
        #expect(try await fixture.session(started.session.id).storedState == .inProgress)
        #expect(try await fixture.redeem(started).isAdmitted, "the enrollment under way was stopped by a stranger")
        #expect(!(try await fixture.redeem(fresh).isAdmitted))
    }

    @Test func withoutThePolicyChoiceAnEnrollmentUnderWayLocksToo() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let started = try await fixture.deviceSession(maxUses: 2)
        #expect(try await fixture.redeem(started).isAdmitted)
        try await fail(fixture, times: 10, from: ["203.0.113.5"])
        #expect(try await fixture.session(started.session.id).storedState == .lockedOut)
        #expect(!(try await fixture.redeem(started).isAdmitted))
    }

    @Test func addressesAreGroupedByIPv6Slash64AndSingleIPv4() {
        #expect(AddressBlock.abuseGroup(of: "2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64")
        #expect(AddressBlock.abuseGroup(of: "2001:0db8:0001:0002::1") == "2001:db8:1:2::/64")
        #expect(AddressBlock.abuseGroup(of: "2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(AddressBlock.abuseGroup(of: "198.51.100.7") == "198.51.100.7")
        #expect(AddressBlock.abuseGroup(of: "::ffff:198.51.100.7") == "198.51.100.7")
        #expect(AddressBlock.abuseGroup(of: "unknown") == "unknown")
    }
}
