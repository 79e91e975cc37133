import Foundation
import Logging
import TapCore
import TapPostgres
import TapStorage
import TapTestSupport

// The store alone, without HTTP: creates and redeems per second at a given concurrency, on the embedded SQLite
// file and on a PostgreSQL server the bench starts (Debian's, as the tests start it). Durable as in production:
// SQLite with synchronous=FULL, PostgreSQL with synchronous_commit=on (its default). One process plays one
// instance, or two on PostgreSQL (two clients, two writers, one database).
//
//   swift run -c release store-bench [seconds] [connections] [sqlite|postgres]

let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 5 : 5
let connections = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 64 : 64
/// One engine only, when named.
let only = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : nil

let world = World(now: { Date() }, randomBytes: { count in (0..<count).map { _ in UInt8.random(in: 0...255) } })
let keyring = testKeyring()
var logger = Logger(label: "store-bench")
logger.logLevel = .warning

/// The machine's CPU time so far, busy and in all, in clock ticks (Linux `/proc/stat`); zeros elsewhere.
func cpuTicks() -> (busy: Double, total: Double) {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
        let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
    else { return (0, 0) }
    let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard ticks.count >= 5 else { return (0, 0) }
    // user nice system idle iowait irq softirq steal: idle and iowait are the time no one had work to run.
    let total = ticks.prefix(8).reduce(0, +)
    return (total - ticks[3] - ticks[4], total)
}

/// Runs `operation` from `connections` tasks, each taking the next index, until `duration` has passed or an
/// operation answers that there was nothing left to do; answers how many finished, per second, the p99, and how
/// busy the machine's cores were meanwhile (the bench, the database and anything else), from 0 to 1.
func measure(
    for duration: Double, connections: Int, _ operation: @escaping @Sendable (Int) async throws -> Bool
) async throws -> (count: Int, perSecond: Double, p99: Double, busy: Double) {
    let next = Counter()
    let cpuBefore = cpuTicks()
    let start = Date()
    let deadline = start.addingTimeInterval(duration)
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<connections {
            group.addTask {
                var mine: [Double] = []
                while Date() < deadline {
                    let index = next.take()
                    let began = Date()
                    guard try await operation(index) else { break }
                    mine.append(Date().timeIntervalSince(began))
                }
                return mine
            }
        }
        return try await group.reduce(into: [Double]()) { $0 += $1 }.sorted()
    }
    let elapsed = Date().timeIntervalSince(start)
    let cpuAfter = cpuTicks()
    let busy =
        cpuAfter.total > cpuBefore.total
        ? (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total) : 0
    let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
    return (latencies.count, Double(latencies.count) / elapsed, p99, busy)
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

final class Passes: @unchecked Sendable {
    private let lock = NSLock()
    private var issued: [IssuedPass] = []
    func add(_ pass: IssuedPass) {
        lock.lock()
        issued.append(pass)
        lock.unlock()
    }
    func get(_ index: Int) -> IssuedPass? {
        lock.lock()
        defer { lock.unlock() }
        return index < issued.count ? issued[index] : nil
    }
}

/// Creates and then redeems on `stores` (requests spread over them in turn), and prints one line for each.
///
/// `settle` runs between the two, once the creates are in: on PostgreSQL, an ANALYZE, as autovacuum makes within
/// a minute of a table's first thousand rows (without it the planner, judging tables it has never seen filled,
/// reads a whole index for each redeem).
func run(
    _ name: String, _ stores: [EnrollmentStore], createFor createSeconds: Double = seconds,
    settle: () async throws -> Void = {}
) async throws {
    let admin = try await stores[0].createOperator(NewOperator(name: "bench", role: .admin), by: nil).0.identity
    let passes = Passes()
    let created = try await measure(for: createSeconds, connections: connections) { index in
        let request = NewSession(
            scenario: .fido2Registration, userPrincipalName: UserPrincipalName("user\(index)@contoso.example")!,
            pass: PassRequest(maxUses: 1))
        guard
            case .created(let issued) = try await stores[index % stores.count].createSession(
                request, by: admin, idempotency: nil)
        else { fatalError("not created") }
        passes.add(issued)
        return true
    }
    print(
        String(
            format: "%@ create at %d: %.0f/s, p99 %.1f ms (%d), CPU %.0f%% busy", name, connections,
            created.perSecond, created.p99 * 1000, created.count, created.busy * 100))
    try await settle()
    let redeemed = try await measure(for: seconds, connections: connections) { index in
        guard let issued = passes.get(index - 1) else { return false }
        let outcome = try await stores[index % stores.count].redeem(
            user: issued.session.userPrincipalName, pass: PresentedPass(issued.pass), client: nil)
        guard case .admitted = outcome else { fatalError("refused") }
        return true
    }
    print(
        String(
            format: "%@ redeem at %d: %.0f/s, p99 %.1f ms (%d), CPU %.0f%% busy", name, connections,
            redeemed.perSecond, redeemed.p99 * 1000, redeemed.count, redeemed.busy * 100))
}

/// Brings the planner's statistics up to date on the database `settings` name.
func analyze(_ settings: PostgresSettings, logger: Logger) async throws {
    try await PostgresConnector.withClient(settings, logger: logger) { @Sendable client in
        _ = try await client.query("ANALYZE", logger: logger)
    }
}

let directory = temporaryDirectory("store-bench")
if only != "postgres" {
    let sqlite = try EnrollmentStore(
        path: directory.appendingPathComponent("tapstation.sqlite").path, world: world, keyring: keyring)
    try await run("SQLite", [sqlite])
}

// PostgreSQL: one database, then two instances on another.
for instances in [1, 2] where only != "sqlite" {
    let settings = try PostgresSettings.parse(url: try TestPostgres.shared().newDatabase(), passwordFile: nil)
    var opened: [(store: EnrollmentStore, stop: @Sendable () -> Void)] = []
    for instance in 0..<instances {
        opened.append(
            try await PostgresStore.open(
                settings, world: world, keyring: keyring, logger: logger, migrate: instance == 0))
    }
    // Creates run four times as long, so that the redeems, about three times as fast, have passes for the run.
    try await run(
        "PostgreSQL, \(instances) instance\(instances == 1 ? "" : "s"),", opened.map(\.store), createFor: seconds * 4
    ) {
        try await analyze(settings, logger: logger)
    }
    for instance in opened { instance.stop() }
}
try? FileManager.default.removeItem(at: directory)
