import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TapAPI
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// The address filter, one address form at a time, with a fixed resolver so that no test depends on DNS.
@Suite("Webhook addresses")
struct WebhookTargetTests {
    /// A resolver that knows a few names; every other host resolves to nothing.
    static func settings(_ names: [String: [String]] = [:], allowing allowed: [String] = []) -> WebhookSettings {
        var settings = WebhookSettings(
            allowedNetworks: allowed.compactMap(AddressBlock.init), insecureHTTPAllowed: !allowed.isEmpty)
        settings.resolve = { host in AddressBlock(host) != nil ? [host] : names[host] ?? [] }
        return settings
    }

    static func refusal(_ url: String, _ settings: WebhookSettings = settings()) -> String? {
        WebhookTarget.refusal(url, settings: settings)
    }

    @Test func anIPv6ZoneIdIsRefusedEvenWhereLinkLocalIsAllowListed() {
        let allowing = Self.settings(allowing: ["fe80::/10"])
        for url in ["https://[fe80::1%25eth0]/hook", "https://[fe80::1%eth0]/hook", "http://[fe80::1%25lo]:8080/hook"] {
            let refusal = Self.refusal(url, allowing)
            #expect(refusal != nil, "\(url)")
            let named = refusal?.contains("zone id") == true || refusal?.contains("absolute https URL") == true
            #expect(named, "\(url): \(refusal ?? "")")
        }
        // A name whose answer carries a scope cannot be judged, so it is refused.
        #expect(Self.refusal("https://hooks.example/x", Self.settings(["hooks.example": ["fe80::1%eth0"]])) != nil)
    }

    @Test func ipv6FormsThatCarryAnIPv4AddressAreRefused() {
        for url in [
            "https://[::10.0.0.1]/hook", "https://[::7f00:1]/hook", "https://[::192.0.2.10]/hook",  // IPv4-compatible
            // NAT64, well-known and local-use
            "https://[64:ff9b::a00:1]/hook", "https://[64:ff9b::192.0.2.10]/hook", "https://[64:ff9b:1::a00:1]/hook",
            "https://[2002:a00:1::1]/hook", "https://[2002:c000:20a::1]/hook",  // 6to4
            "https://192.88.99.1/hook",  // the 6to4 relay anycast
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  // Teredo
        ] {
            let refusal = Self.refusal(url)
            #expect(refusal?.contains("IPv4-embedding") == true, "\(url): \(refusal ?? "accepted")")
        }
        #expect(Self.refusal("https://192.0.2.10/hook") == nil)
        #expect(Self.refusal("https://[2001:db8::1]/hook") == nil)
    }

    @Test func everyAddressANameResolvesToIsCheckedAndTheCheckedOneIsUsed() {
        let names = [
            "public.example": ["198.51.100.7", "2001:db8::7"], "mixed.example": ["198.51.100.7", "64:ff9b::a00:1"],
            "compat.example": ["::10.0.0.1"], "sixtofour.example": ["2002:a00:1::1"],
        ]
        let settings = Self.settings(names)
        #expect(
            WebhookTarget.check("https://public.example/hook", settings: settings)
                == .allowed(WebhookTarget.Destination(host: "public.example", address: "198.51.100.7")))
        for url in ["https://mixed.example/hook", "https://compat.example/hook", "https://sixtofour.example/hook"] {
            #expect(Self.refusal(url, settings)?.contains("IPv4-embedding") == true, "\(url)")
        }
        #expect(Self.refusal("https://nowhere.example/hook", settings)?.contains("does not resolve") == true)
    }

    @Test func creatingAWebhookRefusesEachFormOnTheURLField() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            for url in [
                "https://[fe80::1%25eth0]/hook", "https://[::10.0.0.1]/hook", "https://[64:ff9b::a00:1]/hook",
                "https://[2002:a00:1::1]/hook", "https://192.88.99.1/hook",
            ] {
                let response = try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                    body: ByteBuffer(string: #"{"url": "\#(url)"}"#))
                #expect(response.status == .unprocessableContent, "\(url): \(response.status)")
                let problem = try response.decode(Problem.self)
                #expect(problem.code == "webhook_url_refused" && problem.field == "url", "\(url): \(response.text)")
            }
        }
    }
}

/// A receiver on 127.0.0.1 that keeps what it was sent, and can hold its answer until the test lets it go or
/// run something (a deletion) while a delivery is in flight.
final class HoldingReceiver: Sendable {
    let bodies = NIOLockedValueBox<[String]>([])
    let hosts = NIOLockedValueBox<[String]>([])
    let gate = Gate()
    let holds: Bool
    let onReceive: NIOLockedValueBox<(@Sendable () async throws -> Void)?> = NIOLockedValueBox(nil)

    init(holds: Bool = false) { self.holds = holds }

    var count: Int { bodies.withLockedValue { $0.count } }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            self.bodies.withLockedValue { $0.append(String(buffer: body)) }
            self.hosts.withLockedValue { $0.append(request.head.authority ?? "") }
            if let action = self.onReceive.withLockedValue({ $0 }) { try await action() }
            if self.holds { await self.gate.wait() }
            return Response(status: .ok)
        }
        return Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
    }
}

/// Opened once; every waiter, before or after, goes on.
final class Gate: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let goOn = state.withLockedValue { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if goOn { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLockedValue { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

extension WebhookTests {
    /// Registers a webhook in the store directly (no URL check: the sender's own check is what is tested).
    static func hook(_ fixture: HTTPFixture, _ url: String, site: SiteName? = nil) async throws -> WebhookID {
        try await fixture.store.createWebhook(
            url: url, eventTypes: [.sessionCreated], description: nil,
            secret: try WebhookSecrets.seal(secret, keyring: fixture.keyring), site: site,
            by: try await fixture.adminIdentity()
        ).id
    }

    static func session(_ fixture: HTTPFixture, _ user: String, site: String? = nil) async throws {
        _ = try await fixture.store.createSession(
            NewSession(
                scenario: .fido2Registration, userPrincipalName: UserPrincipalName("\(user)@contoso.example")!,
                site: site.map { SiteName($0)! }),
            by: try await fixture.adminIdentity())
    }

    static func sender(_ fixture: HTTPFixture, _ settings: WebhookSettings) -> WebhookSender {
        WebhookSender(
            store: fixture.store, keyring: fixture.keyring, world: fixture.world, settings: settings,
            logger: Logger(label: "test"))
    }

    /// Polls a condition that another task makes true, for at most `seconds`.
    static func within(seconds: Int, _ condition: @Sendable () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    @Test func aReceiverThatNeverAnswersDelaysNoOtherWebhook() async throws {
        var patient = Self.settings
        patient.requestTimeout = .seconds(60)  // far beyond the wait below: only concurrency can pass it
        let settings = patient
        let fixture = try await HTTPFixture(webhooks: settings)
        defer { fixture.cleanUp() }
        let hanging = HoldingReceiver(holds: true), prompt = HoldingReceiver()
        defer { hanging.gate.open() }
        try await hanging.application().test(.live) { hangingClient in
            try await prompt.application().test(.live) { promptClient in
                // The hanging webhook's delivery is queued first, so that one at a time it would go first.
                let slow = try await Self.hook(fixture, "http://127.0.0.1:\(try #require(hangingClient.port))/hook")
                try await Self.session(fixture, "first")
                try await fixture.store.fillWebhookOutbox()
                fixture.clock.advance(seconds: 1)
                let fast = try await Self.hook(fixture, "http://127.0.0.1:\(try #require(promptClient.port))/hook")
                try await Self.session(fixture, "second")

                let sender = Self.sender(fixture, settings)
                let cycle = Task { try await sender.runOnce() }
                let promptly = try await Self.within(seconds: 5) { prompt.count == 1 }
                #expect(promptly, "the answering receiver waited behind the hanging one")
                #expect(try await Self.within(seconds: 5) { hanging.count == 1 })
                hanging.gate.open()
                #expect(try await cycle.value == 3)
                #expect(hanging.count == 2 && prompt.count == 1)
                for hook in [slow, fast] {
                    let page = try await fixture.store.webhookDeliveries(hook, state: nil, after: nil, limit: 10)
                    #expect(page.items.allSatisfy { $0.state == .delivered })
                }
            }
        }
    }

    @Test func deletingAWebhookDropsTheDeliveriesItHadQueued() async throws {
        let fixture = try await HTTPFixture(webhooks: Self.settings)
        defer { fixture.cleanUp() }
        let receiver = HoldingReceiver()
        try await receiver.application().test(.live) { receiverClient in
            let hook = try await Self.hook(fixture, "http://127.0.0.1:\(try #require(receiverClient.port))/hook")
            for user in ["one", "two", "three"] { try await Self.session(fixture, user) }
            // The admin deletes the webhook while its first delivery is in flight and two more are queued.
            let admin = try await fixture.adminIdentity()
            let store = fixture.store
            receiver.onReceive.withLockedValue {
                $0 = { try await store.deleteWebhook(hook, by: admin) }
            }
            let sender = Self.sender(fixture, Self.settings)
            #expect(try await sender.runOnce() == 1)
            #expect(receiver.count == 1, "a deleted webhook's queued deliveries were still sent")
            let page = try await fixture.store.webhookDeliveries(hook, state: nil, after: nil, limit: 10)
            #expect(page.items.map(\.state) == [.cancelled, .cancelled, .cancelled])
            fixture.clock.advance(seconds: 3600)
            #expect(try await sender.runOnce() == 0)
        }
    }

    @Test func theSenderConnectsToTheAddressItChecked() async throws {
        let receiver = HoldingReceiver()
        try await receiver.application().test(.live) { receiverClient in
            let port = try #require(receiverClient.port)
            // A name only the sender's resolver knows: a client that resolved it again would find nothing.
            var pinned = Self.settings
            pinned.resolve = { host in host == "hooks.tapstation.test" ? ["127.0.0.1"] : [] }
            let settings = pinned
            let fixture = try await HTTPFixture(webhooks: settings)
            defer { fixture.cleanUp() }
            let named = try await Self.hook(fixture, "http://hooks.tapstation.test:\(port)/hook")
            try await Self.session(fixture, "named")
            let sender = Self.sender(fixture, settings)
            #expect(try await sender.runOnce() == 1)
            let page = try await fixture.store.webhookDeliveries(named, state: nil, after: nil, limit: 10)
            #expect(page.items.map(\.state) == [.delivered], "\(page.items.map { $0.lastError ?? "" })")
            let hosts = receiver.hosts.withLockedValue { $0 }
            #expect(hosts == ["hooks.tapstation.test:\(port)"], "the request still names the host")
        }
    }

    @Test func theSenderRefusesAZoneIdOrAnIPv4EmbeddingAddressAtSendTime() async throws {
        let fixture = try await HTTPFixture(webhooks: Self.settings)
        defer { fixture.cleanUp() }
        // Stored without the creation check, as a webhook registered before this filter would be.
        let zoned = try await Self.hook(fixture, "http://[fe80::1%25lo]:9/hook")
        let nat64 = try await Self.hook(fixture, "https://[64:ff9b::7f00:1]/hook")
        try await Self.session(fixture, "zoned")
        let sender = Self.sender(fixture, Self.settings)
        #expect(try await sender.runOnce() == 2)
        func lastError(_ hook: WebhookID) async throws -> String? {
            try await fixture.store.webhookDeliveries(hook, state: nil, after: nil, limit: 10).items.first?.lastError
        }
        let zonedError = try await lastError(zoned)
        #expect(zonedError?.contains("zone id") == true, "\(zonedError ?? "")")
        let nat64Error = try await lastError(nat64)
        #expect(nat64Error?.contains("IPv4-embedding") == true, "\(nat64Error ?? "")")
    }

    @Test func aSitesWebhookGetsOnlyThatSitesEvents() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let global = try await Self.hook(fixture, "https://192.0.2.10/all")
        let siteOne = try await Self.hook(fixture, "https://192.0.2.10/one", site: SiteName("site-1"))
        try await Self.session(fixture, "at-one", site: "site-1")
        try await Self.session(fixture, "at-two", site: "site-2")
        try await Self.session(fixture, "nowhere")
        #expect(try await fixture.store.fillWebhookOutbox() == 4)
        let all = try await fixture.store.webhookDeliveries(global, state: nil, after: nil, limit: 10).items
        let one = try await fixture.store.webhookDeliveries(siteOne, state: nil, after: nil, limit: 10).items
        #expect(all.count == 3)
        #expect(one.count == 1)
        let payload = Data(try #require(one.first).payload.utf8)
        let event = try WireJSON.decoder().decode(WebhookEventWire.self, from: payload)
        #expect(event.site == SiteName("site-1"))
        #expect(event.userPrincipalName == UserPrincipalName("at-one@contoso.example"))
    }
}
