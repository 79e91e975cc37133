import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TapAPI
import TapCore
import TapGraph
import TapGraphEmulator
import TapHTTP
import TapStorage
import TapTestSupport
import Testing

@Suite("The Entra watcher service in the running application")
struct EntraServiceTests {
    /// The composition root in Entra mode, over loopback with its services running: a create a crash
    /// interrupted is reconciled at start-up, and a device Intune reports completes its session without
    /// anyone asking.
    @Test func theRunningServiceReconcilesAtStartAndCompletesSessions() async throws {
        let fixture = try await EntraFixture()
        // Left by a crash before this start: an intent, and the pass Graph made for it.
        guard
            case .provision(let interrupted) = try await fixture.store.beginEntraSession(
                EntraFixture.deviceRequest(user: "grace@contoso.example", serial: "CRASHED1"), by: fixture.admin,
                idempotency: nil, limits: try await fixture.authority.limits())
        else { Issue.record("no intent"); return }
        _ = try await fixture.graph.createTemporaryAccessPass(
            for: interrupted.userPrincipalName, TemporaryAccessPassRequest(lifetimeInMinutes: 60))

        let entra = EntraServices(authority: fixture.authority, watcher: fixture.watcher, interval: .milliseconds(50))
        let app = buildApplication(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0), store: fixture.store,
            keyring: fixture.keyring,
            world: fixture.world, logger: fixture.logger, entra: entra)
        try await app.test(.live) { client in
            // Graph's delete comes first, then the intent is closed and its session cancelled.
            try await Self.eventually { try await fixture.session(interrupted.sessionID).storedState == .cancelled }
            #expect(fixture.emulator.pass(of: "grace@contoso.example") == nil)

            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: EntraFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: EntraFixture.deviceBody()))
            #expect(created.status == .created)
            let session = try created.decode(SessionView.self)
            fixture.clock.advance(minutes: 1)
            fixture.emulator.addManagedDevice(
                serialNumber: "C02XK1ZZJG5H", enrolledAt: fixture.clock.now, userPrincipalName: "ada@contoso.example")
            fixture.clock.advance(minutes: 1)
            try await Self.eventually { try await fixture.session(session.id).entra?.revocation == .confirmed }
            #expect(try await fixture.session(session.id).storedState == .completed)
            #expect(fixture.emulator.pass(of: "ada@contoso.example") == nil)
        }
        await fixture.cleanUp()
    }

    /// Waits up to five seconds for `condition`.
    static func eventually(
        _ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for _ in 0..<100 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the condition never held", sourceLocation: sourceLocation)
    }
}
