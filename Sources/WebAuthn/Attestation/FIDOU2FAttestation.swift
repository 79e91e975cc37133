import TapCrypto

/// `fido-u2f` (§8.6): one P-256 attestation certificate signs the U2F registration message.
enum FIDOU2FAttestation {
    static func verify(_ input: AttestationInput) throws(WebAuthnFailure) -> StatementResult {
        let statement = input.statement
        try statement.requireOnly(["sig", "x5c"], format: .fidoU2F)
        let signature = try statement.requiredBytes("sig", format: .fidoU2F)
        guard let certificates = try statement.certificates(format: .fidoU2F) else {
            throw WebAuthnFailure(.attestationStatementMalformed, "fido-u2f: x5c missing")
        }
        guard certificates.count == 1 else {
            throw WebAuthnFailure(.attestationStatementMalformed, "fido-u2f: x5c must hold exactly one certificate")
        }
        let key = try certificates[0].attestationKey(format: .fidoU2F)
        guard key.kind == .ellipticCurve(.p256) else {
            throw WebAuthnFailure(.certificateProfileInvalid, "fido-u2f: attestation key is not P-256")
        }
        guard case .ec2(.p256, let x, let y) = input.credentialKey.parameters else {
            throw WebAuthnFailure(.publicKeyUnsupported, "fido-u2f: credential key is not EC2 P-256")
        }
        guard input.credential.aaguid == .zero else {
            throw WebAuthnFailure(.aaguidMismatch, "fido-u2f: AAGUID is not zero")
        }
        let message: [UInt8] =
            [0x00] + input.authenticatorData.rpIDHash + input.clientDataHash
            + input.credential.credentialID + [0x04] + x + y
        guard key.isValidSignature(signature, over: message, algorithm: .ecdsaP256SHA256) else {
            throw WebAuthnFailure(
                .signatureInvalid, "fido-u2f: signature does not verify with the attestation certificate")
        }
        try certificates[0].requireNotCertificateAuthority(format: .fidoU2F)
        return StatementResult(type: .basic, certificates: certificates)
    }
}
