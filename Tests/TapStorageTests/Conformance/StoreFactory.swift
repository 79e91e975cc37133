import Foundation
import Logging
import TapCore
import TapPostgres
import TapStorage
import TapTestSupport
import Testing

/// One way to open a fresh, empty store; the conformance suite runs every test once per factory.
///
/// Only the protocol is used from here on: no engine type, no SQL, no `@testable` internals, so that the
/// PostgreSQL store becomes the second entry of ``all`` and passes the same tests unchanged.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    /// A store just opened, and how to throw it away afterwards.
    struct Opened: Sendable {
        let store: any TapStore
        let dispose: @Sendable () -> Void
    }

    let name: String
    let make: @Sendable (World, Keyring) async throws -> Opened

    var testDescription: String { name }

    /// Every engine the suite proves.
    static let all: [StoreFactory] = [.sqlite, .postgres]

    /// The embedded store on a SQLite file in a temporary directory.
    static let sqlite = StoreFactory(name: "SQLite") { world, keyring in
        let directory = temporaryDirectory("conformance")
        let store = try EnrollmentStore(
            path: directory.appendingPathComponent("tapstation.sqlite").path, world: world, keyring: keyring)
        return Opened(store: store, dispose: { try? FileManager.default.removeItem(at: directory) })
    }
}

extension StoreFactory {
    /// The store on a new database of the PostgreSQL server the tests start, migrated as `tapstation migrate`
    /// does.
    static let postgres = StoreFactory(name: "PostgreSQL") { world, keyring in
        let settings = try PostgresSettings.parse(url: try TestPostgres.shared().newDatabase(), passwordFile: nil)
        let (store, stop) = try await PostgresStore.open(
            settings, world: world, keyring: keyring, logger: Logger(label: "conformance"), migrate: true)
        return Opened(store: store, dispose: stop)
    }
}

/// A fresh store from a factory, with a fixed clock, seeded randomness and a first admin.
struct ConformanceFixture: Sendable {
    let clock: TestClock
    let store: any TapStore
    let admin: OperatorIdentity
    private let dispose: @Sendable () -> Void

    static let ada = UserPrincipalName("ada@contoso.example")!

    init(_ factory: StoreFactory) async throws {
        clock = TestClock()
        let opened = try await factory.make(testWorld(clock: clock), testKeyring())
        store = opened.store
        dispose = opened.dispose
        admin = try await opened.store.createOperator(NewOperator(name: "admin", role: .admin), by: nil).0.identity
    }

    func cleanUp() { dispose() }

    /// A machine operator of `role` at site `bench-1`.
    func machine(_ role: Role, name: String? = nil) async throws -> OperatorIdentity {
        try await store.createOperator(
            NewOperator(name: name ?? "\(role)", role: role, site: SiteName("bench-1")), by: admin
        ).0.identity
    }

    /// A device-enrollment session with a new pass of `maxUses` uses.
    func deviceSession(
        user: UserPrincipalName = ada, serial: String = "C02XK1ZZJG5H", maxUses: Int = 2,
        by creator: OperatorIdentity? = nil
    ) async throws -> IssuedPass {
        let request = NewSession(
            scenario: .deviceEnrollment, userPrincipalName: user,
            device: DeviceDescription(serialNumber: SerialNumber(serial)!, platform: .ipados),
            pass: PassRequest(maxUses: maxUses))
        guard case .created(let issued) = try await store.createSession(request, by: creator ?? admin, idempotency: nil)
        else { throw ConformanceFailure("expected a new session") }
        return issued
    }

    /// A FIDO2-registration session whose pass was already redeemed once (so the session is under way).
    func fido2SessionUnderWay(user: UserPrincipalName = ada) async throws -> SessionID {
        let request = NewSession(scenario: .fido2Registration, userPrincipalName: user, pass: PassRequest(maxUses: 2))
        guard case .created(let issued) = try await store.createSession(request, by: admin, idempotency: nil),
            case .admitted = try await redeem(issued)
        else { throw ConformanceFailure("expected a new session under way") }
        return issued.session.id
    }

    /// Signs in once with the pass as a device would.
    func redeem(_ issued: IssuedPass) async throws -> RedeemOutcome {
        try await store.redeem(user: issued.session.userPrincipalName, pass: PresentedPass(issued.pass), client: nil)
    }

    /// The session as the system sees it.
    func session(_ id: SessionID) async throws -> Session {
        guard let session = try await store.session(id, visibleTo: nil) else {
            throw ConformanceFailure("no session \(id)")
        }
        return session
    }

    /// The audit event types of one session, in chain order.
    func auditTypes(_ id: SessionID) async throws -> [String] {
        try await store.auditEvents(
            sessionID: id, site: nil, since: nil, until: nil, type: nil, after: nil, limit: 100
        ).map(\.type.rawValue)
    }
}

/// A precondition of a conformance test that did not hold.
struct ConformanceFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension RedeemOutcome {
    /// Whether the sign-in was admitted.
    var wasAdmitted: Bool {
        if case .admitted = self { return true }
        return false
    }

    /// The session token an admitted sign-in returned.
    var sessionToken: BearerToken? {
        if case .admitted(_, let token) = self { return token }
        return nil
    }
}

/// Runs `count` copies of `body` at once and counts those that returned `true`.
func countConcurrent(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Bool) async throws -> Int {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        for index in 0..<count { group.addTask { try await body(index) } }
        return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
    }
}
