import Foundation
import TapCrypto

/// A client secret: shown to nobody, in no log line, error or description.
public struct ClientSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String

    /// Wraps a secret.
    public init(_ value: String) { self.value = value }

    public var description: String { "<client secret>" }
    public var debugDescription: String { description }
}

/// How the app proves itself to the token endpoint.
public enum GraphCredential: Sendable, CustomStringConvertible {
    /// A client secret.
    case secret(ClientSecret)
    /// A certificate uploaded to the app registration and its private key: a client assertion JWT signed RS256.
    case certificate(key: SigningKey, certificate: Certificate)

    public var description: String {
        switch self {
        case .secret: "client secret"
        case .certificate: "certificate"
        }
    }
}

/// Where and how to reach Microsoft Graph, already validated.
public struct GraphConfiguration: Sendable {
    /// The directory (tenant) id or a verified domain.
    public var tenant: String
    /// The app registration's application (client) id.
    public var clientID: String
    public var credential: GraphCredential
    /// `https://login.microsoftonline.com` (national clouds and tests use another).
    public var authorityHost: URL
    /// `https://graph.microsoft.com` (national clouds and tests use another).
    public var graphHost: URL
    /// How long one HTTP call may take.
    public var requestTimeout: Duration
    /// Tries per call (the first plus retries) on 429, 502, 503, 504 and connection failures.
    public var maximumAttempts: Int
    /// The longest `Retry-After` honoured within one call; a longer one fails the call as throttled.
    public var maximumRetryAfter: Duration

    /// Makes a configuration with the documented defaults.
    public init(
        tenant: String, clientID: String, credential: GraphCredential,
        authorityHost: URL = URL(string: "https://login.microsoftonline.com")!,
        graphHost: URL = URL(string: "https://graph.microsoft.com")!, requestTimeout: Duration = .seconds(15),
        maximumAttempts: Int = 3, maximumRetryAfter: Duration = .seconds(30)
    ) {
        self.tenant = tenant
        self.clientID = clientID
        self.credential = credential
        self.authorityHost = authorityHost
        self.graphHost = graphHost
        self.requestTimeout = requestTimeout
        self.maximumAttempts = maximumAttempts
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    public var tokenURL: String {
        Self.trimmed(authorityHost) + "/" + GraphEncoding.pathSegment(tenant) + "/oauth2/v2.0/token"
    }

    /// `{graph}/.default`, the scope of an app-only token.
    public var scope: String { Self.trimmed(graphHost) + "/.default" }

    /// `url` without trailing slashes.
    public static func trimmed(_ url: URL) -> String {
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
