import Foundation
import TapCore
import TapGraph
import TapGraphEmulator
import TapStorage
import Testing

@testable import TapHTTP

/// Not a test: `bench/entra-cart` runs it with `TAPSTATION_BENCH_RESULTS` set, and it writes figures there. A
/// 500-row cart in Entra mode against the emulator: the time to create every pass and the Graph calls it used,
/// set beside 500 single creates (the only way before batches), and the calls one watcher round makes with 500
/// open sessions. Each Graph call can be given a latency, as a model of Graph's round trip over the internet.
@Suite("Entra cart benchmark", .enabled(if: ProcessInfo.processInfo.environment["TAPSTATION_BENCH_RESULTS"] != nil))
struct EntraCartBenchmark {
    static let rows = 500

    @Test(arguments: [0, 50]) func aCartOf500(latencyInMilliseconds: Int) async throws {
        let path = try #require(ProcessInfo.processInfo.environment["TAPSTATION_BENCH_RESULTS"])
        var lines = ["entra cart: \(Self.rows) rows, Graph latency \(latencyInMilliseconds) ms per call"]

        let batched = try await EntraFixture()
        for index in 0..<Self.rows { batched.emulator.addUser(EntraBatchTests.user(index)) }
        batched.emulator.setDelay(.milliseconds(latencyInMilliseconds), for: .any)
        _ = try await batched.authority.limits()
        let (made, madeTime) = try await Self.timed {
            try await batched.authority.createSessions(
                EntraBatchTests.rows(0..<Self.rows), by: batched.admin, idempotency: nil,
                describe: { SessionsController.rowProblem($0) })
        }
        let created = made.rows.filter { if case .createdExternally = $0 { true } else { false } }.count
        let madeCalls = Self.calls(batched.emulator)
        lines.append(
            "  batch create: \(created) passes in \(Self.seconds(madeTime)) s, \(madeCalls.http) Graph calls "
                + "(\(madeCalls.requests) requests)")

        // One watcher round with every session open and nothing enrolled yet, under the default schedule.
        let watcher = CompletionWatcher(
            ledger: batched.store, graph: batched.graph, authority: batched.authority, rule: .enrolled,
            schedule: WatchSchedule(), now: { batched.clock.now }, logger: batched.logger)
        let quiet = try await watcher.pollOnce()
        lines.append(
            "  watcher round, \(Self.rows) open: \(quiet.polled) polled, \(quiet.graphCalls) Graph calls "
                + "(\(quiet.graphRequests) requests), where one call per request was \(quiet.graphRequests) calls")
        batched.clock.advance(minutes: 10)
        for index in 0..<Self.rows {
            batched.emulator.addManagedDevice(
                serialNumber: EntraBatchTests.serial(index), enrolledAt: batched.clock.now,
                userPrincipalName: EntraBatchTests.user(index))
        }
        batched.clock.advance(minutes: 10)
        let before = Self.calls(batched.emulator)
        let (done, doneTime) = try await Self.timed { try await watcher.pollOnce() }
        let after = Self.calls(batched.emulator)
        lines.append(
            "  watcher round, all enrolled: \(done.completed) completed and their passes deleted in "
                + "\(Self.seconds(doneTime)) s, \(after.http - before.http) Graph calls "
                + "(\(after.requests - before.requests) requests)")
        await batched.cleanUp()

        // The same cart one create at a time, as a bench had to before.
        let single = try await EntraFixture()
        for index in 0..<Self.rows { single.emulator.addUser(EntraBatchTests.user(index)) }
        single.emulator.setDelay(.milliseconds(latencyInMilliseconds), for: .any)
        _ = try await single.authority.limits()
        let (_, singleTime) = try await Self.timed {
            for index in 0..<Self.rows {
                _ = try await single.authority.createSession(
                    EntraFixture.deviceRequest(
                        user: EntraBatchTests.user(index), serial: EntraBatchTests.serial(index), maxUses: 1),
                    by: single.admin, idempotency: nil, replaceExisting: false)
            }
        }
        let singleCalls = Self.calls(single.emulator)
        lines.append(
            "  single creates: \(Self.rows) passes in \(Self.seconds(singleTime)) s, \(singleCalls.http) Graph calls")
        await single.cleanUp()

        let text = lines.joined(separator: "\n") + "\n"
        print(text, terminator: "")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    /// HTTP calls to Graph (a batch is one) and the requests in them, the token endpoint and policy left out.
    static func calls(_ emulator: GraphEmulator) -> (http: Int, requests: Int) {
        let seen = emulator.requests.filter { $0.route != .token && $0.route != .policy }
        return (seen.filter { !$0.batched }.count, seen.filter { $0.route != .batch }.count)
    }

    static func timed<T>(_ body: () async throws -> T) async throws -> (T, Duration) {
        let start = ContinuousClock.now
        let value = try await body()
        return (value, ContinuousClock.now - start)
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
