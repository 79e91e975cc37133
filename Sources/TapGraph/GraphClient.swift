import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TapCore

/// The Microsoft Graph calls TapStation makes, typed. Every call has a timeout, is retried a bounded number
/// of times on 429 / 502 / 503 / 504 (honouring `Retry-After`) and, when Graph answers 401, once more with a
/// freshly fetched token. User ids and serials arrive as grammar-checked values and leave percent-encoded.
public struct GraphClient: Sendable {
    let transport: GraphTransport

    /// A client over `http`, with `tokens` for authorization; `sleep` waits between retries (tests record it).
    public init(
        configuration: GraphConfiguration, http: HTTPClient, tokens: TokenClient, logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        transport = GraphTransport(
            configuration: configuration, http: http, tokens: tokens, logger: logger, sleep: sleep)
    }

    private static func tapPath(_ user: UserPrincipalName, method id: String? = nil) -> String {
        "/v1.0" + relativeTapPath(user, method: id)
    }

    /// The user's Temporary Access Passes (Entra keeps at most one).
    public func temporaryAccessPasses(of user: UserPrincipalName) async throws -> [TemporaryAccessPassMethod] {
        try await transport.list(TemporaryAccessPassMethod.self, path: Self.tapPath(user))
    }

    /// One of the user's Temporary Access Passes; `nil` if it is gone.
    public func temporaryAccessPass(of user: UserPrincipalName, id: String) async throws -> TemporaryAccessPassMethod? {
        do {
            return try await transport.decode(
                TemporaryAccessPassMethod.self, .GET, path: Self.tapPath(user, method: id))
        } catch GraphError.refused(404, _, _) {
            return nil
        }
    }

    /// Creates a Temporary Access Pass; the answer holds its value, the only time Graph shows it. Not retried
    /// except on 429 (a timed-out create may have happened: reconciliation finds it).
    public func createTemporaryAccessPass(
        for user: UserPrincipalName, _ request: TemporaryAccessPassRequest
    ) async throws -> TemporaryAccessPassMethod {
        let body = try GraphJSON.encoder().encode(request)
        return try await transport.decode(
            TemporaryAccessPassMethod.self, .POST, path: Self.tapPath(user), body: body, idempotent: false,
            expecting: [.created, .ok])
    }

    /// Deletes a Temporary Access Pass: `true` when Graph deleted it, `false` when it was already gone.
    @discardableResult
    public func deleteTemporaryAccessPass(of user: UserPrincipalName, id: String) async throws -> Bool {
        do {
            _ = try await transport.send(
                .DELETE, path: Self.tapPath(user, method: id), expecting: [.noContent, .ok])
            return true
        } catch GraphError.refused(404, _, _) {
            return false
        }
    }

    /// Intune's records of devices with this serial number.
    public func managedDevices(serialNumber: SerialNumber) async throws -> [ManagedDevice] {
        let filter = GraphEncoding.equalsFilter("serialNumber", serialNumber.value)
        return try await transport.list(
            ManagedDevice.self, path: "/v1.0/deviceManagement/managedDevices",
            query: [("$filter", filter), ("$select", Self.devicePropertyList)])
    }

    /// The user's FIDO2 security keys registered at Microsoft.
    public func fido2Methods(of user: UserPrincipalName) async throws -> [Fido2Method] {
        try await transport.list(
            Fido2Method.self, path: "/v1.0/users/\(GraphEncoding.pathSegment(user.value))/authentication/fido2Methods")
    }

    /// The tenant's Temporary Access Pass policy.
    public func temporaryAccessPassPolicy() async throws -> TemporaryAccessPassPolicy {
        try await transport.decode(
            TemporaryAccessPassPolicy.self, .GET,
            path: "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass")
    }
}

/// HTTP to Graph: authorization, timeouts, bounded retries, error bodies.
struct GraphTransport: Sendable {
    let configuration: GraphConfiguration
    let http: HTTPClient
    let tokens: TokenClient
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void

    /// At most this many pages of a list are followed.
    static let maximumPages = 10

    func list<Item: Decodable>(_: Item.Type, path: String, query: [(String, String)] = []) async throws -> [Item] {
        try await list(Item.self, from: urlString(path: path, query: query))
    }

    /// Every item from `start` on, following next links (to Graph only) for at most `maximumPages` pages.
    func list<Item: Decodable>(_: Item.Type, from start: String, pages: Int = maximumPages) async throws -> [Item] {
        var items: [Item] = []
        var url = start
        for _ in 0..<pages {
            let page = try await decode(GraphCollection<Item>.self, .GET, url: url)
            items += page.value
            // Follow a next link only to Graph itself: the token must not travel anywhere else.
            guard let next = page.nextLink, next.hasPrefix(GraphConfiguration.trimmed(configuration.graphHost) + "/")
            else {
                return items
            }
            url = next
        }
        return items
    }

    func decode<T: Decodable>(
        _: T.Type, _ method: HTTPMethod, path: String, body: Data? = nil, idempotent: Bool = true,
        expecting: Set<HTTPResponseStatus> = [.ok]
    ) async throws -> T {
        try await decode(
            T.self, method, url: urlString(path: path, query: []), body: body, idempotent: idempotent,
            expecting: expecting)
    }

    func decode<T: Decodable>(
        _: T.Type, _ method: HTTPMethod, url: String, body: Data? = nil, idempotent: Bool = true,
        expecting: Set<HTTPResponseStatus> = [.ok]
    ) async throws -> T {
        let data = try await send(method, url: url, body: body, idempotent: idempotent, expecting: expecting)
        return try GraphJSON.decoded(T.self, from: data).get()
    }

    func send(
        _ method: HTTPMethod, path: String, body: Data? = nil, idempotent: Bool = true,
        expecting: Set<HTTPResponseStatus>
    ) async throws -> Data {
        try await send(
            method, url: urlString(path: path, query: []), body: body, idempotent: idempotent, expecting: expecting)
    }

    func urlString(path: String, query: [(String, String)]) -> String {
        let base = GraphConfiguration.trimmed(configuration.graphHost) + path
        guard !query.isEmpty else { return base }
        return base + "?" + query.map { "\($0.0)=\(GraphEncoding.queryValue($0.1))" }.joined(separator: "&")
    }

    /// One call with its retries. Non-idempotent calls (the create) are retried only on 429, which Graph
    /// answers before doing anything.
    func send(
        _ method: HTTPMethod, url: String, body: Data?, idempotent: Bool, expecting: Set<HTTPResponseStatus>
    ) async throws -> Data {
        var refreshedToken = false
        var attempt = 0
        let operation = "\(method.rawValue) \(Self.route(of: url))"
        while true {
            attempt += 1
            let token = try await tokens.token()
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response: HTTPClientResponse
            let data: Data
            do {
                let answer = try await Self.fetch(
                    request, http: http, timeout: configuration.requestTimeout, limit: 4 << 20)
                response = answer.response
                data = Data(answer.body.readableBytesView)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let reason = Self.transportReason(error)
                logger.debug(
                    "graph.call.failed",
                    metadata: [
                        "graph.operation": "\(operation)", "graph.reason": "\(reason)", "graph.attempt": "\(attempt)",
                    ])
                guard idempotent, attempt < configuration.maximumAttempts else { throw GraphError.unavailable(reason) }
                try await sleep(Self.backoff(attempt: attempt))
                continue
            }
            let status = response.status
            if expecting.contains(status) { return data }
            let retryAfter = response.headers.first(name: "Retry-After").flatMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            logger.debug(
                "graph.call.refused",
                metadata: [
                    "graph.operation": "\(operation)", "http.status": "\(status.code)", "graph.attempt": "\(attempt)",
                ])
            switch status.code {
            case 401 where !refreshedToken:
                // The token expired or was revoked early: fetch a new one, once.
                refreshedToken = true
                await tokens.invalidate(token)
                attempt -= 1
                continue
            case 429:
                let wait = retryAfter.map { Duration.seconds($0) } ?? Self.backoff(attempt: attempt)
                guard attempt < configuration.maximumAttempts, wait <= configuration.maximumRetryAfter else {
                    throw GraphError.throttled(
                        retryAfterSeconds: retryAfter ?? Int(Self.backoff(attempt: attempt).components.seconds))
                }
                try await sleep(wait)
                continue
            case 502, 503, 504:
                guard idempotent, attempt < configuration.maximumAttempts else {
                    throw GraphError.unavailable("Graph answered \(status.code)")
                }
                let wait = retryAfter.map { Duration.seconds($0) } ?? Self.backoff(attempt: attempt)
                try await sleep(min(wait, configuration.maximumRetryAfter))
                continue
            default:
                throw Self.failure(status: Int(status.code), body: data)
            }
        }
    }

    /// Sends `request` and reads its body, both within one `timeout`. AsyncHTTPClient's own deadline ends
    /// when the response head arrives, so a server that answered the head and then stalled the body held the
    /// call, and the watcher's one loop with it, for ever. Past the timeout the request is cancelled and the
    /// call fails as `HTTPClientError.deadlineExceeded` ("timed out").
    static func fetch(
        _ request: HTTPClientRequest, http: HTTPClient, timeout: Duration, limit: Int
    ) async throws -> (response: HTTPClientResponse, body: ByteBuffer) {
        try await withThrowingTaskGroup(of: (response: HTTPClientResponse, body: ByteBuffer)?.self) { group in
            group.addTask {
                let response = try await http.execute(request, timeout: TimeAmount(timeout))
                return (response, try await response.body.collect(upTo: limit))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            // Whichever ends first decides; the other is cancelled (a cancelled body read cancels the request).
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else { throw HTTPClientError.deadlineExceeded }
            return answer
        }
    }

    /// An error status as the caller is told: 5xx is Graph unavailable; anything else is a refusal with Graph's
    /// own code and message (cut to 300 characters), or the status's reason phrase when the body has none.
    static func failure(status: Int, body: Data) -> GraphError {
        if status >= 500 { return .unavailable("Graph answered \(status)") }
        let parsed = try? JSONDecoder().decode(GraphErrorBody.self, from: body)
        return .refused(
            status: status, code: parsed?.error.code ?? "unknown",
            message: String((parsed?.error.message ?? HTTPResponseStatus(statusCode: status).reasonPhrase).prefix(300)))
    }

    /// 1 s, 2 s, 4 s ... at most 30 s.
    static func backoff(attempt: Int) -> Duration { .seconds(min(30, 1 << min(attempt - 1, 5))) }

    /// A transport failure in words, without the URL (it can hold a user principal name).
    static func transportReason(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "connection closed"
            default: return "connection failed"
            }
        }
        return "connection failed (\(type(of: error)))"
    }

    /// The path of a URL with user ids replaced, for log lines.
    static func route(of url: String) -> String {
        guard let components = URLComponents(string: url) else { return "?" }
        let segments = components.percentEncodedPath.split(separator: "/")
        var redacted: [Substring] = []
        for (index, segment) in segments.enumerated() {
            redacted.append(index > 0 && segments[index - 1] == "users" ? "{user}" : segment)
        }
        return "/" + redacted.joined(separator: "/")
    }
}
