import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TapCrypto
import WebAuthn

/// Why single sign-on did not complete, apart from the ID token's own checks.
public enum OIDCError: Error, Sendable, Equatable {
    /// The provider could not be reached, or answered what is not its protocol.
    case unavailable(String)
    /// The token endpoint refused the code (`error` and its description as the provider gave them).
    case refused(String)
    /// The ID token failed a check.
    case token(IDTokenFailure)
}

/// The organisation's OpenID provider as TapStation uses it: its discovery document, its signing keys (cached,
/// fetched again when a token names a key we do not hold, at most once a minute), the authorization request of
/// the code flow with PKCE, and the code's exchange for a verified ID token.
public actor OpenIDProvider {
    public let settings: OIDCSettings
    let http: HTTPClient
    let now: @Sendable () -> Date

    private var metadata: (authorization: String, token: String, keys: String)?
    private var keySet: JSONWebKeySet?
    private var keysFetchedAt: Date?
    /// How soon an unknown `kid` may make us fetch the key set again: a forged `kid` must not turn every
    /// sign-in attempt into a request to the provider.
    static let keyRefreshInterval: TimeInterval = 60

    public init(settings: OIDCSettings, http: HTTPClient, now: @escaping @Sendable () -> Date = Date.init) {
        self.settings = settings
        self.http = http
        self.now = now
    }

    /// The URL that starts a sign-in at the provider (authorization code flow, S256 PKCE).
    /// `freshWithin` (a step-up) asks the provider to authenticate the person again (`max_age`).
    public func authorizationURL(
        state: String, nonce: String, codeVerifier: String, freshWithin: Int? = nil
    ) async throws -> String {
        let endpoints = try await discovery()
        var items = [
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", settings.redirectURI),
            ("scope", (["openid"] + settings.scopes).joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", Self.codeChallenge(codeVerifier)), ("code_challenge_method", "S256"),
        ]
        if let age = freshWithin.map({ _ in 0 }) ?? settings.maximumAuthenticationAge.map({ Int($0) }) {
            items.append(("max_age", String(age)))
        }
        let query = items.map { "\(Self.formEncoded($0.0))=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        return endpoints.authorization + (endpoints.authorization.contains("?") ? "&" : "?") + query
    }

    /// Exchanges an authorization code for its ID token, and verifies the token; its claims.
    public func signIn(
        code: String, codeVerifier: String, nonce: String, freshWithin: Int? = nil
    ) async throws -> WebAuthn.JSONValue {
        let endpoints = try await discovery()
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", settings.redirectURI),
            ("code_verifier", codeVerifier),
        ]
        var request = HTTPClientRequest(url: endpoints.token)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let credentials = Self.formEncoded(settings.clientID) + ":" + Self.formEncoded(settings.clientSecret)
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        request.body = .bytes(
            ByteBuffer(
                string: form.map { "\(Self.formEncoded($0.0))=\(Self.formEncoded($0.1))" }.joined(separator: "&")))
        let (status, body) = try await fetch(request)
        guard let answer = try? StrictJSON.parse(body) else {
            throw OIDCError.unavailable("the token endpoint answered \(status.code) without JSON")
        }
        guard status == .ok, let idToken = answer["id_token"]?.stringValue else {
            let error = answer["error"]?.stringValue ?? "http_\(status.code)"
            throw OIDCError.refused(error)
        }
        return try await verify(idToken, nonce: nonce, freshWithin: freshWithin)
    }

    /// Verifies an ID token; a token signed by a key we do not hold yet makes us fetch the key set again once.
    public func verify(_ idToken: String, nonce: String, freshWithin: Int? = nil) async throws -> WebAuthn.JSONValue {
        var expectation = IDTokenExpectation(
            issuer: settings.issuer, clientID: settings.clientID, nonce: nonce, now: now())
        expectation.algorithms = settings.algorithms
        expectation.maximumAuthenticationAge = freshWithin.map(TimeInterval.init) ?? settings.maximumAuthenticationAge
        expectation.requiredAuthenticationMethods = settings.requiredAuthenticationMethods
        let keys = try await signingKeys(refresh: false)
        do {
            return try IDTokenVerifier.verify(idToken, keys: keys, expecting: expectation)
        } catch  where error.reason == .unknownKey {
            let fresh = try await signingKeys(refresh: true)
            do { return try IDTokenVerifier.verify(idToken, keys: fresh, expecting: expectation) } catch {
                throw OIDCError.token(error)
            }
        } catch {
            throw OIDCError.token(error)
        }
    }

    // MARK: Discovery and keys

    private func discovery() async throws -> (authorization: String, token: String, keys: String) {
        if let metadata { return metadata }
        let issuer = settings.issuer.hasSuffix("/") ? String(settings.issuer.dropLast()) : settings.issuer
        let (status, body) = try await fetch(HTTPClientRequest(url: issuer + "/.well-known/openid-configuration"))
        guard status == .ok, let document = try? StrictJSON.parse(body) else {
            throw OIDCError.unavailable("the discovery document answered \(status.code)")
        }
        // The issuer a document names must be the one configured (OpenID Connect Discovery §4.3).
        guard document["issuer"]?.stringValue == settings.issuer,
            let authorization = document["authorization_endpoint"]?.stringValue,
            let token = document["token_endpoint"]?.stringValue, let keys = document["jwks_uri"]?.stringValue
        else { throw OIDCError.unavailable("the discovery document does not describe issuer \(settings.issuer)") }
        let found = (authorization, token, keys)
        metadata = found
        return found
    }

    private func signingKeys(refresh: Bool) async throws -> JSONWebKeySet {
        if let keySet, !refresh { return keySet }
        if refresh, let keySet, let keysFetchedAt, now().timeIntervalSince(keysFetchedAt) < Self.keyRefreshInterval {
            return keySet
        }
        let (status, body) = try await fetch(HTTPClientRequest(url: try await discovery().keys))
        guard status == .ok else { throw OIDCError.unavailable("the key set answered \(status.code)") }
        let keys: JSONWebKeySet
        do { keys = try JSONWebKeySet(json: body) } catch { throw OIDCError.token(error) }
        keySet = keys
        keysFetchedAt = now()
        return keys
    }

    private func fetch(_ request: HTTPClientRequest) async throws -> (HTTPResponseStatus, [UInt8]) {
        do {
            let response = try await http.execute(request, timeout: TimeAmount(settings.requestTimeout))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (response.status, Array(body.readableBytesView))
        } catch let error as OIDCError {
            throw error
        } catch {
            throw OIDCError.unavailable("the provider could not be reached")
        }
    }

    // MARK: Encoding

    /// PKCE S256: base64url of the verifier's SHA-256 (RFC 7636 §4.2).
    static func codeChallenge(_ verifier: String) -> String {
        Base64URL.encode(HashFunction.sha256.hash(Array(verifier.utf8)))
    }

    private static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
