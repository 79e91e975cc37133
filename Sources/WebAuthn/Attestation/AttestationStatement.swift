import TapCrypto

/// Attestation statement formats (WebAuthn §8), by their registered identifiers.
public enum AttestationFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case none
    case packed
    case fidoU2F = "fido-u2f"
    case apple
    case androidKey = "android-key"
    case tpm
    /// Legacy: the SafetyNet API is retired; verified only where a policy enables it (the admin tool does).
    case androidSafetyNet = "android-safetynet"
}

/// What kind of attestation a statement turned out to be (WebAuthn §6.5.3).
public enum AttestationType: String, Sendable, Hashable, Codable {
    case none
    case selfAttestation = "self"
    case basic
    case attestationCA = "attca"
    case anonymizationCA = "anonca"
}

/// Everything a format's verification procedure reads.
struct AttestationInput {
    let statement: CBORMap
    let authenticatorData: AuthenticatorData
    let credential: AttestedCredentialData
    let credentialKey: CredentialPublicKey
    let clientDataHash: [UInt8]

    /// authenticatorData ‖ clientDataHash: what packed, android-key and apple attest to.
    var signedData: [UInt8] { authenticatorData.raw + clientDataHash }
}

/// What a format's procedure established: the attestation type and its certificate path (leaf first).
struct StatementResult {
    let type: AttestationType
    let certificates: [Certificate]
}

/// Shared readers for attestation statement maps.
extension CBORMap {
    /// Refuses keys outside `allowed`: a statement with fields we do not know is not one we verified.
    func requireOnly(_ allowed: Set<String>, format: AttestationFormat) throws(WebAuthnFailure) {
        for key in keys {
            guard let name = key.textString, allowed.contains(name) else {
                throw WebAuthnFailure(.attestationStatementMalformed, "\(format.rawValue): unexpected field \(key)")
            }
        }
    }

    /// A required byte string.
    func requiredBytes(_ name: String, format: AttestationFormat) throws(WebAuthnFailure) -> [UInt8] {
        guard let value = self[text: name]?.byteString else {
            throw WebAuthnFailure(.attestationStatementMalformed, "\(format.rawValue): \(name) missing or not bytes")
        }
        return value
    }

    /// The required `alg` as a known COSE algorithm.
    func requiredAlgorithm(format: AttestationFormat) throws(WebAuthnFailure) -> COSEAlgorithm {
        guard let value = self[text: "alg"]?.integer else {
            throw WebAuthnFailure(.attestationStatementMalformed, "\(format.rawValue): alg missing or not an integer")
        }
        guard let algorithm = COSEAlgorithm(rawValue: value) else {
            throw WebAuthnFailure(.attestationAlgorithmMismatch, "\(format.rawValue): unsupported alg \(value)")
        }
        return algorithm
    }

    /// A statement of `alg`, `sig` and an optional `x5c` and nothing else (packed, android-key): its algorithm,
    /// its signature and its certificates, leaf first, or `nil` without `x5c`.
    func algorithmSignatureAndCertificates(
        format: AttestationFormat
    ) throws(WebAuthnFailure) -> (algorithm: COSEAlgorithm, signature: [UInt8], certificates: [Certificate]?) {
        try requireOnly(["alg", "sig", "x5c"], format: format)
        let algorithm = try requiredAlgorithm(format: format)
        let signature = try requiredBytes("sig", format: format)
        return (algorithm, signature, try certificates(format: format))
    }

    /// The most certificates an x5c may hold.
    static let maximumCertificates = 8

    /// The `x5c` certificates, leaf first; `nil` when absent. Present means a non-empty array of DER certificates.
    func certificates(format: AttestationFormat) throws(WebAuthnFailure) -> [Certificate]? {
        guard let value = self[text: "x5c"] else { return nil }
        guard let items = value.arrayValue, !items.isEmpty else {
            throw WebAuthnFailure(.attestationStatementMalformed, "\(format.rawValue): x5c is not a non-empty array")
        }
        // Real paths hold two to four certificates; a long list only costs parsing and signature checks.
        guard items.count <= Self.maximumCertificates else {
            throw WebAuthnFailure(
                .attestationStatementMalformed, "\(format.rawValue): x5c holds \(items.count) certificates")
        }
        var certificates: [Certificate] = []
        for item in items {
            guard let der = item.byteString else {
                throw WebAuthnFailure(.attestationStatementMalformed, "\(format.rawValue): x5c entry is not bytes")
            }
            do {
                certificates.append(try Certificate(derEncoded: der))
            } catch {
                throw WebAuthnFailure(.certificateMalformed, "\(format.rawValue): \(error)")
            }
        }
        return certificates
    }
}

extension Certificate {
    /// The leaf's public key, or a certificate failure.
    func attestationKey(format: AttestationFormat) throws(WebAuthnFailure) -> PublicKey {
        do {
            return try publicKey
        } catch {
            throw WebAuthnFailure(.certificateMalformed, "\(format.rawValue): \(error)")
        }
    }

    /// Refuses a certificate that says it is a CA (basic constraints CA=true), or whose basic constraints are broken.
    func requireNotCertificateAuthority(format: AttestationFormat) throws(WebAuthnFailure) {
        let constraints: BasicConstraints?
        do {
            constraints = try basicConstraints
        } catch {
            throw WebAuthnFailure(.certificateMalformed, "\(format.rawValue): \(error)")
        }
        if constraints?.isCertificateAuthority == true {
            throw WebAuthnFailure(.certificateProfileInvalid, "\(format.rawValue): attestation certificate is a CA")
        }
    }

    /// If the certificate carries id-fido-gen-ce-aaguid, it must be non-critical and equal `aaguid`.
    func requireMatchingAAGUIDExtension(_ aaguid: AAGUID, format: AttestationFormat) throws(WebAuthnFailure) {
        guard let item = self.extension(ObjectIdentifier.fidoAAGUID) else { return }
        guard !item.isCritical else {
            throw WebAuthnFailure(.certificateProfileInvalid, "\(format.rawValue): AAGUID extension is critical")
        }
        let value: [UInt8]
        do {
            value = try DERReader.readSingle(item.value).octetString()
        } catch {
            throw WebAuthnFailure(.certificateMalformed, "\(format.rawValue): AAGUID extension is not an OCTET STRING")
        }
        guard value.count == 16 else {
            throw WebAuthnFailure(.certificateMalformed, "\(format.rawValue): AAGUID extension is not 16 bytes")
        }
        guard value == aaguid.bytes else {
            throw WebAuthnFailure(
                .aaguidMismatch, "\(format.rawValue): certificate AAGUID differs from authenticator data")
        }
    }
}

/// Object identifiers the formats read.
enum ObjectIdentifier {
    static let fidoAAGUID = "1.3.6.1.4.1.45724.1.1.4"
    static let appleNonce = "1.2.840.113635.100.8.2"
    static let androidKeyDescription = "1.3.6.1.4.1.11129.2.1.17"
    static let tpmManufacturer = "2.23.133.2.1"
    static let tpmModel = "2.23.133.2.2"
    static let tpmVersion = "2.23.133.2.3"
    static let tpmAttestationKeyPurpose = "2.23.133.8.3"
}
