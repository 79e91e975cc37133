import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TapAPI
import TapCore

/// The kiosk's side of the HTTP API: each ``KioskCall`` as one request, and a session's event stream.
///
/// Every failure becomes a ``KioskFailure`` value, never a thrown error the terminal could show as a trace.
/// Each answer's `Date` header is handed to `observeDate`, so the countdown follows the server's clock.
public struct KioskClient: Sendable {
    /// The service's base URL without a trailing slash.
    public let base: String
    let token: String
    let http: HTTPClient
    let observeDate: @Sendable (String) -> Void

    /// The largest answer read (a lookup of many sessions stays far below).
    static let maximumBodyBytes = 4 * 1024 * 1024
    /// How long a call may take before the service counts as not answering.
    static let callTimeout = TimeAmount.seconds(15)

    /// Makes a client; `observeDate` receives every answer's `Date` header.
    public init(
        base: String, token: String, http: HTTPClient, observeDate: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.token = token
        self.http = http
        self.observeDate = observeDate
    }

    /// Carries out one call.
    public func perform(_ call: KioskCall) async -> KioskAnswer {
        do {
            switch call {
            case .whoAmI:
                return .operatorView(try await send("GET", "/v1/operators/me", as: OperatorView.self).value)
            case .policy:
                return .policy(try await send("GET", "/v1/policy", as: Policy.self).value)
            case .createSession(let request, let key):
                let (session, replayed) = try await send(
                    "POST", "/v1/sessions", body: request, idempotencyKey: key, as: SessionView.self)
                return .session(session, replayed: replayed)
            case .session(let id):
                return .session(
                    try await send("GET", "/v1/sessions/\(id.rawValue)", as: SessionView.self).value, replayed: false)
            case .findSessions(let search):
                let query: String
                switch search {
                case .serialNumber(let serial): query = "serialNumber=\(serial.value)"
                case .userPrincipalName(let user): query = "userPrincipalName=\(Self.percentEncoded(user.value))"
                }
                return .sessions(
                    try await send("GET", "/v1/sessions?\(query)&limit=20", as: SessionList.self).value.items.reversed()
                )
            case .reissuePass(let id, let key):
                return .session(
                    try await send(
                        "POST", "/v1/sessions/\(id.rawValue)/pass", body: [String: String](), idempotencyKey: key,
                        as: SessionView.self
                    ).value, replayed: false)
            case .cancelSession(let id):
                return .session(
                    try await send(
                        "POST", "/v1/sessions/\(id.rawValue)/cancel",
                        body: CancelRequest(reason: "cancelled at the kiosk"),
                        as: SessionView.self
                    ).value, replayed: false)
            }
        } catch let failure as KioskFailure {
            return .failure(failure)
        } catch {
            return .failure(.unreachable)
        }
    }

    /// Sends a request and decodes a 2xx answer; anything else throws a ``KioskFailure``.
    func send<Answer: Decodable>(
        _ method: String, _ path: String, body: (some Encodable)? = nil as String?, idempotencyKey: String? = nil,
        as: Answer.Type
    ) async throws -> (value: Answer, replayed: Bool) {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        if !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "application/json")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try WireJSON.encoder().encode(body)))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: Self.callTimeout)
            bytes = try await response.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            throw KioskFailure.unreachable
        }
        if let date = response.headers.first(name: "Date") { observeDate(date) }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            if let problem = try? WireJSON.decoder().decode(Problem.self, from: data) {
                throw KioskFailure.problem(status: problem.status, code: problem.code, detail: problem.detail)
            }
            throw KioskFailure.unexpected(status: Int(response.status.code))
        }
        guard let value = try? WireJSON.decoder().decode(Answer.self, from: data) else {
            throw KioskFailure.unexpected(status: Int(response.status.code))
        }
        return (value, response.headers.first(name: "Idempotent-Replayed")?.lowercased() == "true")
    }

    /// Follows a session's server-sent events until the stream ends, breaks, or the task is cancelled:
    /// `opened` once connected, then each event. Returns normally in every case; the caller decides what next.
    public func followEvents(
        of session: SessionID, lastEventID: String?, opened: @Sendable () async -> Void,
        event: @Sendable (ServerSentEvent) async -> Void
    ) async {
        var request = HTTPClientRequest(url: base + "/v1/sessions/\(session.rawValue)/events")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        do {
            let response = try await http.execute(request, timeout: Self.callTimeout)
            if let date = response.headers.first(name: "Date") { observeDate(date) }
            guard response.status == .ok,
                response.headers.first(name: "Content-Type")?.lowercased().hasPrefix("text/event-stream") == true
            else { return }
            await opened()
            var parser = EventStreamParser(lastEventID: lastEventID)
            for try await buffer in response.body {
                for parsed in parser.feed(buffer.readableBytesView) { await event(parsed) }
            }
        } catch {
            return  // broken or cancelled: the flow falls back to polling
        }
    }

    /// `text` safe inside a query value.
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension KioskClient {
    /// Exchanges a one-time enrolment code for the kiosk's operator token (`POST /v1/kiosk/enrol`).
    public static func enrol(base: String, code: String, http: HTTPClient) async -> Result<String, KioskFailure> {
        let client = KioskClient(base: base, token: "", http: http)
        do {
            let answer = try await client.send(
                "POST", "/v1/kiosk/enrol", body: KioskEnrolmentRequest(enrolmentCode: code),
                as: KioskEnrolmentResponse.self)
            return .success(answer.value.token)
        } catch let failure as KioskFailure {
            return .failure(failure)
        } catch {
            return .failure(.unreachable)
        }
    }
}
