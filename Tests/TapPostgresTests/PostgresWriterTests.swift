import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapPostgres

/// The engine seam on a real PostgreSQL server: statements written once for both engines bind and read every
/// kind of value, and the group-commit writer keeps one audit chain across instances, in commit order, with
/// a failed use case taking back only its own writes.
@Suite("PostgreSQL writer")
struct PostgresWriterTests {
    static let logger = Logger(label: "test")

    /// A migrated database, a client per instance and a writer on each, each with its own chain state as
    /// separate processes have.
    struct Instances {
        let clients: [PostgresClient]
        let writers: [PostgresWriter]
        /// Each instance's user groups, beside its writer and appending to its chain.
        let userGroups: [PostgresUserGroups]
        let runners: [Task<Void, Never>]

        init(count: Int) async throws {
            let url = try TestPostgres.shared().newDatabase()
            let settings = try PostgresSettings.parse(url: url, passwordFile: nil)
            var clients: [PostgresClient] = []
            var runners: [Task<Void, Never>] = []
            for _ in 0..<count {
                let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
                runners.append(Task { await client.run() })
                clients.append(client)
            }
            _ = try await PostgresMigrations.migrate(clients[0], logger: logger)
            let world = testWorld()
            self.clients = clients
            self.runners = runners
            writers = clients.map { client in
                PostgresWriter(
                    client: client, chain: AuditChain(keyring: testKeyring(), world: world, state: AuditChainState()),
                    logger: logger)
            }
            userGroups = zip(clients, writers).map { client, writer in
                PostgresUserGroups(client: client, writer: writer, logger: logger)
            }
        }

        func stop() { for runner in runners { runner.cancel() } }

        func verify() async throws -> AuditVerification {
            try await writers[0].write { runner in try AuditChain.verify(runner, anchor: nil, keyring: testKeyring()) }
        }
    }

    @Test func everyKindOfValueComesBackAsItWasBound() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        let writer = instances.writers[0]
        let when = Date(timeIntervalSince1970: 1_796_000_000.123)
        let values: [DirectValue] = [
            .text("what? it's 'quoted'"), .integer(-9_007_199_254_740_993), .blob([0, 1, 0xFE, 0xFF]), .date(when),
            .bool(true), .null,
        ]
        let read = try await writer.write { runner in
            try runner.run("CREATE TABLE seam (t text, i bigint, b bytea, d timestamptz, f boolean, n text)")
            try runner.run("INSERT INTO seam (t, i, b, d, f, n) VALUES (?, ?, ?, ?, ?, ?)", values)
            return try runner.queryFirst(
                "SELECT t, i, b, d, f, n, '?' FROM seam WHERE t LIKE '%?%' AND i = ?",
                [
                    .integer(-9_007_199_254_740_993)
                ]
            ) { row in
                (
                    try row.text(0), try row.integer(1), Array(try row.blob(2)), try row.date(3), try row.bool(4),
                    row.isNull(5), try row.optionalText(5), try row.text(6)
                )
            }
        }
        let row = try #require(read)
        #expect(row.0 == "what? it's 'quoted'")
        #expect(row.1 == -9_007_199_254_740_993)
        #expect(row.2 == [0, 1, 0xFE, 0xFF])
        // PostgreSQL keeps microseconds; the store's times are whole milliseconds at most.
        #expect(abs(row.3.timeIntervalSince(when)) < 0.000_001)
        #expect(row.4 == true)
        #expect(row.5 && row.6 == nil)
        #expect(row.7 == "?")
        await #expect(throws: StorageError.self) {
            try await writer.write { runner in
                _ = try runner.queryFirst("SELECT n FROM seam") { try $0.text(0) }
            }
        }
    }

    @Test func placeholdersAreNumberedOutsideQuotesAndCommentsOnly() {
        #expect(
            PlaceholderNumbering.number("SELECT '?', \"a?\" FROM t WHERE x = ? -- why?\n AND y IN (?, ?)")
                == "SELECT '?', \"a?\" FROM t WHERE x = $1 -- why?\n AND y IN ($2, $3)")
    }

    @Test func twoInstancesAppendingAtOnceMakeOneChainInCommitOrder() async throws {
        let instances = try await Instances(count: 2)
        defer { instances.stop() }
        let perInstance = 150
        // Each append also writes its sequence number into a table with a serial key: the order in which the
        // transactions committed those rows must be the chain's order.
        _ = try await instances.writers[0].write { runner in
            try runner.run("CREATE TABLE appended (id bigserial PRIMARY KEY, seq bigint NOT NULL)")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, writer) in instances.writers.enumerated() {
                for number in 0..<perInstance {
                    group.addTask {
                        _ = try await writer.write { runner in
                            let sequence = try writer.chain.appendNumbered(
                                runner, .requestRefused, session: nil, actor: "instance-\(index)",
                                data: ["number": .number(Double(number))])
                            try runner.run("INSERT INTO appended (seq) VALUES (?)", [.integer(sequence)])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await instances.verify() == .intact(events: Int64(2 * perInstance)))
        let order = try await instances.writers[1].write { runner in
            var order: [Int] = []
            try runner.query("SELECT seq FROM appended ORDER BY id", []) { order.append(try $0.integer(0)) }
            return order
        }
        #expect(order == Array(1...(2 * perInstance)))
    }

    @Test func aUseCaseThatFailsTakesBackOnlyItsOwnWritesAndAnAlteredEventIsFound() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        let writer = instances.writers[0]
        struct Refused: Error {}
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for number in 0..<30 {
                group.addTask {
                    do {
                        try await writer.write { runner in
                            try writer.chain.append(
                                runner, .requestRefused, session: nil, actor: "test",
                                data: ["number": .number(Double(number))])
                            if number % 3 == 0 { throw Refused() }
                        }
                        return true
                    } catch is Refused {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 20)
        #expect(try await instances.verify() == .intact(events: 20))

        // The append-only triggers stop the application's role; an owner who turns them off is caught by the MACs.
        try await instances.clients[0].query("ALTER TABLE auditEvent DISABLE TRIGGER USER")
        try await instances.clients[0].query("UPDATE auditEvent SET data = '{}' WHERE seq = 7")
        #expect(
            try await instances.verify()
                == .broken(sequence: 7, reason: "event 7 was altered or its predecessor was"))
    }

    @Test func aGroupPostgreSQLAbortsAsADeadlockRunsAgainWholeAndOnce() async throws {
        let instances = try await Instances(count: 1)
        defer { instances.stop() }
        let writer = instances.writers[0]
        let runs = NIOLockedValueBox(0)
        // The first run appends, then is chosen as a deadlock's victim; the second run must find no trace of it.
        let sequence = try await writer.write { runner in
            let sequence = try writer.chain.appendNumbered(runner, .requestRefused, session: nil, actor: "test")
            if runs.withLockedValue({ runs in
                runs += 1
                return runs == 1
            }) {
                try runner.run("DO $$ BEGIN RAISE EXCEPTION 'chosen as victim' USING ERRCODE = '40P01'; END $$")
            }
            return sequence
        }
        #expect(runs.withLockedValue { $0 } == 2)
        #expect(sequence == 1)
        #expect(try await instances.verify() == .intact(events: 1))

        // A failure that is not transient is the use case's own answer, not run again.
        let failed = NIOLockedValueBox(0)
        await #expect(throws: PSQLError.self) {
            try await writer.write { runner in
                failed.withLockedValue { $0 += 1 }
                try runner.run("DO $$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '23505'; END $$")
            }
        }
        #expect(failed.withLockedValue { $0 } == 1)
    }
}
