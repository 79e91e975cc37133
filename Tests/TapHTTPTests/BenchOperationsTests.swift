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

@Suite("Batches over HTTP")
struct BatchHTTPTests {
    static func batchBody(_ count: Int, badPlatformAt bad: Int? = nil) -> String {
        let rows = (0..<count).map { index in
            #"{"scenario": "deviceEnrollment", "userPrincipalName": "cart\#(index)@contoso.example", "#
                + #""device": {"serialNumber": "CART-\#(index)", "platform": "\#(index == bad ? "toaster" : "ipados")"}, "#
                + #""pass": {"preset": "apple-ade"}}"#
        }
        return #"{"sessions": ["# + rows.joined(separator: ",") + "]}"
    }

    @Test func aBatchAnswers207PerRowAndAReplaySendsNoPass() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.token(.bench)
        try await fixture.application().test(.router) { client in
            let headers = HTTPFixture.headers(bench, extra: [.idempotencyKey: "cart-1"])
            let first = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers,
                body: ByteBuffer(string: Self.batchBody(5, badPlatformAt: 3)))
            #expect(first.status.code == 207)
            let answer = try first.decode(SessionBatchResponse.self)
            #expect(answer.items.map(\.index) == [0, 1, 2, 3, 4])
            #expect(answer.items.map(\.status) == [201, 201, 201, 400, 201])
            #expect(answer.items[3].problem?.code == "invalid_request")
            #expect(answer.items[3].problem?.field == "device.platform")
            #expect(answer.items.filter { $0.session?.pass?.temporaryAccessPass != nil }.count == 4)
            #expect(answer.items[0].session?.pass?.maxUses == 2, "the apple-ade preset")

            let retry = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers,
                body: ByteBuffer(string: Self.batchBody(5, badPlatformAt: 3)))
            #expect(retry.status.code == 207)
            #expect(retry.headers[.idempotentReplayed] == "true")
            let replayed = try retry.decode(SessionBatchResponse.self)
            #expect(replayed.items.map(\.status) == [201, 201, 201, 400, 201])
            #expect(replayed.items.allSatisfy { $0.session?.pass?.temporaryAccessPass == nil })
            #expect(replayed.items.map { $0.session?.id } == answer.items.map { $0.session?.id })
            #expect(!retry.text.contains(answer.items[0].session!.pass!.temporaryAccessPass!))

            let list = try await client.execute(
                uri: "/v1/sessions?limit=200", method: .get, headers: HTTPFixture.headers(bench, json: false))
            #expect(try list.decode(SessionList.self).items.count == 4)

            let other = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers, body: ByteBuffer(string: Self.batchBody(2)))
            #expect(other.status == .unprocessableContent)
            #expect(other.problemCode == "idempotency_conflict")
        }
    }

    @Test func batchesAreBoundedAndAKioskCannotSendOne() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.token(.bench)
        let kiosk = try await fixture.token(.kiosk)
        try await fixture.application().test(.router) { client in
            let tooMany = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: Self.batchBody(501)))
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.problemCode == "invalid_request")
            let empty = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: #"{"sessions": []}"#))
            #expect(empty.status == .badRequest)
            let full = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: Self.batchBody(500)))
            #expect(full.status.code == 207)
            #expect(try full.decode(SessionBatchResponse.self).items.filter { $0.status == 201 }.count == 500)
            let byKiosk = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(kiosk),
                body: ByteBuffer(string: Self.batchBody(1)))
            #expect(byKiosk.status == .forbidden)
        }
    }
}

@Suite("MDM check-in over HTTP")
struct MDMCheckInHTTPTests {
    @Test func anMDMTokenCompletesItsSitesDeviceBySerialAndNoOtherSites() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.token(.bench, site: "site-1")
        let mdm = try await fixture.token(.mdm, site: "site-1")
        let otherMDM = try await fixture.token(.mdm, site: "site-2")
        let kiosk = try await fixture.token(.kiosk, site: "site-1")
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            #expect(created.status == .created)
            let session = try created.decode(SessionView.self)
            let body = ByteBuffer(string: #"{"serialNumber": "c02xk1zzjg5h", "mdmDeviceId": "intune-7"}"#)
            let elsewhere = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(otherMDM), body: body)
            #expect(elsewhere.status == .notFound)
            let byKiosk = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(kiosk), body: body)
            #expect(byKiosk.status == .forbidden)
            let reported = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(mdm), body: body)
            #expect(reported.status == .ok)
            #expect(try reported.decode(RedeemedSession.self).state == .completed)
            let after = try await fixture.store.session(session.id, visibleTo: nil)
            #expect(after?.storedState == .completed)
            #expect(after?.device?.mdmDeviceID == "intune-7")
        }
    }
}

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

@Suite("Metrics")
struct MetricsTests {
    @Test func metricsNeedAMetricsTokenFromAfarAndCountWhatHappened() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let metricsToken = try await fixture.token(.metrics)
        let bench = try await fixture.token(.bench)
        try await fixture.application().test(.router) { client in
            _ = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            _ = try await client.execute(
                uri: "/v1/redeem", method: .post, headers: HTTPFixture.headers(nil),
                body: ByteBuffer(
                    string: #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "2222-3333-4444"}"#))
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .unauthorized, "the router test client is not on loopback")
            let byBench = try await client.execute(
                uri: "/metrics", method: .get, headers: HTTPFixture.headers(bench, json: false))
            #expect(byBench.status == .forbidden)
            let scraped = try await client.execute(
                uri: "/metrics", method: .get, headers: HTTPFixture.headers(metricsToken, json: false))
            #expect(scraped.status == .ok)
            let text = scraped.text
            #expect(text.contains(#"tapstation_sessions{state="active",scenario="deviceEnrollment"} 1"#))
            #expect(text.contains(#"tapstation_redeems_total{outcome="refused"} 1"#))
            #expect(text.contains(#"tapstation_request_duration_seconds_count{method="POST",route="/v1/sessions"} 1"#))
            #expect(text.contains("tapstation_sweeper_lag_seconds "))
            #expect(text.contains("tapstation_webhook_backlog 0"))
            #expect(text.contains("tapstation_lockouts_total 0"))
        }
    }

    @Test func aScraperOnLoopbackNeedsNoToken() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let proxied = try await client.execute(
                uri: "/metrics", method: .get, headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"])
            #expect(proxied.status == .unauthorized)
        }
    }
}

@Suite("The bench board")
struct BoardTests {
    @Test func aBoardTokenSignsInOnceAndTheBoardShowsItsSiteWithoutPasses() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let board = try await fixture.token(.board, site: "bench-1")
        let bench = try await fixture.token(.bench, site: "bench-1")
        let otherBench = try await fixture.token(.bench, site: "bench-2")
        let kiosk = try await fixture.token(.kiosk, site: "bench-1")
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            let pass = try #require(try created.decode(SessionView.self).pass?.temporaryAccessPass)
            _ = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(otherBench),
                body: ByteBuffer(
                    string: HTTPFixture.deviceSessionBody.replacingOccurrences(of: "C02XK1ZZJG5H", with: "ELSEWHERE-1"))
            )

            let form = try await client.execute(uri: "/board", method: .get)
            #expect(form.status == .ok)
            #expect(form.text.contains("<form method=\"post\" action=\"/board\""))
            let csp = try #require(form.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"))

            let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(
                uri: "/board", method: .post, headers: formHeaders, body: ByteBuffer(string: "token=\(kiosk)"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil, "only a board token signs the board in")
            let signedIn = try await client.execute(
                uri: "/board", method: .post, headers: formHeaders, body: ByteBuffer(string: "token=\(board)"))
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/board")
            let cookie = try #require(signedIn.headers[.setCookie])
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/board"] {
                #expect(cookie.contains(attribute))
            }
            let cookieHeader: HTTPFields = [.cookie: String(cookie.prefix { $0 != ";" })]

            let page = try await client.execute(uri: "/board", method: .get, headers: cookieHeader)
            #expect(page.text.contains("<tbody id=\"rows\">") && page.text.contains("bench-1"))
            #expect(page.text.contains("src=\"/board/board.js\""))
            let data = try await client.execute(uri: "/board/sessions", method: .get, headers: cookieHeader)
            #expect(data.status == .ok)
            #expect(data.text.contains("C02XK1ZZJG5H"))
            #expect(!data.text.contains("ELSEWHERE-1"), "another site's device")
            #expect(!data.text.contains(pass) && !data.text.contains(pass.replacingOccurrences(of: "-", with: "")))
            #expect(!data.text.contains("ada@contoso.example"), "only the name before the @")
            #expect(data.text.contains(#""lastStep":"pass.issued""#))
            let noCookie = try await client.execute(
                uri: "/board/sessions", method: .get, headers: HTTPFixture.headers(board, json: false))
            #expect(noCookie.status == .unauthorized, "a bearer header is not the board's way in")
            let script = try await client.execute(uri: "/board/board.js", method: .get)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(!script.text.contains("innerHTML"))
        }
    }
}
