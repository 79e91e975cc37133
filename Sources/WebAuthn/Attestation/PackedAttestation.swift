import TapCrypto

/// `packed` (§8.2): self attestation signed by the credential key, or basic attestation signed by an x5c leaf
/// whose certificate meets the profile of §8.2.1.
enum PackedAttestation {
    static func verify(_ input: AttestationInput) throws(WebAuthnFailure) -> StatementResult {
        let (algorithm, signature, certificates) =
            try input.statement.algorithmSignatureAndCertificates(format: .packed)
        guard let certificates else {
            // Self attestation: the statement's alg must be the credential's, and the credential key signs.
            guard algorithm == input.credentialKey.algorithm else {
                throw WebAuthnFailure(.attestationAlgorithmMismatch, "packed self: alg differs from the credential's")
            }
            guard input.credentialKey.isValidSignature(signature, over: input.signedData) else {
                throw WebAuthnFailure(
                    .signatureInvalid, "packed self: signature does not verify with the credential key")
            }
            return StatementResult(type: .selfAttestation, certificates: [])
        }

        let leaf = certificates[0]
        let key = try leaf.attestationKey(format: .packed)
        guard key.isValidSignature(signature, over: input.signedData, algorithm: algorithm.signatureAlgorithm) else {
            throw WebAuthnFailure(
                .signatureInvalid, "packed: signature does not verify with the attestation certificate")
        }
        try checkCertificateProfile(leaf)
        try leaf.requireMatchingAAGUIDExtension(input.credential.aaguid, format: .packed)
        return StatementResult(type: .basic, certificates: certificates)
    }

    /// §8.2.1: version 3; subject C (two letters), O, OU = "Authenticator Attestation" and CN; not a CA.
    static func checkCertificateProfile(_ certificate: Certificate) throws(WebAuthnFailure) {
        func invalid(_ detail: String) -> WebAuthnFailure {
            WebAuthnFailure(.certificateProfileInvalid, "packed: \(detail)")
        }
        guard certificate.version == 3 else { throw invalid("certificate is not X.509 v3") }
        let country = certificate.subjectValues(NameAttribute.country)
        guard country.count == 1, country[0].utf8.count == 2,
            country[0].utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        else {
            throw invalid("subject C is not one ISO 3166 code")
        }
        let organization = certificate.subjectValues(NameAttribute.organization)
        guard organization.count == 1, !organization[0].isEmpty else { throw invalid("subject O missing") }
        guard certificate.subjectValues(NameAttribute.organizationalUnit) == ["Authenticator Attestation"] else {
            throw invalid("subject OU is not \"Authenticator Attestation\"")
        }
        let commonName = certificate.subjectValues(NameAttribute.commonName)
        guard commonName.count == 1, !commonName[0].isEmpty else { throw invalid("subject CN missing") }
        try certificate.requireNotCertificateAuthority(format: .packed)
    }
}
