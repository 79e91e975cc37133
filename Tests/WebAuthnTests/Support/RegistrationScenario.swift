import Foundation
import TapCrypto
import TapTestSupport

@testable import WebAuthn

/// What a statement builder sees: the signed bytes of this ceremony.
struct CeremonyContext {
    let authenticatorData: [UInt8]
    let clientDataHash: [UInt8]
    let credentialKey: TestKey
    let credentialID: [UInt8]
    let rpIDHash: [UInt8]

    var signedData: [UInt8] { authenticatorData + clientDataHash }
}

/// A genuine registration built from real keys and certificates; each test changes one thing to forge it.
struct RegistrationScenario {
    static let rpID = "example.org"
    static let origin = "https://login.example.org"
    static let testAAGUID = AAGUID(uuidString: "6d44ba9b-f6ec-4e33-a3b4-62a3c8b1a5f0")!

    var rpID = RegistrationScenario.rpID
    var origin = RegistrationScenario.origin
    var challenge: [UInt8] = Array(0..<32)
    var clientDataType = "webauthn.create"
    /// Appended inside the client data object, e.g. `,"crossOrigin":true`.
    var extraClientData = ""
    var clientDataOverride: [UInt8]?
    var flags: UInt8 = 0x45  // UP | UV | AT
    var signCount: UInt32 = 0
    var aaguid = RegistrationScenario.testAAGUID
    var credentialID: [UInt8] = Array(repeating: 0xC1, count: 32)
    var credentialKey: TestKey = .es256
    var coseKeyOverride: [UInt8]?
    /// Authenticator extension outputs (CBOR bytes); setting them also sets ED.
    var extensions: [UInt8]?
    var authenticatorDataEdit: ((inout [UInt8]) -> Void)?
    var format = "none"
    var statement: (CeremonyContext) -> [(CBOR, CBOR)] = { _ in [] }
    var attestationObjectOverride: [UInt8]?
    var rawIDOverride: [UInt8]?
    var idOverride: String?
    var transports = ["usb"]

    var clientDataJSON: [UInt8] {
        clientDataOverride
            ?? Array(
                ("{\"type\":\"\(clientDataType)\",\"challenge\":\"\(Base64URL.encode(challenge))\","
                    + "\"origin\":\"\(origin)\"\(extraClientData)}").utf8)
    }

    var authenticatorData: [UInt8] {
        var bytes = HashFunction.sha256.hash(Array(rpID.utf8))
        bytes.append(extensions == nil ? flags : flags | 0x80)
        bytes += CBOREncoder.bigEndian(UInt64(signCount), 4)
        if flags & 0x40 != 0 {
            bytes += aaguid.bytes + CBOREncoder.bigEndian(UInt64(credentialID.count), 2) + credentialID
            bytes += coseKeyOverride ?? credentialKey.coseKey
        }
        bytes += extensions ?? []
        authenticatorDataEdit?(&bytes)
        return bytes
    }

    var attestationObject: [UInt8] {
        if let attestationObjectOverride { return attestationObjectOverride }
        let data = authenticatorData
        let context = CeremonyContext(
            authenticatorData: data, clientDataHash: HashFunction.sha256.hash(clientDataJSON),
            credentialKey: credentialKey, credentialID: credentialID, rpIDHash: Array(data.prefix(32))
        )
        return CBOREncoder.encode(
            .pairs([
                (.text("fmt"), .text(format)),
                (.text("attStmt"), .pairs(statement(context))),
                (.text("authData"), .bytes(data)),
            ]))
    }

    var response: RegistrationResponse {
        let rawID = rawIDOverride ?? credentialID
        return RegistrationResponse(
            id: idOverride ?? Base64URL.encode(rawID), rawID: rawID, clientDataJSON: clientDataJSON,
            attestationObject: attestationObject, transports: transports
        )
    }

    /// The expectation matching a genuine response, with the test PKI's root as a general anchor.
    func expectation(
        policy: AttestationPolicy = AttestationPolicy(anchors: TrustAnchors(general: [TestPKI.rootCertificate])),
        requireUserVerification: Bool = true, allowedAlgorithms: [COSEAlgorithm] = COSEAlgorithm.recommended,
        now: Date = FixedTime.now
    ) -> RegistrationExpectation {
        RegistrationExpectation(
            challenge: Array(0..<32),
            relyingParty: RelyingParty(id: Self.rpID, origins: [Self.origin]),
            requireUserVerification: requireUserVerification, allowedAlgorithms: allowedAlgorithms, policy: policy,
            now: now
        )
    }

    /// Verifies the scenario's response against `expectation` (default: the matching one).
    func verify(_ expectation: RegistrationExpectation? = nil) -> Result<RegisteredCredential, WebAuthnFailure> {
        RegistrationVerifier.verify(response, expecting: expectation ?? self.expectation())
    }

    /// The failure reason, or nil on success.
    func failure(_ expectation: RegistrationExpectation? = nil) -> WebAuthnFailure.Reason? {
        if case .failure(let error) = verify(expectation) { return error.reason }
        return nil
    }
}

/// Statement builders for each format.
enum Statements {
    /// packed self attestation: the credential key signs.
    static func packedSelf(_ context: CeremonyContext) -> [(CBOR, CBOR)] {
        [
            (.text("alg"), .int(context.credentialKey.algorithm.rawValue)),
            (.text("sig"), .bytes(context.credentialKey.sign(context.signedData))),
        ]
    }

    /// packed with x5c: `signer` signs as `algorithm`; `chain` is sent as x5c.
    static func packed(
        signer: TestKey, chain: [[UInt8]], algorithm: COSEAlgorithm? = nil
    ) -> (CeremonyContext) -> [(CBOR, CBOR)] {
        { context in
            [
                (.text("alg"), .int((algorithm ?? signer.algorithm).rawValue)),
                (.text("sig"), .bytes(signer.sign(context.signedData, cose: algorithm))),
                (.text("x5c"), .array(chain.map { .bytes($0) })),
            ]
        }
    }

    /// A packed leaf from the test PKI's intermediate, with the packed profile; x5c = [leaf, intermediate].
    static let packedLeafKey = TestKey.generate(.ecdsaP256SHA256)
    static func packedLeaf(_ spec: CertificateSpec = .packedLeaf(aaguid: RegistrationScenario.testAAGUID)) -> [UInt8] {
        spec.issue(for: packedLeafKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
    }
    static func packedChain(
        _ spec: CertificateSpec = .packedLeaf(aaguid: RegistrationScenario.testAAGUID)
    ) -> (CeremonyContext) -> [(CBOR, CBOR)] {
        packed(signer: packedLeafKey, chain: [packedLeaf(spec), TestPKI.intermediate])
    }

    /// fido-u2f: the attestation key signs the U2F registration message.
    static func fidoU2F(signer: TestKey, certificate: [UInt8]) -> (CeremonyContext) -> [(CBOR, CBOR)] {
        { context in
            let (x, y) = context.credentialKey.ecCoordinates
            let message: [UInt8] =
                [0x00] + context.rpIDHash + context.clientDataHash + context.credentialID + [0x04] + x + y
            return [
                (.text("sig"), .bytes(signer.sign(message, cose: .es256))),
                (.text("x5c"), .array([.bytes(certificate)])),
            ]
        }
    }

    /// apple: a leaf for the credential key carrying the nonce, issued by `issuer`; x5c = [leaf, issuer].
    static func apple(
        nonce: ((CeremonyContext) -> [UInt8])? = nil, leafKey: TestKey? = nil
    ) -> (CeremonyContext) -> [(CBOR, CBOR)] {
        { context in
            let value = nonce?(context) ?? HashFunction.sha256.hash(context.signedData)
            let spec = CertificateSpec(
                subject: [
                    ("CN", "test credential"), ("OU", "AAA Certification"), ("O", "Apple Inc."), ("ST", "California"),
                ],
                extensions: [
                    (
                        WebAuthn.ObjectIdentifier.appleNonce, false,
                        TestDER.sequence([TestDER.explicit(1, TestDER.octetString(value))])
                    )
                ]
            )
            let leaf = spec.issue(
                for: leafKey ?? context.credentialKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
            return [(.text("x5c"), .array([.bytes(leaf), .bytes(TestPKI.intermediate)]))]
        }
    }

    /// The parts of an Android key description a test may change.
    struct KeyDescription {
        var challenge: ((CeremonyContext) -> [UInt8])?
        var allApplications = false
        var origin = 0
        var purposes = [2]

        func encode(_ context: CeremonyContext) -> [UInt8] {
            let software: [[UInt8]] = allApplications ? [TestDER.explicit(600, TestDER.null)] : []
            let hardware: [[UInt8]] = [
                TestDER.explicit(1, TestDER.set(purposes.map(TestDER.integer))),
                TestDER.explicit(702, TestDER.integer(origin)),
            ]
            return TestDER.sequence([
                TestDER.integer(3), TestDER.enumerated(1), TestDER.integer(4), TestDER.enumerated(1),
                TestDER.octetString(challenge?(context) ?? context.clientDataHash), TestDER.octetString([]),
                TestDER.sequence(software), TestDER.sequence(hardware),
            ])
        }
    }

    /// android-key: a leaf for the credential key carrying the key description; the credential key signs.
    static func androidKey(
        _ description: KeyDescription = KeyDescription(), leafKey: TestKey? = nil
    ) -> (CeremonyContext) -> [(CBOR, CBOR)] {
        { context in
            let spec = CertificateSpec(
                subject: [("CN", "Android Keystore Key")],
                extensions: [(WebAuthn.ObjectIdentifier.androidKeyDescription, false, description.encode(context))]
            )
            let leaf = spec.issue(
                for: leafKey ?? context.credentialKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
            return [
                (.text("alg"), .int(context.credentialKey.algorithm.rawValue)),
                (.text("sig"), .bytes(context.credentialKey.sign(context.signedData))),
                (.text("x5c"), .array([.bytes(leaf), .bytes(TestPKI.intermediate)])),
            ]
        }
    }
}
