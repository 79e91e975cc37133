import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TapCrypto

/// Gets app-only tokens with the client-credentials grant, caches each until shortly before it expires, and
/// fetches a new one when Graph says the cached one is no longer good (at most once per call).
public actor TokenClient {
    let configuration: GraphConfiguration
    let http: HTTPClient
    let now: @Sendable () -> Date
    private var cached: (token: String, refreshAt: Date)?
    private var inFlight: Task<(String, Date), any Error>?

    /// A token client over `http`; `now` is the clock that ages cached tokens.
    public init(configuration: GraphConfiguration, http: HTTPClient, now: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.http = http
        self.now = now
    }

    /// A token that is good for a while yet.
    public func token() async throws -> String {
        if let cached, cached.refreshAt > now() { return cached.token }
        if let inFlight { return try await inFlight.value.0 }
        let task = Task { try await self.fetch() }
        inFlight = task
        defer { inFlight = nil }
        let (token, refreshAt) = try await task.value
        cached = (token, refreshAt)
        return token
    }

    /// Forgets `token` if it is the cached one (Graph answered 401 to it).
    public func invalidate(_ token: String) {
        if cached?.token == token { cached = nil }
    }

    private func fetch() async throws -> (String, Date) {
        let issuedAt = now()
        var form: [(String, String)] = [
            ("grant_type", "client_credentials"), ("client_id", configuration.clientID), ("scope", configuration.scope),
        ]
        switch configuration.credential {
        case .secret(let secret):
            form.append(("client_secret", secret.value))
        case .certificate(let key, let certificate):
            form.append(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
            form.append(
                (
                    "client_assertion",
                    try Self.clientAssertion(
                        configuration: configuration, key: key, certificate: certificate, now: issuedAt)
                ))
        }
        let body = form.map { "\(GraphEncoding.queryValue($0.0))=\(GraphEncoding.queryValue($0.1))" }.joined(
            separator: "&")
        var request = HTTPClientRequest(url: configuration.tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            (response, bytes) = try await GraphTransport.fetch(
                request, http: http, timeout: configuration.requestTimeout, limit: 1 << 20)
        } catch {
            throw GraphError.unavailable(
                "the token endpoint could not be reached (\(GraphTransport.transportReason(error)))")
        }
        let data = Data(bytes.readableBytesView)
        guard response.status == .ok else {
            if let refusal = try? JSONDecoder().decode(TokenErrorResponse.self, from: data) {
                // The first line of the description: it names the AADSTS error and never holds our secret.
                let line = refusal.errorDescription?.split(separator: "\n").first.map(String.init) ?? ""
                throw GraphError.authentication(
                    status: Int(response.status.code), code: refusal.error, message: String(line.prefix(300)))
            }
            if response.status.code >= 500 || response.status == .tooManyRequests {
                throw GraphError.unavailable("the token endpoint answered \(response.status.code)")
            }
            throw GraphError.authentication(
                status: Int(response.status.code), code: "unknown", message: "no OAuth error body")
        }
        guard let token = try? JSONDecoder().decode(TokenResponse.self, from: data), !token.accessToken.isEmpty else {
            throw GraphError.malformedResponse("token response without access_token and expires_in")
        }
        // Refresh five minutes early, or at half the lifetime for short-lived tokens.
        let margin = min(300, Double(token.expiresIn) / 2)
        return (token.accessToken, issuedAt.addingTimeInterval(Double(token.expiresIn) - margin))
    }

    /// The client assertion: a JWT signed RS256, with the certificate's SHA-1 thumbprint as `x5t`, as
    /// Microsoft's identity platform documents for certificate credentials.
    static func clientAssertion(
        configuration: GraphConfiguration, key: SigningKey, certificate: Certificate, now: Date
    ) throws -> String {
        let thumbprint = Base64URL.encode(try Crypto.sha1(certificate.derEncoded))
        let header: [String: Any] = ["alg": "RS256", "typ": "JWT", "x5t": thumbprint]
        let seconds = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = [
            "aud": configuration.tokenURL, "iss": configuration.clientID, "sub": configuration.clientID,
            "jti": UUID().uuidString, "nbf": seconds, "iat": seconds, "exp": seconds + 600,
        ]
        let encodedHeader = Base64URL.encode(
            Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])))
        let encodedClaims = Base64URL.encode(
            Array(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])))
        let signingInput = "\(encodedHeader).\(encodedClaims)"
        let signature = try key.signRS256(Array(signingInput.utf8))
        return "\(signingInput).\(Base64URL.encode(signature))"
    }
}

/// Base64url without padding (RFC 7515).
public enum Base64URL {
    /// Encodes bytes.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes text, with or without padding; `nil` if it is not base64url.
    public static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
