import Foundation
import GRDB
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
        let store = try EnrollmentStore(
            path: directory.appendingPathComponent("db.sqlite").path, world: world, keyring: testKeyring())
        let (admin, token) = try await store.createOperator(
            NewOperator(
                name: "Ada Admin", role: .admin, userPrincipalName: UserPrincipalName("ada.admin@contoso.example")),
            by: nil)
        let tokenFile = directory.appendingPathComponent("token")
        try token.value.write(to: tokenFile, atomically: true, encoding: .utf8)
        guard
            case .created(let issued) = try await store.createSession(
                NewSession(scenario: .fido2Registration, userPrincipalName: UserPrincipalName("bob@contoso.example")!),
                by: admin.identity)
        else { throw CancellationError() }

        let (router, _) = buildRouter(
            configuration: ServerConfiguration(), store: store, keyring: testKeyring(), world: world)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            let remote = ["--server", server, "--token-file", tokenFile.path]
            #expect(
                await TapStationCommand.runMain(arguments: ["session", "show", issued.session.id.rawValue] + remote)
                    == 0)
            #expect(
                await TapStationCommand.runMain(
                    arguments: ["session", "show", issued.session.id.rawValue, "--json"] + remote) == 0)
            #expect(await TapStationCommand.runMain(arguments: ["session", "show", "not-an-id"] + remote) == 2)
            #expect(
                await TapStationCommand.runMain(
                    arguments: ["user", "revoke", "bob@contoso.example", "--reason", "incident"] + remote) == 0)
            #expect(
                await TapStationCommand.runMain(arguments: ["user", "unlock", "bob@contoso.example"] + remote) == 1,
                "no lock: a 404 is exit 1")
            #expect(
                await TapStationCommand.runMain(arguments: [
                    "session", "show", issued.session.id.rawValue, "--server", server,
                ]) == 2)
        }
        #expect(try await store.session(issued.session.id, visibleTo: nil)?.storedState == .cancelled)
    }

    /// Values written straight into the database, as one from before the input checks could hold them.
    @Test func sessionShowPrintsNoTerminalControlsFromStoredText() async throws {
        let directory = temporaryDirectory("trail-controls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = testWorld(clock: TestClock())
        let path = directory.appendingPathComponent("db.sqlite").path
        let store = try EnrollmentStore(path: path, world: world, keyring: testKeyring())
        let (admin, token) = try await store.createOperator(NewOperator(name: "Ada Admin", role: .admin), by: nil)
        guard
            case .created(let issued) = try await store.createSession(
                NewSession(
                    scenario: .fido2Registration, userPrincipalName: UserPrincipalName("bob@contoso.example")!,
                    reason: "lost key"),
                by: admin.identity)
        else { throw CancellationError() }
        let hostile = "\u{1B}]0;owned\u{07}\u{1B}]52;c;cm0gLXJmIH4=\u{07}\u{1B}[2J\rfake\u{9B}2J\u{202E}"
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try db.execute(
                sql: "UPDATE operator SET name = ? WHERE id = ?",
                arguments: ["Ada" + hostile, admin.identity.id.rawValue])
            try db.execute(
                sql: "UPDATE session SET reason = ? WHERE id = ?",
                arguments: ["lost" + hostile, issued.session.id.rawValue])
        }
        try database.close()

        let (router, _) = buildRouter(
            configuration: ServerConfiguration(), store: store, keyring: testKeyring(), world: world)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/sessions/\(issued.session.id)/trail", method: .get,
                headers: [.authorization: "Bearer \(token.value)"])
            let trail = try WireJSON.decoder().decode(IssuanceTrail.self, from: Data(buffer: response.body))
            #expect(trail.session.reason == "lost" + hostile, "the stored value reached the CLI as it was")
            let text = TrailText.render(trail)
            let json = TrailText.escapingActive(String(decoding: try WireJSON.encoder().encode(trail), as: UTF8.self))
            for output in [text, json] {
                #expect(!output.contains("\u{1B}") && !output.contains("\u{07}") && !output.contains("\r"))
                #expect(!TerminalText.containsActive(output.replacingOccurrences(of: "\n", with: "")))
            }
            #expect(text.contains("reason     lost\u{FFFD}"))
            #expect(text.contains("asked by   Ada\u{FFFD}"))
            let reread = try WireJSON.decoder().decode(IssuanceTrail.self, from: Data(json.utf8))
            #expect(
                reread.session.reason == trail.session.reason && reread.requestedBy.name == trail.requestedBy.name,
                "--json keeps the value")
        }
    }

    @Test func theTrailReadsAsText() {
        let now = Date(timeIntervalSince1970: 1_795_687_200)
        let session = Session(
            id: SessionID(time: now, random: Array(repeating: 1, count: 10)), scenario: .fido2Registration,
            storedState: .completed,
            site: SiteName("bench-1")!, userPrincipalName: UserPrincipalName("ada@contoso.example")!, device: nil,
            createdBy: OperatorID(time: now, random: Array(repeating: 2, count: 10)), reason: "lost key",
            proofing: Proofing(method: .callback, reference: "directory number, ending 4821"), createdAt: now,
            updatedAt: now,
            completionDeadline: now, firstUsedAt: nil, closedAt: now, pass: nil)
        let rita = ActorSummary(
            id: "x", name: "Rita", role: .helpdesk, userPrincipalName: UserPrincipalName("rita@contoso.example"))
        let text = TrailText.render(
            IssuanceTrail(
                session: SessionView(session, now: now), requestedBy: rita,
                steps: [
                    TrailStep(
                        time: now, type: .passUsed, actor: ActorSummary(id: "redeem"),
                        data: .object(["clientAddress": "192.0.2.4"]))
                ]))
        #expect(text.contains("asked by   Rita (helpdesk, rita@contoso.example)"))
        #expect(text.contains("identified callback; directory number, ending 4821"))
        #expect(text.contains("pass.used"))
        #expect(text.contains("clientAddress 192.0.2.4"))
    }
}
