import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import TapCore
import TapStorage
import Testing

@testable import TapPostgres

/// User groups on a real PostgreSQL server: several at once on each of two instances, beside each instance's
/// writer, with one user's use cases never overlapping and one audit chain for all.
@Suite("PostgreSQL user groups")
struct PostgresUserGroupsTests {
    typealias Instances = PostgresWriterTests.Instances

    /// Adds one to `user`'s counter the way that loses updates when two transactions overlap: read, then write
    /// what was read plus one, with no row lock. Appends an event as a redeem does.
    static func increment(_ user: String, _ runner: PostgresStatementRunner, chain: AuditChain) throws {
        let count = try runner.queryFirst("SELECT n FROM counter WHERE who = ?", [.text(user)]) { try $0.integer(0) }
        try runner.run("UPDATE counter SET n = ? WHERE who = ?", [.integer(Int64((count ?? 0) + 1)), .text(user)])
        try chain.append(runner, .requestRefused, session: nil, actor: user)
    }

    /// Three users' counters, each incremented `perUser` times at once, spread over two instances by `increment`
    /// (given the use case's number, its user and its instance); answers the counters, in order of user.
    static func countersAfterIncrements(
        _ instances: Instances, perUser: Int,
        _ increment: @escaping @Sendable (_ number: Int, _ user: String, _ instance: Int) async throws -> Void
    ) async throws -> [Int] {
        let users = ["ada@contoso.example", "grace@contoso.example", "alan@contoso.example"]
        _ = try await instances.writers[0].write { runner in
            try runner.run("CREATE TABLE counter (who text PRIMARY KEY, n bigint NOT NULL)")
            for user in users { try runner.run("INSERT INTO counter (who, n) VALUES (?, 0)", [.text(user)]) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<(perUser * users.count) {
                group.addTask { try await increment(number, users[number % users.count], number % 2) }
            }
            try await group.waitForAll()
        }
        return try await instances.writers[1].write { runner in
            try runner.queryAll("SELECT n FROM counter ORDER BY who") { try $0.integer(0) }
        }
    }

    @Test func oneUsersUseCasesNeverOverlapOnEitherInstanceNorWithTheWriters() async throws {
        let instances = try await Instances(count: 2)
        defer { instances.stop() }
        let perUser = 120
        let counts = try await Self.countersAfterIncrements(instances, perUser: perUser) { number, user, instance in
            let chain = instances.writers[instance].chain
            // One in six goes through the writer, whose groups must wait for the user groups and stop them.
            if number % 6 == 5 {
                try await instances.writers[instance].write { try Self.increment(user, $0, chain: chain) }
            } else {
                try await instances.userGroups[instance].write(user: user) {
                    try Self.increment(user, $0, chain: chain)
                }
            }
        }
        #expect(counts == Array(repeating: perUser, count: 3))
        #expect(try await instances.verify() == .intact(events: Int64(perUser * 3)))
        // Every group committed as a user group: none needed the writer's savepoints.
        #expect(instances.userGroups.map { $0.handedToWriter.withLockedValue { $0 } } == [0, 0])
    }

    /// `increment` as a redeem runs in a user group: its first read named, so that the group reads it ahead, and
    /// its write held back.
    static let counterRead = "SELECT n FROM counter WHERE who = ?"
    static func incrementHoldingBack(_ user: String, _ runner: PostgresStatementRunner, chain: AuditChain) throws {
        let count = try runner.queryFirst(counterRead, [.text(user)]) { try $0.integer(0) }
        try runner.write(
            "UPDATE counter SET n = ? WHERE who = ?", [.integer(Int64((count ?? 0) + 1)), .text(user)],
            row: RowKey("counter", .text(user)))
        try chain.append(runner, .requestRefused, session: nil, actor: user)
    }

    @Test func readAheadAndHeldBackWritesLoseNoUpdateWhenOneUserHasSeveralUseCasesInAGroup() async throws {
        let instances = try await Instances(count: 2)
        defer { instances.stop() }
        let perUser = 150
        let counts = try await Self.countersAfterIncrements(instances, perUser: perUser) { _, user, instance in
            let chain = instances.writers[instance].chain
            try await instances.userGroups[instance].write(user: user, firstRead: Self.counterRead) {
                try Self.incrementHoldingBack(user, $0, chain: chain)
            }
        }
        #expect(counts == Array(repeating: perUser, count: 3))
        #expect(try await instances.verify() == .intact(events: Int64(perUser * 3)))
        #expect(instances.userGroups.map { $0.handedToWriter.withLockedValue { $0 } } == [0, 0])
        // The reads ahead answered some of the use cases, and not all: a user's second use case in a group reads
        // for itself, after its first one's write.
        let answered = instances.userGroups.map { $0.readsAnsweredAhead.withLockedValue { $0 } }.reduce(0, +)
        #expect(answered > 0 && answered < perUser * 3, "\(answered)")
    }

    @Test func twoHeldBackWritesOfOneRowBothLand() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        _ = try await instances.writers[0].write { runner in
            try runner.run("CREATE TABLE pair (who text PRIMARY KEY, a bigint NOT NULL, b bigint NOT NULL)")
            try runner.run("INSERT INTO pair (who, a, b) VALUES ('ada', 0, 0)")
        }
        try await instances.userGroups[0].write(user: "ada") { runner in
            // In one statement, PostgreSQL would keep only one of two writes of a row.
            try runner.write("UPDATE pair SET a = 1 WHERE who = ?", [.text("ada")], row: RowKey("pair", .text("ada")))
            try runner.write("UPDATE pair SET b = 2 WHERE who = ?", [.text("ada")], row: RowKey("pair", .text("ada")))
        }
        let row = try await instances.writers[0].write { runner in
            try runner.queryFirst("SELECT a, b FROM pair") { [try $0.integer(0), try $0.integer(1)] }
        }
        #expect(row == [1, 2])
    }

    @Test func aHeldBackWriteThatFailsFailsItsUseCaseEvenWhenALaterStatementsErrorIsCaught() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        _ = try await instances.writers[0].write { runner in
            try runner.run("CREATE TABLE counter (who text PRIMARY KEY, n bigint NOT NULL)")
            try runner.run("INSERT INTO counter (who, n) VALUES ('ada', 0)")
        }
        let error = await #expect(throws: (any Error).self) {
            try await instances.userGroups[0].write(user: "ada") { runner in
                try runner.write(
                    "INSERT INTO counter (who, n) VALUES (?, 1)", [.text("ada")], row: RowKey("counter", .text("ada")))
                // The held-back insert fails here, and the use case does not look: PostgreSQL then ignores the rest,
                // and its COMMIT would roll back without an error.
                _ = try? runner.queryFirst("SELECT n FROM counter") { try $0.integer(0) }
            }
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("counter_pkey"))
        let rows = try await instances.writers[0].write { runner in
            try runner.queryAll("SELECT n FROM counter") { try $0.integer(0) }
        }
        #expect(rows == [0])
    }

    @Test func aUseCaseThatFailsIsAnsweredAloneAndTheOthersOfItsGroupCommit() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        let chain = instances.writers[0].chain
        _ = try await instances.writers[0].write { runner in
            try runner.run("CREATE TABLE counter (who text PRIMARY KEY, n bigint NOT NULL)")
            for number in 0..<40 {
                try runner.run("INSERT INTO counter (who, n) VALUES (?, 0)", [.text("user\(number)")])
            }
        }
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for number in 0..<40 {
                group.addTask {
                    do {
                        try await instances.userGroups[0].write(user: "user\(number)") { runner in
                            try Self.increment("user\(number)", runner, chain: chain)
                            if number % 10 == 3 { throw EnrollmentError.conflict("refused on purpose") }
                        }
                        return true
                    } catch EnrollmentError.conflict {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 36)
        #expect(instances.userGroups[0].handedToWriter.withLockedValue { $0 } > 0)
        let counts = try await instances.writers[0].write { runner in
            try runner.queryAll("SELECT who, n FROM counter") { (try $0.text(0), try $0.integer(1)) }
        }
        for (user, count) in counts {
            let number = Int(user.dropFirst(4))!
            #expect(count == (number % 10 == 3 ? 0 : 1), "\(user)")
        }
        #expect(try await instances.verify() == .intact(events: 36))
    }

    @Test func aGroupPostgreSQLAbortsRunsAgainWholeWithItsEventsOnce() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        let chain = instances.writers[0].chain
        let runs = NIOLockedValueBox(0)
        try await instances.userGroups[0].write(user: "ada@contoso.example") { runner in
            try chain.append(runner, .requestRefused, session: nil, actor: "test")
            if runs.withLockedValue({ runs in
                runs += 1
                return runs == 1
            }) {
                try runner.run("DO $$ BEGIN RAISE EXCEPTION 'chosen as victim' USING ERRCODE = '40P01'; END $$")
            }
        }
        #expect(runs.withLockedValue { $0 } == 2)
        #expect(try await instances.verify() == .intact(events: 1))
    }

    @Test func eventsReadInsideAUserGroupIncludeTheOnesItHeldBack() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        let chain = instances.writers[0].chain
        let seen = try await instances.userGroups[0].write(user: "ada@contoso.example") { runner in
            try chain.append(runner, .requestRefused, session: nil, actor: "first")
            try chain.appendHeldBack(runner)
            try chain.append(runner, .requestRefused, session: nil, actor: "second")
            return try runner.queryAll("SELECT actor FROM auditEvent ORDER BY seq") { try $0.text(0) }
        }
        #expect(seen == ["first", "second"])
        #expect(try await instances.verify() == .intact(events: 2))
        #expect(instances.userGroups[0].handedToWriter.withLockedValue { $0 } == 0)
    }

    @Test func anotherInstanceHearsTheLastHeadOfAGroupThatWroteItsEventsEarly() async throws {
        let instances = try await Instances(count: 2)
        defer { instances.stop() }
        let chain = instances.writers[0].chain
        let heard = AuditFeed(latest: 0)
        let listening = Task {
            await PostgresFeed.listen(
                client: instances.clients[1], feed: heard, peers: .alone(), logger: PostgresWriterTests.logger)
        }
        defer { listening.cancel() }
        try await Task.sleep(for: .milliseconds(500))
        try await instances.userGroups[0].write(user: "ada@contoso.example") { runner in
            try chain.append(runner, .requestRefused, session: nil, actor: "first")
            try chain.appendHeldBack(runner)
            try chain.append(runner, .requestRefused, session: nil, actor: "second")
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while heard.latest < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(heard.latest == 2)
    }

    @Test func aGroupAfterAPurgeOfEveryEventGoesOnFromTheHead() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        let chain = instances.writers[0].chain
        for actor in ["first", "second"] {
            try await instances.userGroups[0].write(user: "ada@contoso.example") { runner in
                try chain.append(runner, .requestRefused, session: nil, actor: actor)
            }
        }
        // What retention does to a chain whose every event is past keeping: the rows go, the head stays.
        try await instances.clients[0].query("ALTER TABLE auditEvent DISABLE TRIGGER USER")
        try await instances.clients[0].query("DELETE FROM auditEvent")
        try await instances.userGroups[0].write(user: "ada@contoso.example") { runner in
            try chain.append(runner, .requestRefused, session: nil, actor: "third")
        }
        let sequences = try await instances.writers[0].write { runner in
            try runner.queryAll("SELECT seq FROM auditEvent") { try $0.integer(0) }
        }
        #expect(sequences == [3])
    }

    @Test func aUsersLockKeyIsTheSameInEveryProcess() {
        // FNV-1a, not Swift's seeded hashing: every instance must lock the same key for the same user.
        #expect(PostgresUserGroups.userLockKey("") == Int32(bitPattern: 0x811C_9DC5))
        #expect(PostgresUserGroups.userLockKey("a") == Int32(bitPattern: 0xE40C_292C))
    }
}
