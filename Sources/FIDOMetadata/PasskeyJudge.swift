import Foundation
import WebAuthn

import enum TapCore.CertificationLevel
import struct TapCore.EffectivePasskeyProfile

/// Judges a key that passed every WebAuthn check against the passkey profile of its site and scenario and the
/// FIDO metadata in force. Each refusal names the rule it broke (`webauthn_<reason>`).
public enum PasskeyJudge {
    /// What the judge needs to know of a verified registration.
    public struct Candidate: Sendable {
        /// The AAGUID the authenticator data claims (lower case).
        public var aaguid: String
        /// Whether the attestation chain reached a known root, which proves the model.
        public var modelProven: Bool
        /// BE: the credential may be backed up or synced.
        public var backupEligible: Bool

        /// Makes a candidate.
        public init(aaguid: String, modelProven: Bool, backupEligible: Bool) {
            self.aaguid = aaguid.lowercased()
            self.modelProven = modelProven
            self.backupEligible = backupEligible
        }

        /// The candidate a verified credential is.
        public init(_ credential: RegisteredCredential) {
            let proven: Bool
            if case .anchored = credential.attestation.trust { proven = true } else { proven = false }
            self.init(
                aaguid: credential.aaguid.description, modelProven: proven,
                backupEligible: credential.backupEligible)
        }
    }

    /// Refuses `candidate` when `profile` does, with `metadata` (nil when none was imported) at `now`.
    public static func judge(
        _ candidate: Candidate, profile: EffectivePasskeyProfile, metadata: MetadataCatalog?, now: Date
    ) throws(WebAuthnFailure) {
        let aaguid = candidate.aaguid
        // A claim is enough to refuse: a key that says it is a blocked model is not wanted either way.
        if profile.blockedAAGUIDs.contains(aaguid) {
            throw WebAuthnFailure(.aaguidBlocked, "the model \(aaguid) is on this site's block list")
        }
        if profile.deviceBoundOnly && candidate.backupEligible {
            throw WebAuthnFailure(
                .deviceBoundRequired,
                "the credential may be backed up or synced (BE), and only device-bound keys are accepted")
        }
        if (profile.attestationRequired || profile.needsProvenModel) && !candidate.modelProven {
            throw WebAuthnFailure(
                .attestationRequired, "the key does not prove its model: its attestation reaches no known root")
        }
        if !profile.allowedAAGUIDs.isEmpty && !profile.allowedAAGUIDs.contains(aaguid) {
            throw WebAuthnFailure(.aaguidNotAllowed, "the model \(aaguid) is not on this site's allow list")
        }
        let needsMetadata = profile.minimumCertificationLevel != nil || !profile.refusedStatuses.isEmpty
        if let metadata, needsMetadata, metadata.isStale(at: now), !profile.staleMetadataAccepted {
            throw WebAuthnFailure(
                .metadataStale, "the FIDO metadata in force (no \(metadata.number)) is past its next update")
        }
        let entry = metadata?.entry(aaguid: aaguid)
        if let status = entry?.currentStatus?.rawValue, profile.refuses(status: status) {
            throw WebAuthnFailure(.authenticatorStatusRefused, "FIDO reports the model \(aaguid) as \(status)")
        }
        if let minimum = profile.minimumCertificationLevel {
            guard let level = entry?.certificationLevel else {
                let why = metadata == nil ? "no FIDO metadata is imported" : "the metadata names no certification"
                throw WebAuthnFailure(
                    .certificationLevelTooLow, "\(minimum.plainName) or higher is required, and \(why) for \(aaguid)")
            }
            guard level >= minimum.value else {
                let held = CertificationLevel(level)?.plainName ?? "\(level)"
                throw WebAuthnFailure(
                    .certificationLevelTooLow, "\(minimum.plainName) or higher is required; the model holds \(held)")
            }
        }
    }
}
