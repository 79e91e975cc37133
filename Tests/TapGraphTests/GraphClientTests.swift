import Foundation
import TapCore
import TapCrypto
import TapGraph
import TapGraphEmulator
import TapTestSupport
import Testing

@Suite("Graph client and token client")
struct GraphClientTests {
    @Test func filterValuesAreQuotedWithApostrophesDoubledAndSegmentsPercentEncoded() {
        #expect(GraphEncoding.odataString("O'Neil") == "'O''Neil'")
        #expect(GraphEncoding.equalsFilter("serialNumber", "A'B''C") == "serialNumber eq 'A''B''''C'")
        #expect(GraphEncoding.pathSegment("o'neil+it@contoso.example") == "o%27neil%2Bit%40contoso.example")
        #expect(GraphEncoding.pathSegment("../admin") == "..%2Fadmin")
        #expect(GraphEncoding.queryValue("serialNumber eq 'X'") == "serialNumber%20eq%20%27X%27")
    }

    @Test func aCertificateCredentialSignsAClientAssertionEntraAccepts() async throws {
        let key = TestKey.rsa
        let der = CertificateSpec(subject: [("2.5.4.3", "TapStation Graph client")]).issue(for: key)
        let certificate = try Certificate(derEncoded: der)
        let signingKey = try SigningKey(pem: key.privateKeyPEM)
        #expect(signingKey.matches(certificate))
        #expect(
            !signingKey.matches(
                try Certificate(
                    derEncoded: CertificateSpec(subject: [("2.5.4.3", "other")]).issue(for: TestKey.rsaOther))))
        #expect("\(signingKey)" == "<RSA private key>")

        let fixture = try await EntraFixture(credential: { emulator in
            emulator.acceptCertificate(certificate)
            return .certificate(key: signingKey, certificate: certificate)
        })
        let policy = try await fixture.graph.temporaryAccessPassPolicy()
        #expect(policy.limits.minimumLifetimeInMinutes == 60)
        #expect(fixture.emulator.tokensIssued == 1)

        // A certificate Entra does not know is refused, and the error says what the token endpoint said.
        let stranger = try Certificate(
            derEncoded: CertificateSpec(subject: [("2.5.4.3", "stranger")]).issue(for: TestKey.rsaOther))
        fixture.emulator.acceptCertificate(stranger)
        try fixture.restart(credential: .certificate(key: signingKey, certificate: certificate))
        await #expect(
            throws: GraphError.authentication(
                status: 401, code: "invalid_client",
                message: "AADSTS700027: Client assertion contains an invalid signature.")
        ) {
            _ = try await fixture.graph.temporaryAccessPassPolicy()
        }
        await fixture.cleanUp()
    }

    @Test func aWrongSecretIsReportedWithoutTheSecret() async throws {
        let fixture = try await EntraFixture()
        fixture.emulator.acceptSecret("another-secret")
        do {
            _ = try await fixture.graph.temporaryAccessPassPolicy()
            Issue.record("a wrong secret got a token")
        } catch let error as GraphError {
            #expect(
                error
                    == .authentication(
                        status: 401, code: "invalid_client", message: "AADSTS7000215: Invalid client secret provided."))
            #expect(!"\(error)".contains(fixture.secret))
            #expect(!String(reflecting: error).contains(fixture.secret))
        }
        #expect(!"\(GraphCredential.secret(ClientSecret(fixture.secret)))".contains(fixture.secret))
        #expect(!fixture.logLines.current.joined().contains(fixture.secret))
        await fixture.cleanUp()
    }

    @Test func readsAreRetriedOn503WithinTheBoundAndThenGiveUp() async throws {
        let fixture = try await EntraFixture()
        fixture.emulator.fail(.policy, status: 503, retryAfter: 2)
        _ = try await fixture.graph.temporaryAccessPassPolicy()
        #expect(fixture.sleeps.current == [.seconds(2)])

        fixture.emulator.fail(.policy, status: 503, count: 3)
        await #expect(throws: GraphError.unavailable("Graph answered 503")) {
            _ = try await fixture.graph.temporaryAccessPassPolicy()
        }
        #expect(fixture.emulator.requests.filter { $0.route == .policy }.count == 5)

        // A create is not retried on 503: Graph may have made the pass.
        fixture.emulator.fail(.tapCreate, status: 503)
        await #expect(throws: GraphError.unavailable("Graph answered 503")) {
            _ = try await fixture.graph.createTemporaryAccessPass(
                for: UserPrincipalName("ada@contoso.example")!, TemporaryAccessPassRequest(lifetimeInMinutes: 60))
        }
        #expect(fixture.emulator.requests.filter { $0.route == .tapCreate }.count == 1)
        await fixture.cleanUp()
    }

    @Test func aRetryAfterLongerThanTheBoundFailsAsThrottled() async throws {
        let fixture = try await EntraFixture()
        fixture.emulator.fail(.policy, status: 429, retryAfter: 120)
        await #expect(throws: GraphError.throttled(retryAfterSeconds: 120)) {
            _ = try await fixture.graph.temporaryAccessPassPolicy()
        }
        #expect(fixture.sleeps.current.isEmpty)
        await fixture.cleanUp()
    }

    @Test func theCreatedValueIsHiddenFromDescriptions() async throws {
        let fixture = try await EntraFixture()
        let created = try await fixture.graph.createTemporaryAccessPass(
            for: UserPrincipalName("ada@contoso.example")!,
            TemporaryAccessPassRequest(lifetimeInMinutes: 60, isUsableOnce: true))
        let value = try #require(created.temporaryAccessPass?.revealed)
        #expect(!"\(created)".contains(value))
        #expect(!String(reflecting: created.temporaryAccessPass!).contains(value))
        // Every later read shows null.
        let read = try await fixture.graph.temporaryAccessPass(
            of: UserPrincipalName("ada@contoso.example")!, id: created.id)
        #expect(read?.temporaryAccessPass == nil)
        #expect(read?.usability(is: "enabledbypolicy") == true)
        await fixture.cleanUp()
    }
}
