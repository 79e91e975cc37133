import Foundation
import GRDB
import TapCore
import TapTestSupport

@testable import TapStorage

/// A store on a real SQLite file in a temporary directory, with a fixed clock and seeded randomness.
struct StoreFixture {
    let directory: URL
    let clock: TestClock
    let store: EnrollmentStore
    let keyring: Keyring
    let admin: OperatorIdentity

    var databasePath: String { directory.appendingPathComponent("tapstation.sqlite").path }

    init() async throws {
        directory = temporaryDirectory("store")
        clock = TestClock()
        keyring = testKeyring()
        store = try EnrollmentStore(
            path: directory.appendingPathComponent("tapstation.sqlite").path, world: testWorld(clock: clock),
            keyring: keyring)
        admin = try await store.createOperator(NewOperator(name: "admin", role: .admin), by: nil).0.identity
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    func operatorIdentity(
        _ role: Role, site: String = "bench-1", allowed: [String] = []
    ) async throws -> OperatorIdentity {
        try await store.createOperator(
            NewOperator(
                name: "\(role)", role: role, site: role.mayBeGlobal ? nil : SiteName(site),
                allowedSubjects: allowed.compactMap(SubjectPattern.init)),
            by: admin
        ).0.identity
    }

    static let ada = UserPrincipalName("ada@contoso.example")!

    func deviceSession(
        user: UserPrincipalName = ada, serial: String = "C02XK1ZZJG5H", maxUses: Int = 2,
        by creator: OperatorIdentity? = nil,
        start: Date? = nil
    ) async throws -> IssuedPass {
        let request = NewSession(
            scenario: .deviceEnrollment, userPrincipalName: user,
            device: DeviceDescription(serialNumber: SerialNumber(serial)!, platform: .ipados),
            pass: PassRequest(maxUses: maxUses, startDateTime: start))
        guard case .created(let issued) = try await store.createSession(request, by: creator ?? admin) else {
            fatalError("expected a new session")
        }
        return issued
    }

    func redeem(_ issued: IssuedPass) async throws -> RedeemOutcome {
        try await redeem(issued.pass, user: issued.session.userPrincipalName)
    }

    func redeem(_ pass: PassCode, user: UserPrincipalName = ada) async throws -> RedeemOutcome {
        try await store.redeem(user: user, pass: PresentedPass(pass))
    }

    func session(_ id: SessionID) async throws -> Session {
        try await store.session(id, visibleTo: nil)!
    }

    func auditTypes(_ id: SessionID) async throws -> [String] {
        try await store.auditEvents(sessionID: id, limit: 100).map(\.type.rawValue)
    }

    /// Raw SQL on the file, as someone with the file (not the application) would run it.
    func tamper(_ sql: String) throws {
        let queue = try DatabaseQueue(path: databasePath)
        try queue.write { db in try db.execute(sql: sql) }
    }
}

extension RedeemOutcome {
    var isAdmitted: Bool {
        if case .admitted = self { return true }
        return false
    }

    var token: BearerToken? {
        if case .admitted(_, let token) = self { return token }
        return nil
    }
}
