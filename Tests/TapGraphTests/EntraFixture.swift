import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TapAPI
import TapCore
import TapCrypto
import TapGraph
import TapGraphEmulator
import TapHTTP
import TapStorage
import TapTestSupport
import Testing

extension NIOLockedValueBox {
    /// A copy of the value, read under the lock.
    var current: Value { withLockedValue { $0 } }
}

/// The real store over a SQLite file, the Entra authority and watcher against the emulator, a fixed clock,
/// and a log that is kept.
final class EntraFixture: @unchecked Sendable {
    let directory: URL
    let clock: TestClock
    let world: World
    let keyring: Keyring
    private(set) var store: EnrollmentStore
    let emulator: GraphEmulator
    let http: HTTPClient
    let logLines = NIOLockedValueBox<[String]>([])
    let sleeps = NIOLockedValueBox<[Duration]>([])
    let logger: Logger
    let secret = "s3cr3t~value.that-must-not-leak"
    private(set) var graph: GraphClient!
    private(set) var authority: EntraPassAuthority!
    private(set) var watcher: CompletionWatcher!
    let admin: OperatorIdentity
    let adminToken: String
    var rule: CompletionRule = .enrolled

    var databasePath: String { directory.appendingPathComponent("tapstation.sqlite").path }

    init(
        flavour: GraphEmulator.OneTapFlavour = .replace, credential: ((GraphEmulator) -> GraphCredential)? = nil
    ) async throws {
        directory = temporaryDirectory("entra")
        clock = TestClock()
        world = testWorld(clock: clock)
        keyring = testKeyring()
        store = try EnrollmentStore(
            path: directory.appendingPathComponent("tapstation.sqlite").path, world: world, keyring: keyring)
        let (created, token) = try await store.createOperator(
            NewOperator(name: "admin", role: .admin, userPrincipalName: UserPrincipalName("admin@contoso.example")),
            by: nil)
        admin = created.identity
        adminToken = token.value
        let clock = self.clock
        emulator = GraphEmulator(now: { clock.now })
        emulator.flavour = flavour
        emulator.acceptSecret(secret)
        try await emulator.start()
        for user in ["ada@contoso.example", "grace@contoso.example", "o'neil+it@contoso.example"] {
            emulator.addUser(user)
        }
        // The process-wide client needs no shutdown, so a test that fails half-way leaks nothing that crashes.
        http = HTTPClient.shared
        let lines = logLines
        var logger = Logger(label: "entra-test") { _ in
            // Every line, with its metadata, as text: tests grep it for secrets.
            RecordingLogHandler { line in
                lines.withLockedValue { $0.append("\(line.level) \(line.message) \(line.metadata)") }
            }
        }
        logger.logLevel = .trace
        self.logger = logger
        try restart(credential: credential?(emulator) ?? .secret(ClientSecret(secret)))
    }

    /// A new process's worth of objects over the same database file and the same emulator: what a restart
    /// leaves behind (nothing in memory).
    ///
    /// `requestTimeout` applies to Graph calls only; the token endpoint keeps the default. A test that shortens
    /// it is about a slow Graph, and under a loaded sanitizer run a one-second token fetch times out first.
    func restart(
        credential: GraphCredential? = nil, reopenStore: Bool = false, requestTimeout: Duration = .seconds(5)
    ) throws {
        if reopenStore {
            store = try EnrollmentStore(path: databasePath, world: world, keyring: keyring)
        }
        func graphConfiguration(timeout: Duration) -> GraphConfiguration {
            GraphConfiguration(
                tenant: emulator.tenant, clientID: emulator.clientID,
                credential: credential ?? .secret(ClientSecret(secret)),
                authorityHost: URL(string: emulator.baseURL)!, graphHost: URL(string: emulator.baseURL)!,
                requestTimeout: timeout, maximumAttempts: 3, maximumRetryAfter: .seconds(10))
        }
        let configuration = graphConfiguration(timeout: requestTimeout)
        let clock = self.clock
        let tokens = TokenClient(
            configuration: graphConfiguration(timeout: .seconds(5)), http: http, now: { clock.now })
        let sleeps = self.sleeps
        graph = GraphClient(
            configuration: configuration, http: http, tokens: tokens, logger: logger,
            sleep: { duration in sleeps.withLockedValue { $0.append(duration) } })
        authority = EntraPassAuthority(ledger: store, graph: graph, now: { clock.now }, logger: logger)
        watcher = CompletionWatcher(
            ledger: store, graph: graph, authority: authority, rule: rule,
            schedule: WatchSchedule(initialInterval: 0, maximumInterval: 0, callsPerRound: 100), now: { clock.now },
            logger: logger)
    }

    func cleanUp() async {
        await emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The HTTP application in Entra mode, with the captured log.
    func application() -> some ApplicationProtocol {
        let (router, _) = buildRouter(
            configuration: ServerConfiguration(), store: store, keyring: keyring, world: world, authority: authority)
        return Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            logger: logger)
    }

    static func headers(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    static func deviceBody(
        user: String = "ada@contoso.example", serial: String = "C02XK1ZZJG5H", pass: String = #"{"maxUses": 2}"#,
        replace: Bool? = nil
    ) -> String {
        let replaceField = replace.map { #", "replaceExisting": \#($0)"# } ?? ""
        return #"""
            {"scenario": "deviceEnrollment", "userPrincipalName": "\#(user)",
             "device": {"serialNumber": "\#(serial)", "platform": "ipados"}, "pass": \#(pass)\#(replaceField)}
            """#
    }

    static func keyBody(user: String = "grace@contoso.example") -> String {
        #"{"scenario": "fido2Registration", "userPrincipalName": "\#(user)", "pass": {"maxUses": 1}}"#
    }

    /// A session created through the authority (no HTTP), with its pass value.
    func create(_ request: NewSession, replaceExisting: Bool = false) async throws -> (Session, String) {
        guard
            case .createdExternally(let issued) = try await authority.createSession(
                request, by: admin, idempotency: nil, replaceExisting: replaceExisting)
        else { throw CancellationError() }
        return (issued.session, issued.pass.revealed)
    }

    static func deviceRequest(
        user: String = "ada@contoso.example", serial: String = "C02XK1ZZJG5H", maxUses: Int = 2
    ) -> NewSession {
        NewSession(
            scenario: .deviceEnrollment, userPrincipalName: UserPrincipalName(user)!,
            device: DeviceDescription(serialNumber: SerialNumber(serial)!, platform: .ipados),
            pass: PassRequest(maxUses: maxUses))
    }

    func session(_ id: SessionID) async throws -> Session {
        try #require(try await store.session(id, visibleTo: nil))
    }

    func auditTypes(_ id: SessionID) async throws -> [String] {
        try await store.auditEvents(sessionID: id, limit: 100).map(\.type.rawValue)
    }

    func auditData(_ id: SessionID) async throws -> [String] {
        try await store.auditEvents(sessionID: id, limit: 100).map(\.data)
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try WireJSON.decoder().decode(type, from: Data(buffer: body))
    }

    var problem: Problem? { try? decode(Problem.self) }
    var text: String { String(buffer: body) }
}
