import Foundation
import TapCore
import TapCrypto
import TapOIDC
import TapTestSupport
import Testing
import WebAuthn

/// The ID token checks of OpenID Connect Core §3.1.3.7, each refusal shown with a token that breaks exactly one
/// rule: signatures by RSA and P-256 keys, the algorithm allow-list (never `none`, never an HMAC keyed with the
/// public key), unknown keys, issuer, audience, authorized party, expiry, issue time, nonce, authentication age,
/// and the provider's word that a second factor was used.
@Suite("ID token verification")
struct IDTokenVerifierTests {
    static let issuer = "https://login.contoso.example/tenant"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Claims that pass every check; tests change one.
    static func claims(_ changes: [String: WebAuthn.JSONValue] = [:]) -> [String: WebAuthn.JSONValue] {
        var claims: [String: WebAuthn.JSONValue] = [
            "iss": .string(issuer), "aud": .string("tapstation"), "sub": .string("grace"),
            "preferred_username": .string("grace@contoso.example"), "nonce": .string("n-0S6_WzA2Mj"),
            "iat": .number(now.timeIntervalSince1970 - 10), "exp": .number(now.timeIntervalSince1970 + 600),
            "auth_time": .number(now.timeIntervalSince1970 - 30), "groups": .array([.string("tap-helpdesk")]),
        ]
        for (name, value) in changes { claims[name] = value }
        return claims
    }

    static var keySet: JSONWebKeySet {
        get throws {
            let p256 = TestKey.p256.ecCoordinates
            let json = """
                {"keys": [
                 {"kty": "RSA", "kid": "rsa-1", "use": "sig", "n": "\(Base64URL.encode(TestKey.rsa.rsaModulus))",
                  "e": "\(Base64URL.encode(TestKey.rsa.rsaExponent))"},
                 {"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": "\(Base64URL.encode(p256.x))",
                  "y": "\(Base64URL.encode(p256.y))"},
                 {"kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB"},
                 {"kty": "oct", "kid": "hmac-1", "k": "c2VjcmV0"}
                ]}
                """
            return try JSONWebKeySet(json: Array(json.utf8))
        }
    }

    /// A compact JWS of `claims` with `header`, signed by `key` (ECDSA as JWS wants it: r and s side by side).
    static func token(
        _ claims: [String: WebAuthn.JSONValue],
        header: [String: WebAuthn.JSONValue] = ["alg": "RS256", "kid": "rsa-1"],
        key: TestKey = TestKey.rsa, algorithm: SignatureAlgorithm = .rsaPKCS1SHA256
    ) -> String {
        let signingInput =
            Base64URL.encode(WebAuthn.JSONValue.object(header).serialized) + "."
            + Base64URL.encode(WebAuthn.JSONValue.object(claims).serialized)
        var signature = key.sign(Array(signingInput.utf8), as: algorithm)
        if algorithm == .ecdsaP256SHA256 { signature = rawSignature(der: signature, length: 32) }
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The r and s of a DER `Ecdsa-Sig-Value`, each left-padded to `length` bytes.
    static func rawSignature(der: [UInt8], length: Int) -> [UInt8] {
        var index = 2
        var out: [UInt8] = []
        for _ in 0..<2 {
            let count = Int(der[index + 1])
            let value = der[(index + 2)..<(index + 2 + count)].drop { $0 == 0 }
            out += [UInt8](repeating: 0, count: length - value.count) + value
            index += 2 + count
        }
        return out
    }

    static func expectation() -> IDTokenExpectation {
        IDTokenExpectation(issuer: issuer, clientID: "tapstation", nonce: "n-0S6_WzA2Mj", now: now)
    }

    static func refusal(
        _ token: String, _ expectation: IDTokenExpectation = expectation()
    ) throws -> IDTokenFailure.Reason? {
        let keys = try keySet
        do {
            _ = try IDTokenVerifier.verify(token, keys: keys, expecting: expectation)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func tokensSignedByTheProvidersRSAAndECKeysAreAccepted() throws {
        let rsa = try IDTokenVerifier.verify(
            Self.token(Self.claims()), keys: try Self.keySet, expecting: Self.expectation())
        #expect(rsa["preferred_username"]?.stringValue == "grace@contoso.example")
        let ec = Self.token(
            Self.claims(), header: ["alg": "ES256", "kid": "ec-1"], key: TestKey.p256, algorithm: .ecdsaP256SHA256)
        #expect(try Self.refusal(ec) == nil)
        let pss = Self.token(Self.claims(), header: ["alg": "PS256", "kid": "rsa-1"], algorithm: .rsaPSSSHA256)
        #expect(try Self.refusal(pss) == nil)
        // Several audiences are fine when azp names us.
        let shared = Self.token(Self.claims(["aud": .array(["tapstation", "other"]), "azp": "tapstation"]))
        #expect(try Self.refusal(shared) == nil)
    }

    @Test func noneAndHMACAreNeverAccepted() throws {
        let unsigned =
            Base64URL.encode(WebAuthn.JSONValue.object(["alg": "none"]).serialized) + "."
            + Base64URL.encode(WebAuthn.JSONValue.object(Self.claims()).serialized) + "."
        #expect(try Self.refusal(unsigned) == .algorithmNotAllowed)
        // The classic confusion: HS256 keyed with the provider's public key bytes.
        let input =
            Base64URL.encode(WebAuthn.JSONValue.object(["alg": "HS256", "kid": "rsa-1"]).serialized) + "."
            + Base64URL.encode(WebAuthn.JSONValue.object(Self.claims()).serialized)
        let mac = try Crypto.hmacSHA256(key: TestKey.rsa.rsaModulus, data: Array(input.utf8))
        #expect(try Self.refusal(input + "." + Base64URL.encode(mac)) == .algorithmNotAllowed)
        // An ES256 header over an RSA signature, and an RS256 header naming the EC key.
        let mixed = Self.token(Self.claims(), header: ["alg": "ES256", "kid": "ec-1"])
        #expect(try Self.refusal(mixed) == .badSignature)
        let wrongKey = Self.token(Self.claims(), header: ["alg": "RS256", "kid": "ec-1"])
        #expect(try Self.refusal(wrongKey) == .badSignature)
    }

    @Test func anUnknownKeyOrATamperedTokenIsRefused() throws {
        #expect(
            try Self.refusal(Self.token(Self.claims(), header: ["alg": "RS256", "kid": "rotated-away"])) == .unknownKey)
        let other = Self.token(Self.claims(), key: TestKey.rsaOther)
        #expect(try Self.refusal(other) == .badSignature)
        let parts = Self.token(Self.claims()).split(separator: ".").map(String.init)
        let forged = Base64URL.encode(WebAuthn.JSONValue.object(Self.claims(["sub": "mallory"])).serialized)
        #expect(try Self.refusal([parts[0], forged, parts[2]].joined(separator: ".")) == .badSignature)
        for garbage in ["", "a.b", "a.b.c.d", "!!.??.**", parts[0] + "." + parts[1]] {
            #expect(try Self.refusal(garbage) == .malformed || Self.refusal(garbage) == .badSignature)
        }
    }

    @Test func eachClaimRuleRefusesOnItsOwn() throws {
        let now = Self.now.timeIntervalSince1970
        let cases: [([String: WebAuthn.JSONValue], IDTokenFailure.Reason)] = [
            (["iss": "https://evil.example"], .wrongIssuer),
            (["aud": "someone-else"], .wrongAudience),
            (["aud": .array(["tapstation", "other"])], .wrongAuthorizedParty),
            (["azp": "other"], .wrongAuthorizedParty),
            (["exp": .number(now - 120)], .expired),
            (["exp": .string("tomorrow")], .expired),
            (["iat": .number(now + 600)], .issuedInTheFuture),
            (["nonce": "replayed-nonce"], .nonceMismatch),
            (["nonce": .null], .nonceMismatch),
        ]
        for (change, reason) in cases {
            #expect(try Self.refusal(Self.token(Self.claims(change))) == reason, "\(change)")
        }
    }

    @Test func authenticationAgeAndSecondFactorAreCheckedWhenAsked() throws {
        var expectation = Self.expectation()
        expectation.maximumAuthenticationAge = 300
        expectation.requiredAuthenticationMethods = ["mfa", "http://schemas.microsoft.com/claims/multipleauthn"]
        let old = Self.token(
            Self.claims(["auth_time": .number(Self.now.timeIntervalSince1970 - 3600), "amr": ["mfa"]]))
        #expect(try Self.refusal(old, expectation) == .authenticationTooOld)
        let passwordOnly = Self.token(Self.claims(["amr": ["pwd"]]))
        #expect(try Self.refusal(passwordOnly, expectation) == .mfaMissing)
        #expect(try Self.refusal(Self.token(Self.claims(["amr": ["pwd", "mfa"]])), expectation) == nil)
        let byLevel = Self.token(Self.claims(["acr": "http://schemas.microsoft.com/claims/multipleauthn"]))
        #expect(try Self.refusal(byLevel, expectation) == nil)
    }

    @Test func duplicateClaimNamesAreRefused() throws {
        let header = Base64URL.encode(Array(#"{"alg":"RS256","kid":"rsa-1"}"#.utf8))
        let payload = Base64URL.encode(
            Array(
                #"{"iss":"\#(Self.issuer)","aud":"tapstation","aud":"evil","exp":1800000600,"iat":1799999990,"nonce":"n-0S6_WzA2Mj"}"#
                    .utf8))
        let signature = TestKey.rsa.sign(Array((header + "." + payload).utf8))
        #expect(try Self.refusal(header + "." + payload + "." + Base64URL.encode(signature)) == .malformed)
    }

    @Test func theKeySetKeepsOnlySigningKeys() throws {
        let keys = try Self.keySet
        #expect(keys.keys.map(\.id) == ["rsa-1", "ec-1"])
        #expect(throws: IDTokenFailure.self) { try JSONWebKeySet(json: Array("{}".utf8)) }
    }

    @Test func claimMappingsReadRoleAndSite() throws {
        #expect(ClaimMapping("tap-helpdesk=helpdesk")?.role == .helpdesk)
        let sited = try #require(ClaimMapping("CN=Bench Leads,OU=Groups=admin@hel-1"))
        #expect(sited.claimValue == "CN=Bench Leads,OU=Groups" && sited.site?.value == "hel-1")
        #expect(ClaimMapping("x=kiosk") == nil)
        #expect(ClaimMapping("=admin") == nil)
        #expect(ClaimMapping("x=admin@not a site") == nil)
        var settings = OIDCSettings(
            issuer: Self.issuer, clientID: "tapstation", clientSecret: "s",
            redirectURI: "https://tap/console/sso/callback")
        settings.mappings = ["tap-admins=admin", "tap-helpdesk=helpdesk"].compactMap(ClaimMapping.init)
        let claims = WebAuthn.JSONValue.object(Self.claims())
        #expect(settings.mapping(for: claims)?.role == .helpdesk)
        #expect(settings.userPrincipalName(in: claims)?.value == "grace@contoso.example")
        #expect(settings.mapping(for: .object(Self.claims(["groups": .array([])]))) == nil)
    }
}

// Claims written as literals in these tests.
extension WebAuthn.JSONValue: ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: WebAuthn.JSONValue...) { self = .array(elements) }
}
