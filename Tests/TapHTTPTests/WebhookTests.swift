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
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// A local receiver on 127.0.0.1 that answers what the test tells it to and keeps what it was sent.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var headers: HTTPFields
        var body: String
    }

    let received = NIOLockedValueBox<[Received]>([])
    /// Statuses to answer, in order; once used up, 200.
    let script = NIOLockedValueBox<[Int]>([])

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            self.received.withLockedValue { $0.append(Received(headers: request.headers, body: String(buffer: body))) }
            let status = self.script.withLockedValue { $0.isEmpty ? 200 : $0.removeFirst() }
            if status == 302 {
                return Response(status: .found, headers: [.location: "http://127.0.0.1:1/elsewhere"])
            }
            return Response(status: HTTPResponse.Status(code: status))
        }
        return Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
    }
}

@Suite("Webhooks against a local receiver", .serialized)
struct WebhookTests {
    static let secret = "test-secret-0123456789abcdef"

    /// Loopback allow-listed, and plain http allowed toward it: the test receiver has no certificate.
    static let settings = WebhookSettings(
        allowedNetworks: [AddressBlock("127.0.0.0/8")!], insecureHTTPAllowed: true,
        retry: WebhookRetryPolicy(maximumAttempts: 3, firstDelaySeconds: 30, maximumDelaySeconds: 600),
        requestTimeout: .seconds(5))

    @Test func urlsMustBeHttpsAndPublicUnlessAllowListed() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            for (url, expected) in [
                ("http://192.0.2.10/hook", "url must be https"),
                ("https://127.0.0.1/hook", "loopback"), ("https://10.1.2.3/hook", "private"),
                ("https://169.254.169.254/x", "link-local"),
                ("https://[::1]/hook", "loopback"), ("https://user:pw@192.0.2.10/hook", "credentials"),
                ("ftp://192.0.2.10/", "https"),
            ] {
                let response = try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                    body: ByteBuffer(string: #"{"url": "\#(url)"}"#))
                #expect(response.status == .unprocessableContent, "\(url)")
                #expect(response.problemCode == "webhook_url_refused", "\(url)")
                #expect(response.text.contains(expected), "\(url): \(response.text)")
            }
            let good = try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"url": "https://192.0.2.10/hook", "eventTypes": ["session.completed"]}"#))
            #expect(good.status == .created)
            let view = try good.decode(WebhookView.self)
            #expect(view.secret?.hasPrefix("whsec_") == true, "a server-made secret is shown once")
            let read = try await client.execute(
                uri: "/v1/webhooks/\(view.id)", method: .get,
                headers: HTTPFixture.headers(fixture.adminToken, json: false))
            #expect(try read.decode(WebhookView.self).secret == nil)
            #expect(
                !fileContains(fixture.directory.appendingPathComponent("tapstation.sqlite").path, view.secret!),
                "sealed at rest")
        }
    }

    @Test func deliveriesAreSignedRetriedSurviveARestartAndDeadLetter() async throws {
        let fixture = try await HTTPFixture(webhooks: Self.settings)
        defer { fixture.cleanUp() }
        let receiver = WebhookReceiver()
        let logger = Logger(label: "test")
        try await receiver.application().test(.live) { receiverClient in
            let port = try #require(receiverClient.port)
            let url = "http://127.0.0.1:\(port)/hook"
            let (hook, pass) = try await fixture.application().test(.router) { client -> (WebhookID, String?) in
                let created = try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                    body: ByteBuffer(
                        string:
                            #"{"url": "\#(url)", "secret": "\#(Self.secret)", "eventTypes": ["session.created", "pass.issued"]}"#
                    ))
                #expect(created.status == .created, "\(created.text)")
                let view = try created.decode(WebhookView.self)
                #expect(view.secret == nil, "an admin-given secret is not echoed")
                let session = try await client.execute(
                    uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                    body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
                return (view.id, try session.decode(SessionView.self).pass?.temporaryAccessPass)
            }

            // First attempts: the receiver is failing.
            receiver.script.withLockedValue { $0 = [500, 302] }
            let sender = WebhookSender(
                store: fixture.store, keyring: fixture.keyring, world: fixture.world, settings: Self.settings,
                logger: logger)
            #expect(try await sender.runOnce() == 2)
            #expect(try await sender.runOnce() == 0, "nothing is due before the back-off")
            var page = try await fixture.store.webhookDeliveries(hook, state: nil, after: nil, limit: 10)
            #expect(page.items.map(\.state) == [.pending, .pending])
            #expect(Set(page.items.compactMap(\.lastStatus)) == [500, 302])
            #expect(
                page.items.allSatisfy {
                    $0.attempts == 1 && $0.nextAttemptAt == fixture.clock.now.addingTimeInterval(30)
                })
            try await sender.shutdown()

            // A restart: a new store on the same file and a new sender; nothing is lost or sent twice.
            let reopened = try EnrollmentStore(
                path: fixture.directory.appendingPathComponent("tapstation.sqlite").path, world: fixture.world,
                keyring: fixture.keyring)
            let restarted = WebhookSender(
                store: reopened, keyring: fixture.keyring, world: fixture.world, settings: Self.settings, logger: logger
            )
            fixture.clock.advance(seconds: 31)
            #expect(try await restarted.runOnce() == 2)
            page = try await reopened.webhookDeliveries(hook, state: nil, after: nil, limit: 10)
            #expect(page.items.map(\.state) == [.delivered, .delivered])

            // What arrived: signed bodies with the event, never a pass.
            let received = receiver.received.withLockedValue { $0 }
            #expect(received.count == 4)
            let delivered = Array(received.suffix(2))
            var types: [String] = []
            for request in delivered {
                let body = request.body
                #expect(!body.contains(try #require(pass)))
                #expect(!body.contains("tso_") && !body.contains("tss_"))
                let signature = try #require(request.headers[HTTPField.Name("X-TapStation-Signature")!])
                let parts = Dictionary(
                    uniqueKeysWithValues: signature.split(separator: ",").map { part in
                        let pair = part.split(separator: "=", maxSplits: 1)
                        return (String(pair[0]), String(pair[1]))
                    })
                let timestamp = try #require(parts["t"])
                #expect(Int64(timestamp) == Int64(fixture.clock.now.timeIntervalSince1970))
                let expected = Crypto.hex(
                    try Crypto.hmacSHA256(key: Array(Self.secret.utf8), data: Array("\(timestamp).\(body)".utf8)))
                #expect(parts["v1"] == expected)
                let event = try WireJSON.decoder().decode(WebhookEventWire.self, from: Data(body.utf8))
                types.append(event.type.rawValue)
                #expect(event.state == .active)
                #expect(request.headers[HTTPField.Name("X-TapStation-Event")!] == event.type.rawValue)
            }
            #expect(types.sorted() == ["pass.issued", "session.created"])

            // Dead-lettering: a receiver that keeps failing gets 3 attempts in all.
            receiver.script.withLockedValue { $0 = Array(repeating: 503, count: 10) }
            _ = try await reopened.createSession(
                NewSession(scenario: .fido2Registration, userPrincipalName: UserPrincipalName("bob@contoso.example")!),
                by: try await reopened.operators().first { $0.identity.role == .admin }!.identity)
            #expect(try await restarted.runOnce() == 2)
            fixture.clock.advance(seconds: 31)
            #expect(try await restarted.runOnce() == 2)
            fixture.clock.advance(seconds: 61)
            #expect(try await restarted.runOnce() == 2)
            fixture.clock.advance(seconds: 3600)
            #expect(try await restarted.runOnce() == 0)
            let dead = try await reopened.webhookDeliveries(hook, state: .deadLetter, after: nil, limit: 10)
            #expect(dead.items.count == 2)
            #expect(dead.items.allSatisfy { $0.attempts == 3 && $0.lastStatus == 503 })
            #expect(try await reopened.webhookBacklog() == 0)
            try await restarted.shutdown()

            // The deliveries route shows the same.
            try await fixture.application().test(.router) { client in
                let response = try await client.execute(
                    uri: "/v1/webhooks/\(hook)/deliveries?state=deadLetter", method: .get,
                    headers: HTTPFixture.headers(fixture.adminToken, json: false))
                #expect(response.status == .ok)
                #expect(try response.decode(WebhookDeliveryList.self).items.count == 2)
                let all = try await client.execute(
                    uri: "/v1/webhooks/\(hook)/deliveries", method: .get,
                    headers: HTTPFixture.headers(fixture.adminToken, json: false))
                #expect(try all.decode(WebhookDeliveryList.self).items.count == 4)
            }
        }
    }
}
