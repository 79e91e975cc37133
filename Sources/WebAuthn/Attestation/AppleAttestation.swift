import TapCrypto

/// `apple` (§8.8): Apple's anonymisation CA certifies the credential key and binds it to this ceremony through a
/// nonce extension. The chain to the Apple WebAuthn Root CA is checked by the trust step.
enum AppleAttestation {
    static func verify(_ input: AttestationInput) throws(WebAuthnFailure) -> StatementResult {
        let statement = input.statement
        try statement.requireOnly(["x5c"], format: .apple)
        guard let certificates = try statement.certificates(format: .apple) else {
            throw WebAuthnFailure(.attestationStatementMalformed, "apple: x5c missing")
        }
        let leaf = certificates[0]
        guard let item = leaf.extension(ObjectIdentifier.appleNonce) else {
            throw WebAuthnFailure(.certificateProfileInvalid, "apple: nonce extension missing")
        }
        let nonce: [UInt8]
        do {
            // Apple's extension: SEQUENCE { [1] EXPLICIT OCTET STRING nonce }.
            let fields = try DERReader.readSingle(item.value).children()
            guard fields.count == 1, fields[0].tagClass == .contextSpecific, fields[0].tagNumber == 1 else {
                throw DERError.unexpected("not SEQUENCE { [1] OCTET STRING }")
            }
            let inner = try fields[0].children()
            guard inner.count == 1 else { throw DERError.unexpected("[1] holds more than one element") }
            nonce = try inner[0].octetString()
        } catch {
            throw WebAuthnFailure(.certificateMalformed, "apple: nonce extension: \(error)")
        }
        guard Crypto.constantTimeEqual(nonce, HashFunction.sha256.hash(input.signedData)) else {
            throw WebAuthnFailure(
                .nonceMismatch, "apple: nonce differs from SHA-256(authenticatorData ‖ clientDataHash)")
        }
        guard try leaf.attestationKey(format: .apple).isSameKey(as: input.credentialKey.key) else {
            throw WebAuthnFailure(.publicKeyMismatch, "apple: certificate key is not the credential key")
        }
        return StatementResult(type: .anonymizationCA, certificates: certificates)
    }
}
