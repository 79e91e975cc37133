import Foundation
import TapCrypto
import TapTestSupport
import Testing
import WebAuthn

@testable import FIDOMetadata

/// BLOBs these tests sign themselves, shaped as FIDO's (a JWS with `x5c`, `no`, `nextUpdate` and several
/// thousand entries), under a test root: the good one is read whole, and each way a BLOB can be wrong is
/// refused with its own reason.
@Suite("FIDO metadata BLOB")
struct MetadataVerifierTests {
    static let rootKey = TestMetadataBLOB.rootKey
    static let root = TestMetadataBLOB.root
    static let signerKey = TestMetadataBLOB.signerKey
    static let signer = TestMetadataBLOB.signer
    static let modelRoot = TestMetadataBLOB.modelRoot
    static var roots: [Certificate] { [try! Certificate(derEncoded: root)] }
    static func aaguid(_ index: Int) -> String { TestMetadataBLOB.aaguid(index) }
    static func entry(_ index: Int) -> [String: Any] { TestMetadataBLOB.entry(index) }
    static func payload(no: Int = 42, entries: [[String: Any]]? = nil) -> [String: Any] {
        TestMetadataBLOB.payload(no: no, entries: entries)
    }
    static func blob(
        _ payload: [String: Any], key: TestKey = signerKey, chain: [[UInt8]] = [signer], alg: String = "RS256"
    ) -> [UInt8] {
        TestMetadataBLOB.blob(payload, key: key, chain: chain, alg: alg)
    }

    static func refusal(_ bytes: [UInt8], lastNumber: Int? = nil) -> MetadataRefusal? {
        do {
            _ = try MetadataVerifier.verify(bytes, roots: roots, lastNumber: lastNumber, now: FixedTime.now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aBLOBOfThousandsOfEntriesIsReadWhole() throws {
        let bytes = Self.blob(Self.payload())
        #expect(bytes.count > 1_000_000)
        let blob = try MetadataVerifier.verify(bytes, roots: Self.roots, lastNumber: 41, now: FixedTime.now)
        #expect(blob.number == 42)
        #expect(blob.entries.count == 3000)
        #expect(blob.nextUpdate == MetadataVerifier.day("2026-12-24"))
        let model = try #require(blob.byAAGUID[Self.aaguid(10)])
        #expect(model.description == "Test Key 10")
        #expect(model.attestationRoots.map(\.derEncoded) == [Self.modelRoot])
        #expect(model.certificationLevel == 2)
        #expect(blob.byAAGUID[Self.aaguid(11)]?.certificationLevel == 1)
        #expect(blob.byAAGUID[Self.aaguid(11)]?.currentStatus == .updateAvailable)
    }

    @Test func eachWayABLOBCanBeWrongIsRefusedWithItsReason() throws {
        let good = Self.blob(Self.payload(entries: [Self.entry(1)]))
        #expect(Self.refusal(good) == nil)

        var forged = good
        let lastDot = try #require(forged.lastIndex(of: UInt8(ascii: ".")))
        forged[lastDot + 5] = forged[lastDot + 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(Self.refusal(forged)?.reason == .badSignature)

        // Signed by a signer under another root, and signed by a key that is not x5c's leaf.
        let attackerSigner = CertificateSpec(subject: [("CN", "Attacker MDS Signer")])
            .issue(for: Self.signerKey, by: (TestPKI.attackerRoot, TestPKI.attackerKey))
        #expect(Self.refusal(Self.blob(Self.payload(), chain: [attackerSigner]))?.reason == .untrustedChain)
        #expect(Self.refusal(Self.blob(Self.payload(entries: []), key: TestKey.rsa))?.reason == .badSignature)

        var expiredSpec = CertificateSpec(subject: [("CN", "Expired MDS Signer")])
        expiredSpec.notAfter = FixedTime.now.addingTimeInterval(-86_400)
        let expired = expiredSpec.issue(for: Self.signerKey, by: (Self.root, Self.rootKey))
        #expect(Self.refusal(Self.blob(Self.payload(entries: []), chain: [expired]))?.reason == .certificateExpired)

        #expect(Self.refusal(good, lastNumber: 42)?.reason == .notNewer)
        #expect(Self.refusal(good, lastNumber: 50)?.reason == .notNewer)
        #expect(Self.refusal(Array(good.prefix(good.count / 2)))?.reason == .malformed)
        #expect(Self.refusal([])?.reason == .malformed)
        #expect(Self.refusal(Self.blob(Self.payload(entries: []), alg: "none"))?.reason == .algorithmNotAllowed)
        #expect(Self.refusal(Self.blob(Self.payload(entries: []), alg: "HS256"))?.reason == .algorithmNotAllowed)
        #expect(Self.refusal(Self.blob(Self.payload(entries: []), chain: []))?.reason == .untrustedChain)
        let oversized = [UInt8](repeating: UInt8(ascii: "A"), count: MetadataVerifier.maximumBytes + 1)
        #expect(Self.refusal(oversized)?.reason == .tooLarge)
        var noNumber = Self.payload(entries: [])
        noNumber["no"] = "42"
        #expect(Self.refusal(Self.blob(noNumber))?.reason == .malformed)
        var badDate = Self.payload(entries: [])
        badDate["nextUpdate"] = "24.12.2026"
        #expect(Self.refusal(Self.blob(badDate))?.reason == .malformed)
    }

    @Test func anEntryWithMalformedFieldsRefusesTheBLOBNamingTheEntry() {
        let breakages: [(String, ([String: Any]) -> [String: Any])] = [
            (
                "aaguid",
                {
                    var entry = $0; entry["aaguid"] = "not-a-uuid"; return entry
                }
            ),
            (
                "statusReports",
                {
                    var entry = $0; entry["statusReports"] = []; return entry
                }
            ),
            (
                "status",
                {
                    var entry = $0; entry["statusReports"] = [["effectiveDate": "2024-01-01"]]; return entry
                }
            ),
            (
                "effectiveDate",
                {
                    var entry = $0; entry["statusReports"] = [["status": "REVOKED", "effectiveDate": "soon"]];
                    return entry
                }
            ),
            (
                "description",
                {
                    var entry = $0; entry["metadataStatement"] = ["schema": 3]; return entry
                }
            ),
            (
                "attestationRootCertificates",
                {
                    var entry = $0
                    entry["metadataStatement"] = [
                        "description": "x", "attestationRootCertificates": ["bm90IGEgY2VydA=="],
                    ]
                    return entry
                }
            ),
        ]
        for (field, breakIt) in breakages {
            var entries = (0..<5).map(Self.entry)
            entries[3] = breakIt(entries[3])
            let refusal = Self.refusal(Self.blob(Self.payload(entries: entries)))
            #expect(refusal?.reason == .malformedEntry, "\(field)")
            #expect(refusal?.detail.hasPrefix("entry 3:") == true, "\(field): \(refusal?.detail ?? "")")
        }
    }

    @Test func aRevokedModelLosesItsCertification() throws {
        var entry = Self.entry(2)
        entry["statusReports"] = [
            ["status": "FIDO_CERTIFIED_L2", "effectiveDate": "2024-01-15"],
            ["status": "REVOKED", "effectiveDate": "2026-10-01"],
        ]
        let blob = try MetadataVerifier.verify(
            Self.blob(Self.payload(entries: [entry])), roots: Self.roots, lastNumber: nil, now: FixedTime.now)
        #expect(blob.entries[0].certificationLevel == nil)
        #expect(blob.entries[0].currentStatus == .revoked)
    }

    @Test func eachModelsRootsAreScopedToItsAAGUIDAndAStoredBLOBReadsTheSame() throws {
        var entries = (0..<4).map(Self.entry)
        entries.append([
            "metadataStatement": ["description": "A U2F key"], "statusReports": [["status": "FIDO_CERTIFIED"]],
        ])
        var rootless = Self.entry(9)
        rootless["metadataStatement"] = ["description": "Test Key 9"]
        entries.append(rootless)
        let bytes = Self.blob(Self.payload(entries: entries))
        let blob = try MetadataVerifier.verify(bytes, roots: Self.roots, lastNumber: nil, now: FixedTime.now)
        let anchors = blob.addingModelRoots(to: .wellKnown)
        #expect(anchors.byAAGUID.count == 4)
        let model = try #require(AAGUID(uuidString: Self.aaguid(2)))
        #expect(anchors.byAAGUID[model]?.map(\.derEncoded) == [Self.modelRoot])
        #expect(anchors.byAAGUID[try #require(AAGUID(uuidString: Self.aaguid(9)))] == nil)
        #expect(anchors.byFormat == TrustAnchors.wellKnown.byFormat)
        // What the store keeps reads back as the same models, whatever the time (no chain is checked again).
        let stored = try MetadataVerifier.readAccepted(bytes)
        #expect(stored.entries == blob.entries && stored.number == blob.number)
        #expect(throws: MetadataRefusal.self) { try MetadataVerifier.readAccepted(Array("garbage".utf8)) }
    }

    @Test func theShippedRootIsGlobalSignR3() throws {
        let roots = MetadataRoots.fido
        #expect(roots.count == 1)
        let fingerprint = try #require(roots.first?.sha256Fingerprint)
        #expect(
            fingerprint.map { String(format: "%02X", $0) }.joined(separator: ":")
                == "CB:B5:22:D7:B7:F1:27:AD:6A:01:13:86:5B:DF:1C:D4:10:2E:7D:07:59:AF:63:5A:7C:F4:72:0D:C9:63:C5:3B")
        #expect(roots.first?.notAfter.map { $0 > FixedTime.now } == true)
    }
}

/// Revocation where lists are available: a BLOB whose signing certificate its CA revoked is refused, a list
/// that does not name it changes nothing, and a chain whose CA published no list here is not held up.
@Suite("FIDO metadata BLOB and revocation lists")
struct MetadataRevocationTests {
    static let good = TestMetadataBLOB.blob(TestMetadataBLOB.payload(entries: [TestMetadataBLOB.entry(1)]))
    static let issuer = (TestMetadataBLOB.root, TestMetadataBLOB.rootKey)

    static func verify(_ lists: [[UInt8]], now: Date = FixedTime.now) throws(MetadataRefusal) -> MetadataBLOB {
        try MetadataVerifier.verify(
            good, roots: MetadataVerifierTests.roots,
            revocations: lists.map { try! RevocationList(fileContents: $0) }, lastNumber: nil, now: now)
    }

    @Test func aRevokedSigningCertificateRefusesTheBLOB() throws {
        let revoking = testRevocationList(issuer: Self.issuer, revoked: [TestMetadataBLOB.signer])
        #expect(throws: MetadataRefusal.self) { try Self.verify([revoking]) }
        do {
            _ = try Self.verify([revoking])
        } catch {
            #expect(error.reason == .certificateRevoked, "\(error)")
        }
        // The same list as PEM, as some CAs publish it.
        let pem = Array(
            ("-----BEGIN X509 CRL-----\n" + Data(revoking).base64EncodedString(options: .lineLength64Characters)
                + "\n-----END X509 CRL-----\n").utf8)
        #expect(throws: MetadataRefusal.self) { try Self.verify([pem]) }
    }

    @Test func aListThatDoesNotNameTheSignerOrNoListAtAllLetsItThrough() throws {
        let other = CertificateSpec(subject: [("CN", "Another signer")]).issue(
            for: TestKey.rsaOther, by: (TestMetadataBLOB.root, TestMetadataBLOB.rootKey))
        let unrelated = testRevocationList(issuer: Self.issuer, revoked: [other])
        #expect(try Self.verify([unrelated]).number == 42)
        #expect(try Self.verify([]).number == 42)
        // A list from a CA that is not on the chain is not one the chain needs.
        let foreign = testRevocationList(issuer: (TestPKI.attackerRoot, TestPKI.attackerKey), revoked: [])
        #expect(try Self.verify([foreign]).number == 42)
    }

    @Test func aListPastItsNextUpdateIsNotTrusted() throws {
        let old = testRevocationList(
            issuer: Self.issuer, revoked: [], thisUpdate: FixedTime.now.addingTimeInterval(-90 * 86_400))
        #expect(throws: MetadataRefusal.self) { try Self.verify([old]) }
    }

    @Test func aFileThatIsNotARevocationListIsRefusedAsSuch() {
        #expect(throws: CertificateError.self) { try RevocationList(fileContents: Array("not a list".utf8)) }
        #expect(throws: CertificateError.self) { try RevocationList(fileContents: TestMetadataBLOB.root) }
    }
}
