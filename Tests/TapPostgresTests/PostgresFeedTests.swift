import Foundation
import Logging
import NIOConcurrencyHelpers
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapPostgres

/// An instance's event streams wake for events another instance commits: the group that appended notifies at
/// its commit, every instance listens, and nothing is announced for a group that rolled back.
@Suite("PostgreSQL feed across instances")
struct PostgresFeedTests {
    @Test func anEventCommittedOnOneInstanceWakesTheOthersStreams() async throws {
        let settings = try PostgresSettings.parse(url: try TestPostgres.shared().newDatabase(), passwordFile: nil)
        let logger = Logger(label: "test")
        // Two processes: each its own randomness, as real instances have.
        let first = try await PostgresStore.open(
            settings, world: testWorld(random: SeededRandom(seed: 1)), keyring: testKeyring(), logger: logger,
            migrate: true)
        let second = try await PostgresStore.open(
            settings, world: testWorld(random: SeededRandom(seed: 2)), keyring: testKeyring(), logger: logger,
            migrate: false)
        defer {
            first.stop()
            second.stop()
        }
        let heard = NIOLockedValueBox<[Int64]>([])
        let listener = second.store.feed.listen { sequence in heard.withLockedValue { $0.append(sequence) } }
        defer { second.store.feed.stopListening(listener) }

        _ = try await first.store.createOperator(NewOperator(name: "admin", role: .admin), by: nil)
        // The instance that committed knows at once, before its caller is answered.
        #expect(first.store.feed.latest == 1)
        try await waitUntil { second.store.feed.latest == 1 }
        #expect(heard.withLockedValue { $0 } == [1])

        // A refused use case appends nothing that stays: nobody is woken for it.
        await #expect(throws: EnrollmentError.self) {
            try await first.store.createOperator(NewOperator(name: " ", role: .admin), by: nil)
        }
        _ = try await second.store.createOperator(NewOperator(name: "second", role: .auditor), by: nil)
        try await waitUntil { first.store.feed.latest == 2 }
        #expect(second.store.feed.latest == 2)
        #expect(try await second.store.verifyAudit(anchor: nil) == .intact(events: 2))
    }

    /// What one instance tells the others reaches them, and not itself.
    @Test func newsToldOnOneInstanceReachesTheOthersOnly() async throws {
        let settings = try PostgresSettings.parse(url: try TestPostgres.shared().newDatabase(), passwordFile: nil)
        let logger = Logger(label: "test")
        let first = try await PostgresStore.open(
            settings, world: testWorld(), keyring: testKeyring(), logger: logger, migrate: true)
        let second = try await PostgresStore.open(
            settings, world: testWorld(), keyring: testKeyring(), logger: logger, migrate: false)
        defer {
            first.stop()
            second.stop()
        }
        let heardBySecond = NIOLockedValueBox<[String]>([])
        let heardByFirst = NIOLockedValueBox<[String]>([])
        second.store.peers.listen { message in heardBySecond.withLockedValue { $0.append(message) } }
        first.store.peers.listen { message in heardByFirst.withLockedValue { $0.append(message) } }
        // The listeners start with the stores; a message told before they listen would be lost, as news may be.
        try await Task.sleep(for: .milliseconds(300))
        await first.store.peers.tell("throttle\u{1F}news")
        try await waitUntil { heardBySecond.withLockedValue { $0 } == ["throttle\u{1F}news"] }
        try await Task.sleep(for: .milliseconds(200))
        #expect(heardByFirst.withLockedValue { $0 }.isEmpty, "an instance hears its own news")
    }

    /// Polls `condition` for up to five seconds: a notification crosses two connections and a task.
    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<100 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the condition did not hold within five seconds")
    }
}
