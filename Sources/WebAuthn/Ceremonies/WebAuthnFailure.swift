/// Why a registration or an assertion was refused: a stable reason plus a human-readable detail.
///
/// The reason's raw value never changes once released; the API reports it as `webauthn_<reason>`. The detail is
/// for logs and the admin tool; it names what was wrong but never echoes secrets.
public struct WebAuthnFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable reason; `code` is its API form.
    public let reason: Reason
    /// What exactly was wrong, for logs and the admin tool.
    public let detail: String

    public init(_ reason: Reason, _ detail: String = "") {
        self.reason = reason
        self.detail = detail
    }

    /// The API error code, e.g. `webauthn_challenge_mismatch`.
    public var code: String { "webauthn_" + reason.rawValue }

    public var description: String { detail.isEmpty ? code : "\(code): \(detail)" }

    /// Stable reason codes, in roughly the order the checks run.
    public enum Reason: String, Sendable, CaseIterable {
        // Input hygiene (the posted credential JSON).
        case malformedResponse = "malformed_response"
        case invalidBase64URL = "invalid_base64url"
        case credentialTypeInvalid = "credential_type_invalid"
        case idRawIDMismatch = "id_rawid_mismatch"

        // Client data (steps 1-6).
        case clientDataMalformed = "client_data_malformed"
        case clientDataTypeMismatch = "client_data_type_mismatch"
        case challengeMismatch = "challenge_mismatch"
        case originMismatch = "origin_mismatch"
        case crossOriginNotAllowed = "cross_origin_not_allowed"
        case topOriginNotAllowed = "top_origin_not_allowed"

        // CBOR (step 8).
        case cborTruncated = "cbor_truncated"
        case cborTrailingBytes = "cbor_trailing_bytes"
        case cborNestingTooDeep = "cbor_nesting_too_deep"
        case cborLengthTooLarge = "cbor_length_too_large"
        case cborDuplicateMapKey = "cbor_duplicate_map_key"
        case cborMalformed = "cbor_malformed"
        case attestationObjectMalformed = "attestation_object_malformed"

        // Authenticator data (step 8).
        case authenticatorDataTruncated = "authenticator_data_truncated"
        case authenticatorDataTrailingBytes = "authenticator_data_trailing_bytes"
        case credentialIDLengthInvalid = "credential_id_length_invalid"
        case attestedCredentialDataMissing = "attested_credential_data_missing"
        case extensionsMalformed = "extensions_malformed"

        // Flags and relying party (steps 9-14).
        case rpIDMismatch = "rp_id_mismatch"
        case userPresenceMissing = "user_presence_missing"
        case userVerificationMissing = "user_verification_missing"
        case backupStateWithoutEligibility = "backup_state_without_eligibility"

        // Credential public key (step 15).
        case algorithmNotAllowed = "algorithm_not_allowed"
        case publicKeyMalformed = "public_key_malformed"
        case publicKeyUnsupported = "public_key_unsupported"

        // Attestation statement (steps 16-17).
        case formatUnsupported = "format_unsupported"
        case formatDisabled = "format_disabled"
        case attestationStatementMalformed = "attestation_statement_malformed"
        case attestationAlgorithmMismatch = "attestation_algorithm_mismatch"
        case signatureInvalid = "signature_invalid"
        case certificateMalformed = "certificate_malformed"
        case certificateProfileInvalid = "certificate_profile_invalid"
        case aaguidMismatch = "aaguid_mismatch"
        case publicKeyMismatch = "public_key_mismatch"
        case nonceMismatch = "nonce_mismatch"
        case androidKeyDescriptionInvalid = "android_key_description_invalid"
        case tpmStructureInvalid = "tpm_structure_invalid"
        case safetyNetIntegrityFailed = "safetynet_integrity_failed"
        case safetyNetTimestampInvalid = "safetynet_timestamp_invalid"

        // Trust (steps 18-19).
        case certificateExpired = "certificate_expired"
        case certificateNotYetValid = "certificate_not_yet_valid"
        case chainUntrusted = "chain_untrusted"
        case attestationNotTrusted = "attestation_not_trusted"
        case aaguidNotAllowed = "aaguid_not_allowed"
        /// The AAGUID names a model whose own roots (from FIDO metadata or configuration) the chain does not reach.
        case modelRootsNotReached = "model_roots_not_reached"

        // Passkey profile: the policy of the session's site and scenario (FIDOMetadata's PasskeyJudge).
        case attestationRequired = "attestation_required"
        case deviceBoundRequired = "device_bound_required"
        case aaguidBlocked = "aaguid_blocked"
        case certificationLevelTooLow = "certification_level_too_low"
        case authenticatorStatusRefused = "authenticator_status_refused"
        case metadataStale = "metadata_stale"

        // Credential id (steps 20-21).
        case credentialIDTooLong = "credential_id_too_long"
        case rawIDNotCredentialID = "rawid_not_credential_id"
        /// For the storage step: the id is registered already (step 21 needs the database).
        case credentialAlreadyRegistered = "credential_already_registered"

        // Challenge bookkeeping, for the HTTP step that issues and consumes challenges.
        case challengeExpired = "challenge_expired"
        case challengeReplayed = "challenge_replayed"
        /// The challenge was issued to another session (or relying-party token) than the one answering it.
        case challengeHolderMismatch = "challenge_holder_mismatch"
        /// The challenge was issued for another ceremony (a registration challenge answered by a sign-in).
        case challengePurposeMismatch = "challenge_purpose_mismatch"

        // Assertion.
        case credentialNotAllowed = "credential_not_allowed"
        case userHandleMismatch = "user_handle_mismatch"
        case signCountRegressed = "sign_count_regressed"
        case backupEligibilityChanged = "backup_eligibility_changed"
        /// The key's model got a refused status after it registered, and the policy suspends such keys.
        case keySuspended = "key_suspended"
    }
}

extension WebAuthnFailure {
    /// Maps a CBOR decoding error to its reason.
    init(_ error: CBORError, while context: String) {
        switch error {
        case .truncated: self.init(.cborTruncated, "\(context): input ends inside an item")
        case .trailingBytes: self.init(.cborTrailingBytes, "\(context): bytes follow the item")
        case .nestingTooDeep: self.init(.cborNestingTooDeep, "\(context): nesting too deep")
        case .lengthTooLarge: self.init(.cborLengthTooLarge, "\(context): declared length exceeds the input")
        case .duplicateMapKey: self.init(.cborDuplicateMapKey, "\(context): a map key repeats")
        case .malformed(let detail): self.init(.cborMalformed, "\(context): \(detail)")
        }
    }
}
