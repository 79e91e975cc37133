import TapCrypto

/// `android-key` (§8.4): Android Keystore attests a hardware key; the leaf carries the key description extension.
/// The chain to Google's hardware attestation roots is checked by the trust step.
enum AndroidKeyAttestation {
    /// Keymaster tags in an AuthorizationList (context-specific, explicitly tagged).
    private enum Tag {
        static let purpose: UInt64 = 1
        static let allApplications: UInt64 = 600
        static let origin: UInt64 = 702
    }

    private static let purposeSign = 2
    private static let originGenerated = 0

    static func verify(_ input: AttestationInput) throws(WebAuthnFailure) -> StatementResult {
        let (algorithm, signature, certificates) =
            try input.statement.algorithmSignatureAndCertificates(format: .androidKey)
        guard let certificates else {
            throw WebAuthnFailure(.attestationStatementMalformed, "android-key: x5c missing")
        }
        let leaf = certificates[0]
        let key = try leaf.attestationKey(format: .androidKey)
        guard key.isValidSignature(signature, over: input.signedData, algorithm: algorithm.signatureAlgorithm) else {
            throw WebAuthnFailure(.signatureInvalid, "android-key: signature does not verify with the leaf certificate")
        }
        guard key.isSameKey(as: input.credentialKey.key) else {
            throw WebAuthnFailure(.publicKeyMismatch, "android-key: leaf key is not the credential key")
        }
        guard let item = leaf.extension(ObjectIdentifier.androidKeyDescription) else {
            throw WebAuthnFailure(.certificateProfileInvalid, "android-key: key description extension missing")
        }
        try checkKeyDescription(item.value, clientDataHash: input.clientDataHash)
        return StatementResult(type: .basic, certificates: certificates)
    }

    /// KeyDescription ::= SEQUENCE { attestationVersion, attestationSecurityLevel, keymasterVersion,
    /// keymasterSecurityLevel, attestationChallenge OCTET STRING, uniqueId, softwareEnforced AuthorizationList,
    /// teeEnforced AuthorizationList, ... }.
    ///
    /// The challenge must be the client data hash; neither list may say allApplications; and the hardware-enforced
    /// list must say the key was generated inside the device (not imported) for signing.
    static func checkKeyDescription(_ der: [UInt8], clientDataHash: [UInt8]) throws(WebAuthnFailure) {
        func invalid(_ detail: String) -> WebAuthnFailure {
            WebAuthnFailure(.androidKeyDescriptionInvalid, "android-key: \(detail)")
        }
        let fields: [DERElement]
        let softwareEnforced: [DERElement], hardwareEnforced: [DERElement]
        do {
            fields = try DERReader.readSingle(der).children()
            guard fields.count >= 8, fields[6].isUniversal(DERElement.Universal.sequence),
                fields[7].isUniversal(DERElement.Universal.sequence)
            else {
                throw DERError.unexpected("KeyDescription has the wrong shape")
            }
            softwareEnforced = try fields[6].children()
            hardwareEnforced = try fields[7].children()
        } catch {
            throw invalid("key description: \(error)")
        }
        let challenge: [UInt8]
        do {
            challenge = try fields[4].octetString()
        } catch {
            throw invalid("attestationChallenge is not an OCTET STRING")
        }
        guard Crypto.constantTimeEqual(challenge, clientDataHash) else {
            throw WebAuthnFailure(.nonceMismatch, "android-key: attestationChallenge is not the client data hash")
        }
        for entry in softwareEnforced + hardwareEnforced where entry.tagClass == .contextSpecific {
            if entry.tagNumber == Tag.allApplications { throw invalid("key is usable by all applications") }
        }
        let origin = hardwareEnforced.first { $0.tagClass == .contextSpecific && $0.tagNumber == Tag.origin }
        let purpose = hardwareEnforced.first { $0.tagClass == .contextSpecific && $0.tagNumber == Tag.purpose }
        do {
            guard let origin, try origin.children().count == 1,
                try origin.children()[0].smallInteger() == originGenerated
            else {
                throw invalid("hardware-enforced origin is not GENERATED")
            }
            guard let purpose, try purpose.children().count == 1 else {
                throw invalid("hardware-enforced purpose missing")
            }
            let purposes = try purpose.children()[0].children().map { element throws(DERError) in
                try element.smallInteger()
            }
            guard purposes == [purposeSign] else { throw invalid("hardware-enforced purpose is not exactly SIGN") }
        } catch let error as WebAuthnFailure {
            throw error
        } catch {
            throw invalid("authorization list: \(error)")
        }
    }
}
