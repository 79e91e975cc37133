import Foundation
import TapCore
import TapCrypto

/// FIDO metadata BLOBs signed here, shaped as FIDO's (a JWS with `x5c`; `no`, `nextUpdate` and entries with
/// AAGUIDs, attestation roots and status reports), under a test root instead of FIDO's.
public enum TestMetadataBLOB {
    public static let rootKey = TestKey.rsa
    public static let root = longLived(.authority("Test MDS Root")).issue(for: rootKey)
    public static let signerKey = TestKey.rsaOther
    public static let signer = longLived(CertificateSpec(subject: [("CN", "Test MDS Signer")]))
        .issue(for: signerKey, by: (root, rootKey))

    /// Valid for 20 years from the fixed test time: the command-line test imports with the real clock.
    static func longLived(_ spec: CertificateSpec) -> CertificateSpec {
        var spec = spec
        spec.notAfter = FixedTime.now.addingTimeInterval(86_400 * 365 * 20)
        return spec
    }
    /// A model's attestation root, as entries carry them.
    public static let modelRoot = CertificateSpec.authority("Test Key Vendor Root").issue(for: TestKey.p256)
    /// The batch key of every test model's attestation certificates.
    public static let batchKey = TestKey.generate(.ecdsaP256SHA256)

    /// A packed attestation for the model with this AAGUID, its leaf issued by `root` (the model's by default).
    public static func attestation(
        aaguid text: String, root: (certificate: [UInt8], key: TestKey) = (modelRoot, TestKey.p256)
    ) -> SoftAuthenticator.PackedAttestation {
        let spec = CertificateSpec(
            subject: [
                ("C", "SE"), ("O", "Test Key Vendor AB"), ("OU", "Authenticator Attestation"), ("CN", "Batch 1"),
            ],
            extensions: [("1.3.6.1.4.1.45724.1.1.4", false, TestDER.octetString(aaguidBytes(text)))])
        return SoftAuthenticator.PackedAttestation(key: batchKey, chain: [spec.issue(for: batchKey, by: root)])
    }

    /// The 16 bytes of an AAGUID written with dashes.
    public static func aaguidBytes(_ text: String) -> [UInt8] {
        Hex.decode(text.replacingOccurrences(of: "-", with: ""))!
    }

    /// The test root as PEM, for `--trust-root`.
    public static var rootPEM: String {
        "-----BEGIN CERTIFICATE-----\n"
            + Data(root).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END CERTIFICATE-----\n"
    }

    public static func aaguid(_ index: Int) -> String { String(format: "%08x-0000-4000-8000-%012x", index, index) }

    /// Entry `index`: certified L1, then L2 (even) or an update available (odd).
    public static func entry(_ index: Int) -> [String: Any] {
        [
            "aaguid": aaguid(index),
            "metadataStatement": [
                "description": "Test Key \(index)", "aaguid": aaguid(index), "schema": 3, "protocolFamily": "fido2",
                "attestationRootCertificates": [Data(modelRoot).base64EncodedString()],
            ],
            "statusReports": [
                ["status": "FIDO_CERTIFIED_L1", "effectiveDate": "2024-01-15"],
                ["status": index % 2 == 0 ? "FIDO_CERTIFIED_L2" : "UPDATE_AVAILABLE", "effectiveDate": "2025-06-01"],
            ],
            "timeOfLastStatusChange": "2025-06-01",
        ]
    }

    /// A payload with `entries` (3,000 generated ones by default).
    public static func payload(
        no: Int = 42, nextUpdate: String = "2026-12-24", entries: [[String: Any]]? = nil
    )
        -> [String: Any]
    {
        [
            "legalHeader": "Test legal header", "no": no, "nextUpdate": nextUpdate,
            "entries": entries ?? (0..<3000).map(entry),
        ]
    }

    /// A signed BLOB: RS256 under `key`, with `chain` (leaf first) as `x5c`, as FIDO serves it (one line).
    public static func blob(
        _ payload: [String: Any], key: TestKey = signerKey, chain: [[UInt8]] = [signer], alg: String = "RS256"
    ) -> [UInt8] {
        let header: [String: Any] = ["alg": alg, "typ": "JWT", "x5c": chain.map { Data($0).base64EncodedString() }]
        let encode = { (object: [String: Any]) in
            SoftAuthenticator.base64URL(
                Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
        }
        let signingInput = encode(header) + "." + encode(payload)
        let signature = key.sign(Array(signingInput.utf8), as: .rsaPKCS1SHA256)
        return Array((signingInput + "." + SoftAuthenticator.base64URL(signature) + "\n").utf8)
    }
}
