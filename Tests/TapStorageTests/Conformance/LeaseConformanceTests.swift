import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

/// A singleton job's lease is one holder's at a time, renewable by it, and another's once it expires or is given
/// up: what keeps two instances on one database from sweeping or sending webhooks side by side.
@Suite("Store conformance: job leases")
struct LeaseConformanceTests {
    @Test(arguments: StoreFactory.all)
    func aLeaseIsOneHoldersUntilItExpires(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        #expect(try await store.holdLease("sweeper", holder: "a", term: 30))
        #expect(try await !store.holdLease("sweeper", holder: "b", term: 30))
        // Another job's lease is apart.
        #expect(try await store.holdLease("webhooks", holder: "b", term: 30))
        fixture.clock.advance(seconds: 20)
        #expect(try await store.holdLease("sweeper", holder: "a", term: 30), "the holder renews")
        fixture.clock.advance(seconds: 29)
        #expect(try await !store.holdLease("sweeper", holder: "b", term: 30), "renewed 29 s ago: still a's")
        fixture.clock.advance(seconds: 1)
        #expect(try await store.holdLease("sweeper", holder: "b", term: 30), "expired: b takes it")
        #expect(try await !store.holdLease("sweeper", holder: "a", term: 30), "and a has lost it")
    }

    @Test(arguments: StoreFactory.all)
    func aReleasedLeaseIsTakenAtOnceAndOnlyItsHolderReleasesIt(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        #expect(try await store.holdLease("webhooks", holder: "a", term: 30))
        try await store.releaseLease("webhooks", holder: "b")
        #expect(try await !store.holdLease("webhooks", holder: "b", term: 30), "b cannot release a's lease")
        try await store.releaseLease("webhooks", holder: "a")
        #expect(try await store.holdLease("webhooks", holder: "b", term: 30))
    }

    @Test(arguments: StoreFactory.all)
    func theLiveLeasesAreTheOnesNotExpiredNorGivenUp(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        #expect(try await store.liveLeases().isEmpty)
        #expect(try await store.holdLease("webhooks", holder: "a", term: 30))
        #expect(try await store.holdLease("sweeper", holder: "b", term: 10))
        #expect(try await store.liveLeases().map(\.job) == ["sweeper", "webhooks"])
        #expect(try await store.liveLeases().map(\.holder) == ["b", "a"])
        fixture.clock.advance(seconds: 10)
        #expect(try await store.liveLeases().map(\.job) == ["webhooks"], "the sweeper's has expired")
        try await store.releaseLease("webhooks", holder: "a")
        #expect(try await store.liveLeases().isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func racingHoldersGetOneLease(_ factory: StoreFactory) async throws {
        let fixture = try await ConformanceFixture(factory)
        defer { fixture.cleanUp() }
        let store = fixture.store
        let held = try await countConcurrent(16) { index in
            try await store.holdLease("entra-watcher", holder: "instance-\(index)", term: 30)
        }
        #expect(held == 1)
    }
}
