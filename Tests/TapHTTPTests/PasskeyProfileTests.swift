import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapCrypto
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// Passkey profiles through the FIDO2 ceremony over HTTP: each rule refuses a key with its own
/// `webauthn_<reason>`, with FIDO metadata the test signs itself (test models 0-7; even ones certified L2, odd
/// ones L1 with an update available; model 5 revoked).
@Suite("Passkey profiles over HTTP")
struct PasskeyProfileTests {
    static let aaguid = TestMetadataBLOB.aaguid

    /// Models 0-7 as FIDO would list them, model 5 with `status` as its newest report.
    static func blob(no: Int, revoked status: String = "REVOKED") -> [UInt8] {
        var entries = (0..<8).map(TestMetadataBLOB.entry)
        var reports = entries[5]["statusReports"] as! [[String: Any]]
        reports.append(["status": status, "effectiveDate": "2026-01-10"])
        entries[5]["statusReports"] = reports
        return TestMetadataBLOB.blob(TestMetadataBLOB.payload(no: no, entries: entries))
    }

    /// Imports `bytes` into the fixture's store as `tapstation mds import` does; the keys it flagged or cleared.
    @discardableResult
    static func importBLOB(_ bytes: [UInt8], _ fixture: HTTPFixture) async throws -> [KeyStatusChange] {
        let outcome = try await MetadataImport.run(
            bytes, roots: [try Certificate(derEncoded: TestMetadataBLOB.root)], revocations: [], source: "test",
            by: "test", store: fixture.store,
            now: fixture.clock.now)
        guard case .accepted(_, let keys) = outcome else {
            Issue.record("the BLOB was not put in force")
            return []
        }
        return keys
    }

    /// A fixture whose service judges keys with the test BLOB (no 1) in force.
    static func fixture() async throws -> (HTTPFixture, LiveMetadata) {
        let fixture = try await HTTPFixture()
        try await importBLOB(blob(no: 1), fixture)
        let live = LiveMetadata(configuredAnchors: fixture.configuration.webAuthn.attestationPolicy.anchors)
        try await live.refresh(from: fixture.store, logger: .init(label: "test"))
        return (fixture, live)
    }

    /// An authenticator of test model `model` with a packed attestation under the model's root (`proven`), or
    /// under another root, or with `none` attestation.
    static func key(model: Int, attestation: Attestation = .proven) -> SoftAuthenticator {
        let authenticator = SoftAuthenticator()
        authenticator.aaguid = TestMetadataBLOB.aaguidBytes(aaguid(model))
        switch attestation {
        case .proven: authenticator.attestation = TestMetadataBLOB.attestation(aaguid: aaguid(model))
        case .foreignRoot:
            authenticator.attestation = TestMetadataBLOB.attestation(
                aaguid: aaguid(model), root: (TestPKI.attackerRoot, TestPKI.attackerKey))
        case .none: break
        }
        return authenticator
    }

    enum Attestation { case proven, foreignRoot, none }

    /// Sets the default passkey profile to `profile` (JSON), starts a key registration session and answers its
    /// options with `authenticator` (registration flags `flags`): the answer.
    static func register(
        _ authenticator: SoftAuthenticator, profile: String, flags: UInt8 = 0x45, _ client: some TestClientProtocol,
        _ fixture: HTTPFixture, user: String = "ada@contoso.example"
    ) async throws -> TestResponse {
        let patched = try await client.call(
            .patch, "/v1/policy", fixture.adminToken, #"{"defaults": {"passkeys": \#(profile)}}"#)
        #expect(patched.status == .ok, "\(patched.text)")
        let (_, _, token) = try await FIDO2FlowTests.start(client, fixture, user: user)
        let options = try await FIDO2FlowTests.post(client, "/v1/enrollment/fido2/options", token)
        return try await FIDO2FlowTests.post(
            client, "/v1/enrollment/fido2", token,
            authenticator.registration(challenge: try FIDO2FlowTests.challenge(options), flags: flags))
    }

    /// Each rule of a profile, a key it refuses with its code, and a key the same profile accepts.
    static let rules: [(profile: String, refused: (Int, Attestation, UInt8), code: String, accepted: (Int, UInt8))] = [
        (#"{"blockedAAGUIDs": ["\#(aaguid(2))"]}"#, (2, .proven, 0x45), "webauthn_aaguid_blocked", (4, 0x45)),
        (#"{"deviceBoundOnly": true}"#, (2, .proven, 0x4D), "webauthn_device_bound_required", (2, 0x45)),
        (#"{"attestationRequired": true}"#, (2, .none, 0x45), "webauthn_attestation_required", (2, 0x45)),
        (#"{"allowedAAGUIDs": ["\#(aaguid(4))"]}"#, (2, .proven, 0x45), "webauthn_aaguid_not_allowed", (4, 0x45)),
        (#"{"allowedAAGUIDs": ["\#(aaguid(4))"]}"#, (4, .none, 0x45), "webauthn_attestation_required", (4, 0x45)),
        (
            #"{"minimumCertificationLevel": "L2"}"#, (3, .proven, 0x45), "webauthn_certification_level_too_low",
            (2, 0x45)
        ),
        ("{}", (5, .proven, 0x45), "webauthn_authenticator_status_refused", (6, 0x45)),
        ("{}", (2, .proven, 0x41), "webauthn_user_verification_missing", (2, 0x45)),
        (
            #"{"userVerificationRequired": false}"#, (5, .proven, 0x41), "webauthn_authenticator_status_refused",
            (2, 0x41)
        ),
        ("{}", (2, .foreignRoot, 0x45), "webauthn_model_roots_not_reached", (2, 0x45)),
    ]

    @Test(arguments: rules.indices)
    func eachRuleRefusesWithItsOwnCodeAndAcceptsTheKeysItAllows(_ index: Int) async throws {
        let rule = Self.rules[index]
        let (fixture, live) = try await Self.fixture()
        defer { fixture.cleanUp() }
        try await fixture.application(metadata: live).test(.router) { client in
            let (model, attestation, flags) = rule.refused
            let refused = try await Self.register(
                Self.key(model: model, attestation: attestation), profile: rule.profile, flags: flags, client, fixture)
            #expect(refused.status == .badRequest)
            #expect(refused.problemCode == rule.code, "\(refused.text)")
            let accepted = try await Self.register(
                Self.key(model: rule.accepted.0), profile: rule.profile, flags: rule.accepted.1, client, fixture,
                user: "grace@contoso.example")
            #expect(accepted.status == .created, "\(accepted.text)")
        }
    }

    @Test func staleMetadataJudgesOnlyWhenThePolicySaysItStillCounts() async throws {
        let (fixture, live) = try await Self.fixture()
        defer { fixture.cleanUp() }
        fixture.clock.advance(seconds: 40 * 86_400)  // past the BLOB's nextUpdate, 2026-12-24
        try await fixture.application(metadata: live).test(.router) { client in
            let refused = try await Self.register(
                Self.key(model: 2), profile: #"{"staleMetadataAccepted": false}"#, client, fixture)
            #expect(refused.problemCode == "webauthn_metadata_stale", "\(refused.text)")
            let accepted = try await Self.register(
                Self.key(model: 2), profile: #"{"staleMetadataAccepted": true}"#, client, fixture,
                user: "grace@contoso.example")
            #expect(accepted.status == .created, "\(accepted.text)")
        }
    }

    @Test func aProfileAppliesToItsSiteAndScenarioOnly() async throws {
        let (fixture, live) = try await Self.fixture()
        defer { fixture.cleanUp() }
        try await fixture.application(metadata: live).test(.router) { client in
            let patched = try await client.call(
                .patch, "/v1/policy", fixture.adminToken,
                #"{"overrides": {"default": {"fido2Registration": {"passkeys": {"attestationRequired": true}}}}}"#)
            #expect(patched.status == .ok, "\(patched.text)")
            let (_, _, token) = try await FIDO2FlowTests.start(client, fixture)
            let options = try await FIDO2FlowTests.post(client, "/v1/enrollment/fido2/options", token)
            let object = try JSONSerialization.jsonObject(with: Data(buffer: options.body)) as? [String: Any]
            let words = try #require(object?["acceptedKeys"] as? [String])
            #expect(words.contains { $0.contains("prove its make and model") }, "\(words)")
            let refused = try await FIDO2FlowTests.post(
                client, "/v1/enrollment/fido2", token,
                Self.key(model: 2, attestation: .none).registration(challenge: try FIDO2FlowTests.challenge(options)))
            #expect(refused.problemCode == "webauthn_attestation_required")
            // The effective policy of another site does not require it.
            let effective = try await fixture.store.policy().effectiveSettings(
                site: SiteName("bench-9")!, scenario: .fido2Registration)
            #expect(!effective.passkeys.attestationRequired)
        }
    }

    @Test func anAcceptedKeyShowsItsModelWhereverTheKeyAppears() async throws {
        let (fixture, live) = try await Self.fixture()
        defer { fixture.cleanUp() }
        try await fixture.application(metadata: live).test(.router) { client in
            let registered = try await Self.register(Self.key(model: 2), profile: "{}", client, fixture)
            let answer = try registered.decode(KeyRegistrationResponse.self)
            #expect(
                answer.key.model
                    == AuthenticatorModel(name: "Test Key 2", certificationLevel: .l2, status: "FIDO_CERTIFIED_L2"))
            #expect(answer.key.attestation.trust == "anchored")
            let listed = try await client.call(.get, "/v1/keys", fixture.adminToken)
            #expect(try listed.decode(KeyList.self).items.first?.model?.name == "Test Key 2")
            // The event stream (and so the kiosk) names it too.
            let events = try await fixture.store.sessionEvents(
                after: 0, session: answer.key.sessionId, site: nil, limit: 50)
            let event = try #require(events.first { $0.type == .keyRegistered })
            #expect(event.key == KeyEventFacts(id: answer.key.id.rawValue, model: "Test Key 2"))
            #expect(events.first { $0.type == .passUsed }?.key == nil)
        }
    }

    @Test func policyRefusesProfilesOutsideTheirBounds() async throws {
        let (fixture, live) = try await Self.fixture()
        defer { fixture.cleanUp() }
        try await fixture.application(metadata: live).test(.router) { client in
            for (profile, field) in [
                (#"{"allowedAAGUIDs": ["not-a-uuid"]}"#, "defaults.passkeys.allowedAAGUIDs"),
                (#"{"refusedStatuses": ["revoked"]}"#, "defaults.passkeys.refusedStatuses"),
                (#"{"minimumCertificationLevel": "L9"}"#, "defaults.passkeys.minimumCertificationLevel"),
                (#"{"deviceBoundOnly": "yes"}"#, "defaults.passkeys.deviceBoundOnly"),
                (#"{"typo": true}"#, "defaults.passkeys.typo"),
            ] {
                let answer = try await client.call(
                    .patch, "/v1/policy", fixture.adminToken, #"{"defaults": {"passkeys": \#(profile)}}"#)
                #expect([400, 422].contains(answer.status.code), "\(profile): \(answer.text)")
                #expect(answer.text.contains(field), "\(profile): \(answer.text)")
            }
        }
    }
}
