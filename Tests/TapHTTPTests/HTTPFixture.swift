import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real application over a real SQLite file, with a fixed clock, and tokens for each role.
struct HTTPFixture {
    let directory: URL
    let clock: TestClock
    let store: EnrollmentStore
    let keyring: Keyring
    let world: World
    let adminToken: String
    let configuration: ServerConfiguration

    /// The identity of the operator `adminToken` stands for.
    func adminIdentity() async throws -> OperatorIdentity {
        try #require(try await store.operators().first { $0.identity.name == "admin" }).identity
    }

    /// Event streams end after `eventStreamLifetime`, short by default so that a test reading a whole
    /// response from a stream that would stay open (a site's, or an open session's) gets it.
    init(
        maximumBodyBytes: Int = 64 * 1024, redeemLimits: RedeemThrottle.Limits = RedeemThrottle.Limits(),
        eventStreamLifetime: Duration = .milliseconds(100), webhooks: WebhookSettings = WebhookSettings(),
        bodyTimeout: Duration = .seconds(30)
    ) async throws {
        directory = temporaryDirectory("http")
        clock = TestClock()
        keyring = testKeyring()
        world = testWorld(clock: clock)
        store = try EnrollmentStore(
            path: directory.appendingPathComponent("tapstation.sqlite").path, world: world, keyring: keyring)
        adminToken = try await store.createOperator(NewOperator(name: "admin", role: .admin), by: nil).1.value
        var configuration = ServerConfiguration(
            maximumBodyBytes: maximumBodyBytes, bodyTimeout: bodyTimeout, redeemLimits: redeemLimits,
            eventStreamLifetime: eventStreamLifetime)
        configuration.webhooks = webhooks
        self.configuration = configuration
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    func application(
        refusals: RefusalLedger = RefusalLedger(), facts: ServiceFacts = ServiceFacts(),
        metadata: LiveMetadata? = nil
    ) -> some ApplicationProtocol {
        let (router, _) = buildRouter(
            configuration: configuration, store: store, keyring: keyring, world: world, refusals: refusals,
            facts: facts, metadata: metadata)
        return Application(
            router: router, server: httpServer(configuration),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
    }

    /// A token for `role` at `site` (global roles ignore the site).
    func token(
        _ role: Role, site: String = "bench-1", expiresAt: Date? = nil, allowedSources: [String] = []
    ) async throws -> String {
        try await store.createOperator(
            NewOperator(
                name: "\(role)-\(site)", role: role, site: role.mayBeGlobal ? nil : SiteName(site),
                allowedSources: allowedSources,
                expiresAt: expiresAt),
            by: nil
        ).1.value
    }

    static func headers(_ token: String?, json: Bool = true, extra: HTTPFields = [:]) -> HTTPFields {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json { headers[.contentType] = "application/json" }
        return headers
    }

    static let deviceSessionBody = #"""
        {"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example",
         "device": {"serialNumber": "C02XK1ZZJG5H", "platform": "ipados", "model": "iPad (10th gen)"},
         "reason": "new starter", "pass": {"maxUses": 2}}
        """#
}

extension TestClientProtocol {
    /// Sends `method path` with `token` as bearer (none for `nil`) and an optional JSON body.
    func call(
        _ method: HTTPRequest.Method, _ path: String, _ token: String?, _ body: String? = nil
    ) async throws -> TestResponse {
        try await execute(
            uri: path, method: method, headers: HTTPFixture.headers(token), body: body.map { ByteBuffer(string: $0) })
    }

    /// `POST /v1/redeem` of `pass` for `user`, as a device sends it (no token).
    func redeem(_ pass: String, user: String = "ada@contoso.example") async throws -> TestResponse {
        try await call(
            .post, "/v1/redeem", nil, #"{"userPrincipalName": "\#(user)", "temporaryAccessPass": "\#(pass)"}"#)
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try WireJSON.decoder().decode(type, from: Data(buffer: body))
    }

    var problemCode: String? { (try? decode(Problem.self))?.code }
    var text: String { String(buffer: body) }
}

/// A plain HTTP client over loopback for tests that need many connections at once.
struct LoopbackClient {
    let port: Int
    let session: URLSession

    init(port: Int) {
        self.port = port
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        session = URLSession(configuration: configuration)
    }

    func send(_ method: String, _ path: String, token: String? = nil, body: String? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }
}
