import Foundation
import Hummingbird
import HummingbirdTesting
import TapAPI
import TapCore
import TapHTTP
import TapStorage
import TapTestSupport
import Testing
@testable import TapAdmin

@Suite("Remote commands against a live service", .serialized)
struct RemoteCommandTests {
    @Test func sessionShowAndUserRevokeTalkToTheService() async throws {
        let directory = temporaryDirectory("remote")
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = TestClock()
        let world = testWorld(clock: clock)
        let store = try EnrollmentStore(path: directory.appendingPathComponent("db.sqlite").path, world: world, keyring: testKeyring())
        let (admin, token) = try await store.createOperator(
            NewOperator(name: "Ada Admin", role: .admin, userPrincipalName: UserPrincipalName("ada.admin@contoso.example")), by: nil)
        let tokenFile = directory.appendingPathComponent("token")
        try token.value.write(to: tokenFile, atomically: true, encoding: .utf8)
        guard case .created(let issued) = try await store.createSession(
            NewSession(scenario: .fido2Registration, userPrincipalName: UserPrincipalName("bob@contoso.example")!), by: admin.identity)
        else { throw CancellationError() }

        let (router, _) = buildRouter(configuration: ServerConfiguration(), store: store, keyring: testKeyring(), world: world)
        let app = Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            let remote = ["--server", server, "--token-file", tokenFile.path]
            #expect(await TapStationCommand.runMain(arguments: ["session", "show", issued.session.id.rawValue] + remote) == 0)
            #expect(await TapStationCommand.runMain(arguments: ["session", "show", issued.session.id.rawValue, "--json"] + remote) == 0)
            #expect(await TapStationCommand.runMain(arguments: ["session", "show", "not-an-id"] + remote) == 2)
            #expect(await TapStationCommand.runMain(arguments: ["user", "revoke", "bob@contoso.example", "--reason", "incident"] + remote) == 0)
            #expect(await TapStationCommand.runMain(arguments: ["user", "unlock", "bob@contoso.example"] + remote) == 1, "no lock: a 404 is exit 1")
            #expect(await TapStationCommand.runMain(arguments: ["session", "show", issued.session.id.rawValue, "--server", server]) == 2)
        }
        #expect(try await store.session(issued.session.id, visibleTo: nil)?.storedState == .cancelled)
    }

    @Test func theTrailReadsAsText() {
        let now = Date(timeIntervalSince1970: 1_795_687_200)
        let session = Session(
            id: SessionID(time: now, random: Array(repeating: 1, count: 10)), scenario: .fido2Registration, storedState: .completed,
            site: SiteName("bench-1")!, userPrincipalName: UserPrincipalName("ada@contoso.example")!, device: nil,
            createdBy: OperatorID(time: now, random: Array(repeating: 2, count: 10)), reason: "lost key",
            proofing: Proofing(method: .callback, reference: "directory number, ending 4821"), createdAt: now, updatedAt: now,
            completionDeadline: now, firstUsedAt: nil, closedAt: now, pass: nil)
        let rita = ActorSummary(id: "x", name: "Rita", role: .helpdesk, userPrincipalName: UserPrincipalName("rita@contoso.example"))
        let text = TrailText.render(
            IssuanceTrail(
                session: SessionView(session, now: now), requestedBy: rita,
                steps: [TrailStep(time: now, type: .passUsed, actor: ActorSummary(id: "redeem"), data: .object(["clientAddress": "192.0.2.4"]))]))
        #expect(text.contains("asked by   Rita (helpdesk, rita@contoso.example)"))
        #expect(text.contains("identified callback; directory number, ending 4821"))
        #expect(text.contains("pass.used"))
        #expect(text.contains("clientAddress 192.0.2.4"))
    }
}
