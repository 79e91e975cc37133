import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TapCrypto

/// A small Entra ID token endpoint and Microsoft Graph, written from the documented contract (issue 5), served
/// on loopback for tests. Tests read and advance its state directly: the users, their Temporary Access
/// Passes, Intune's managed devices, FIDO2 methods, the TAP policy; and they script faults: 401 token
/// expiry, 429 with `Retry-After`, 503, slow answers, Graph down.
///
/// Written in Swift on Hummingbird rather than Python: it runs inside the test process (no interpreter in
/// CI, no port files or start-up races), tests change its state through plain method calls instead of a
/// control API, and it checks client assertions with the same OpenSSL wrappers the client signs them with.
public final class GraphEmulator: @unchecked Sendable {
    // Sendable by hand: every mutable field is behind `lock`. The fields and `nextID()` the handlers in
    // GraphEmulatorRoutes.swift use are internal rather than private, for that file's sake.

    public let tenant: String
    public let clientID: String
    let lock = NIOLock()
    let now: @Sendable () -> Date
    var clientSecret: String?
    var certificate: Certificate?
    var tokens: [String: Date] = [:]
    private var users: Set<String> = []
    var usersOutsidePolicy: Set<String> = []
    var passes: [String: StoredPass] = [:]
    var devices: [[String: Any]] = []
    private var fido2: [String: [[String: Any]]] = [:]
    var faults: [Fault] = []
    var seen: [Seen] = []
    var glitches: [(route: Route, glitch: BatchGlitch, remaining: Int)] = []
    var storedDevicePageSize = 100
    var controlEnabled = false
    private var down = false
    var race: String?
    var delays: [Route: Duration] = [:]
    private var stalls: [Route: Duration] = [:]
    private var counter = 0
    var issuedTokens = 0
    /// What a second create does.
    public var flavour: OneTapFlavour {
        get { lock.withLock { storedFlavour } }
        set { lock.withLock { storedFlavour = newValue } }
    }
    var storedFlavour: OneTapFlavour = .replace
    /// Seconds a token lives.
    public var tokenLifetime: Int {
        get { lock.withLock { storedTokenLifetime } }
        set { lock.withLock { storedTokenLifetime = newValue } }
    }
    var storedTokenLifetime = 3599
    /// The TAP method policy Graph answers.
    public var policy: [String: Any] {
        get { lock.withLock { storedPolicy } }
        set { lock.withLock { storedPolicy = newValue } }
    }
    var storedPolicy: [String: Any] = [
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
        "id": "TemporaryAccessPass", "state": "enabled", "defaultLifetimeInMinutes": 60, "defaultLength": 8,
        "minimumLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480, "isUsableOnce": false,
    ]

    private var task: Task<Void, any Error>?
    /// `http://127.0.0.1:PORT`, the authority and Graph host both.
    public private(set) var baseURL = ""

    /// An emulator for one tenant and app; `now` is the clock its timestamps and token expiry use.
    public init(
        tenant: String = "contoso-tenant", clientID: String = "11111111-2222-3333-4444-555555555555",
        now: @escaping @Sendable () -> Date
    ) {
        self.tenant = tenant
        self.clientID = clientID
        self.now = now
    }

    // MARK: Running

    /// Starts serving on a free loopback port.
    public func start() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in try await self.respond(request) }
        let app = Application(
            responder: responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: {
                var logger = Logger(label: "graph-emulator"); logger.logLevel = .critical; return logger
            }())
        task = Task { try await app.runService() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// Stops serving.
    public func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }

    // MARK: State the tests set and advance

    /// Accepts this client secret at the token endpoint.
    public func acceptSecret(_ secret: String) { lock.withLock { clientSecret = secret } }

    /// Accepts client assertions signed by this certificate's key.
    public func acceptCertificate(_ certificate: Certificate) { lock.withLock { self.certificate = certificate } }

    /// A user Graph knows (anyone else is 404).
    public func addUser(_ userPrincipalName: String, inPolicyScope: Bool = true) {
        lock.withLock {
            users.insert(userPrincipalName.lowercased())
            if !inPolicyScope { usersOutsidePolicy.insert(userPrincipalName.lowercased()) }
        }
    }

    /// A pass made in Entra by someone else (an admin in the portal).
    @discardableResult
    public func addPass(for userPrincipalName: String, createdAt: Date? = nil) -> String {
        lock.withLock {
            let id = nextID()
            passes[userPrincipalName.lowercased()] = StoredPass(
                id: id, value: "Portal!\(id.prefix(4))", createdAt: createdAt ?? now(), startAt: createdAt ?? now(),
                lifetimeInMinutes: 60, isUsableOnce: false, used: false)
            return id
        }
    }

    /// The next create for this user finds a pass made in the portal a moment earlier (after our list).
    public func raceNextCreate(for userPrincipalName: String) {
        lock.withLock { race = userPrincipalName.lowercased() }
    }

    /// The user's pass, if any.
    public func pass(of userPrincipalName: String) -> StoredPass? {
        lock.withLock { passes[userPrincipalName.lowercased()] }
    }

    /// The user signs in with their one-time pass.
    public func usePass(of userPrincipalName: String) {
        lock.withLock { passes[userPrincipalName.lowercased()]?.used = true }
    }

    /// Intune gets a device record.
    public func addManagedDevice(
        serialNumber: String, enrolledAt: Date, userPrincipalName: String?, complianceState: String = "compliant"
    ) {
        lock.withLock {
            var device: [String: Any] = [
                "id": nextID(), "serialNumber": serialNumber, "enrolledDateTime": Self.format(enrolledAt),
                "complianceState": complianceState, "deviceEnrollmentType": "appleBulkWithUser",
                "deviceRegistrationState": "registered", "azureADDeviceId": nextID(),
                "lastSyncDateTime": Self.format(enrolledAt),
            ]
            device["userPrincipalName"] = userPrincipalName ?? NSNull()
            devices.append(device)
        }
    }

    /// The user registers a FIDO2 key at Microsoft.
    public func addFido2Method(for userPrincipalName: String, createdAt: Date, model: String = "YubiKey 5 NFC") {
        lock.withLock {
            fido2[userPrincipalName.lowercased(), default: []].append([
                "id": nextID(), "createdDateTime": Self.format(createdAt),
                "aaGuid": "cb69481e-8ff7-4039-93ec-0a2729a154a8",
                "model": model, "attestationLevel": "attested", "displayName": model,
            ])
        }
    }

    /// Every token issued so far stops working (Graph answers 401 to it).
    public func expireAllTokens() { lock.withLock { tokens.removeAll() } }

    /// The next `count` calls of `route` answer `status` (with `Retry-After` when given).
    public func fail(_ route: Route, status: Int, retryAfter: Int? = nil, count: Int = 1) {
        lock.withLock { faults.append(Fault(route: route, status: status, retryAfter: retryAfter, remaining: count)) }
    }

    /// Graph (not the token endpoint) answers 503 to everything while down.
    public func setDown(_ isDown: Bool) { lock.withLock { down = isDown } }

    /// Answers to `route` are held this long after the work is done (a slow Graph that still acts).
    public func setDelay(_ duration: Duration, for route: Route = .any) { lock.withLock { delays[route] = duration } }

    /// Answers to `route` send their head at once and their body this much later (a connection that stalls
    /// half-way through an answer).
    public func setBodyStall(_ duration: Duration, for route: Route = .any) {
        lock.withLock { stalls[route] = duration }
    }

    /// The requests seen so far.
    public var requests: [Seen] { lock.withLock { seen } }

    /// How many tokens the token endpoint issued.
    public var tokensIssued: Int { lock.withLock { issuedTokens } }

    // MARK: Serving

    /// The next scripted fault for `route` (or for any route, when `orAny`), counted off; call under `lock`.
    func takeFault(for route: Route, orAny: Bool) -> Fault? {
        guard
            let index = faults.firstIndex(where: {
                ($0.route == route || (orAny && $0.route == .any)) && $0.remaining > 0
            })
        else { return nil }
        faults[index].remaining -= 1
        let hit = faults[index]
        if faults[index].remaining == 0 { faults.remove(at: index) }
        return hit
    }

    func nextID() -> String {
        counter += 1
        return String(format: "00000000-0000-4000-8000-%012d", counter)
    }

    private func respond(_ request: Request) async throws -> Response {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
        let target = request.head.path ?? "/"
        let method = request.method.rawValue
        let (path, query) = Self.split(target)
        if path.first == "_emulator", lock.withLock({ controlEnabled }) {
            return control(method: method, path: path, body: body).response
        }
        let route = Self.route(method: method, segments: path)
        let (fault, wait, stall, isDown) = lock.withLock { () -> (Fault?, Duration, Duration, Bool) in
            seen.append(
                Seen(
                    method: method, target: target, route: route, at: now(), body: route == .token ? "" : body,
                    batched: false))
            let hit = takeFault(for: route, orAny: true)
            return (
                hit, delays[route] ?? delays[.any] ?? .zero, stalls[route] ?? stalls[.any] ?? .zero,
                down && route != .token
            )
        }
        var response = try await answer(
            authorization: request.headers[.authorization], route: route, method: method, path: path, query: query,
            body: body, fault: fault, isDown: isDown
        ).response
        if wait > .zero { try await Task.sleep(for: wait) }
        if stall > .zero {
            let held = response.body
            response.body = ResponseBody(contentLength: held.contentLength) { writer in
                try await Task.sleep(for: stall)
                try await held.write(writer)
            }
        }
        return response
    }

    func answer(
        authorization: String?, route: Route, method: String, path: [String], query: [String: String], body: String,
        fault: Fault?, isDown: Bool
    ) async throws -> Answer {
        if let fault {
            var headers: [String: String] = [:]
            if let retryAfter = fault.retryAfter { headers["Retry-After"] = String(retryAfter) }
            let code =
                fault.status == 429
                ? "TooManyRequests" : fault.status == 503 ? "serviceNotAvailable" : "generalException"
            return Self.graphError(fault.status, code, "scripted fault", headers: headers)
        }
        if isDown { return Self.graphError(503, "serviceNotAvailable", "The service is temporarily unavailable.") }
        if route == .token { return token(path: path, form: Self.form(body)) }
        guard let authorization, authorization.hasPrefix("Bearer "),
            lock.withLock({ tokens[String(authorization.dropFirst(7))].map { $0 > now() } ?? false })
        else {
            return Self.graphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        }
        switch route {
        case .policy: return lock.withLock { Self.json(200, storedPolicy) }
        case .managedDevices: return managedDevices(query: query)
        case .fido2Methods: return withUser(path[2]) { user in Self.json(200, ["value": fido2[user] ?? []]) }
        case .tapList:
            return withUser(path[2]) { user in
                Self.json(200, ["value": passes[user].map { [view($0, withValue: false)] } ?? []])
            }
        case .tapGet:
            return withUser(path[2]) { user in
                guard let pass = passes[user], pass.id == path[5] else {
                    return Self.graphError(404, "itemNotFound", "The requested resource does not exist.")
                }
                return Self.json(200, view(pass, withValue: false))
            }
        case .tapDelete:
            return withUser(path[2]) { user in
                guard let pass = passes[user], pass.id == path[5] else {
                    return Self.graphError(404, "itemNotFound", "The requested resource does not exist.")
                }
                passes[user] = nil
                return Answer(status: 204, object: nil)
            }
        case .tapCreate: return withUser(path[2]) { user in create(user: user, body: body) }
        case .batch: return try await batch(authorization: authorization, body: body)
        default: return Self.graphError(400, "BadRequest", "Resource not found for the segment.")
        }
    }

    /// Runs `body` under the lock with the decoded, lower-cased user, or answers 404 for an unknown user.
    private func withUser(_ segment: String, _ body: (String) -> Answer) -> Answer {
        guard let decoded = segment.removingPercentEncoding?.lowercased() else {
            return Self.graphError(400, "BadRequest", "Invalid user id.")
        }
        return lock.withLock {
            guard users.contains(decoded) else {
                return Self.graphError(404, "Request_ResourceNotFound", "Resource '\(decoded)' does not exist.")
            }
            return body(decoded)
        }
    }
}
