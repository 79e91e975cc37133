import TapCrypto

/// `tpm` (§8.3): a TPM's attestation key certifies the credential key's public area; the AIK certificate meets the
/// TPM profile of §8.3.1.
enum TPMAttestation {
    static func verify(_ input: AttestationInput) throws(WebAuthnFailure) -> StatementResult {
        let statement = input.statement
        try statement.requireOnly(["ver", "alg", "x5c", "sig", "certInfo", "pubArea"], format: .tpm)
        guard statement[text: "ver"]?.textString == "2.0" else {
            throw WebAuthnFailure(.attestationStatementMalformed, "tpm: ver is not \"2.0\"")
        }
        let algorithm = try statement.requiredAlgorithm(format: .tpm)
        let signature = try statement.requiredBytes("sig", format: .tpm)
        let certInfoBytes = try statement.requiredBytes("certInfo", format: .tpm)
        let pubAreaBytes = try statement.requiredBytes("pubArea", format: .tpm)
        guard let certificates = try statement.certificates(format: .tpm) else {
            throw WebAuthnFailure(.attestationStatementMalformed, "tpm: x5c missing (ECDAA is not supported)")
        }

        let pubArea = try TPMPublicArea(pubAreaBytes)
        guard matches(pubArea.key, input.credentialKey.parameters) else {
            throw WebAuthnFailure(.publicKeyMismatch, "tpm: pubArea key is not the credential key")
        }
        let certInfo = try TPMCertifyInfo(certInfoBytes)
        let expectedExtraData = algorithm.hashFunction.hash(input.signedData)
        guard Crypto.constantTimeEqual(certInfo.extraData, expectedExtraData) else {
            throw WebAuthnFailure(
                .nonceMismatch, "tpm: extraData is not the hash of authenticatorData ‖ clientDataHash")
        }
        guard let nameHash = TPMConstant.hashFunction(pubArea.nameAlgorithm) else {
            throw WebAuthnFailure(.tpmStructureInvalid, "tpm: unknown nameAlg \(pubArea.nameAlgorithm)")
        }
        let nameAlgorithmBytes = [UInt8(pubArea.nameAlgorithm >> 8), UInt8(pubArea.nameAlgorithm & 0xFF)]
        guard certInfo.attestedName == nameAlgorithmBytes + nameHash.hash(pubAreaBytes) else {
            throw WebAuthnFailure(.tpmStructureInvalid, "tpm: attested name is not the name of pubArea")
        }

        let leaf = certificates[0]
        let key = try leaf.attestationKey(format: .tpm)
        guard key.isValidSignature(signature, over: certInfoBytes, algorithm: algorithm.signatureAlgorithm) else {
            throw WebAuthnFailure(
                .signatureInvalid, "tpm: signature over certInfo does not verify with the AIK certificate")
        }
        try checkCertificateProfile(leaf)
        try leaf.requireMatchingAAGUIDExtension(input.credential.aaguid, format: .tpm)
        return StatementResult(type: .attestationCA, certificates: certificates)
    }

    private static func matches(_ tpmKey: TPMPublicArea.Key, _ credential: CredentialPublicKey.Parameters) -> Bool {
        switch (tpmKey, credential) {
        case (.rsa(let modulus, let exponent), .rsa(let credentialModulus, let credentialExponent)):
            return modulus == credentialModulus
                && UInt64(exponent) == credentialExponent.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        case (.ecc(let curveID, let x, let y), .ec2(let curve, let credentialX, let credentialY)):
            return TPMConstant.curve(curveID) == curve && x == credentialX && y == credentialY
        default:
            return false
        }
    }

    /// §8.3.1: v3, empty subject, a SAN naming the TPM's manufacturer (a registered TCG vendor), model and version,
    /// the tcg-kp-AIKCertificate EKU, and not a CA. Other extensions and EKUs are tolerated.
    static func checkCertificateProfile(_ certificate: Certificate) throws(WebAuthnFailure) {
        func invalid(_ detail: String) -> WebAuthnFailure {
            WebAuthnFailure(.certificateProfileInvalid, "tpm: \(detail)")
        }
        guard certificate.version == 3 else { throw invalid("AIK certificate is not X.509 v3") }
        guard certificate.subjectAttributes.isEmpty else { throw invalid("AIK certificate subject is not empty") }
        let attributes: [String: String]
        do {
            guard let names = try certificate.alternativeDirectoryNameAttributes else {
                throw invalid("AIK certificate has no subject alternative name")
            }
            attributes = names
        } catch let error as WebAuthnFailure {
            throw error
        } catch {
            throw WebAuthnFailure(.certificateMalformed, "tpm: \(error)")
        }
        guard let manufacturer = attributes[ObjectIdentifier.tpmManufacturer],
            attributes[ObjectIdentifier.tpmModel]?.isEmpty == false,
            attributes[ObjectIdentifier.tpmVersion]?.isEmpty == false
        else {
            throw invalid("SAN lacks TPM manufacturer, model or version")
        }
        guard manufacturer.hasPrefix("id:"),
            TPMVendor.registered.contains(String(manufacturer.dropFirst(3)).uppercased())
        else {
            throw invalid("TPM manufacturer \(manufacturer) is not a registered TCG vendor id")
        }
        let usages: [String]?
        do {
            usages = try certificate.extendedKeyUsage
        } catch {
            throw WebAuthnFailure(.certificateMalformed, "tpm: \(error)")
        }
        guard usages?.contains(ObjectIdentifier.tpmAttestationKeyPurpose) == true else {
            throw invalid("EKU lacks tcg-kp-AIKCertificate (2.23.133.8.3)")
        }
        try certificate.requireNotCertificateAuthority(format: .tpm)
    }
}

/// TCG's registered TPM vendor ids (TCG TPM Vendor ID Registry), as 8 hex digits; FFFFF1D0 is the FIDO Alliance's
/// conformance-testing id.
enum TPMVendor {
    static let registered: Set<String> = [
        "414D4400", "41544D4C", "4252434D", "4353434F", "464C5953", "474F4F47", "48504500", "48504900",
        "48495349", "49424D00", "49465800", "494E5443", "4C454E00", "4D534654", "4E534D20", "4E545A00",
        "4E544300", "51434F4D", "524F4343", "534D5343", "534D534E", "534E5300", "53544D20", "54584E00",
        "57454300", "FFFFF1D0",
    ]
}
