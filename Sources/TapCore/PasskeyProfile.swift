import Foundation

/// Which security keys a site and scenario accept, as in the policy: every field optional so that an override
/// names only what it changes (`overrides.bench-1.fido2Registration.passkeys.deviceBoundOnly`).
///
/// AAGUID lists, the certification level and the statuses judge the model a key *proves* it is: with an
/// unproven attestation (`none`, self, or a chain to no known root) the AAGUID is only a claim, so a rule that
/// needs the model refuses such a key unless no rule needs it.
public struct PasskeyProfile: Sendable, Equatable, Codable {
    /// Whether a key must prove its model: an attestation whose chain reaches a shipped, configured or metadata
    /// root. Absent means no.
    public var attestationRequired: Bool?
    /// Whether keys that may be backed up or synced (the BE flag) are refused. Absent means no.
    public var deviceBoundOnly: Bool?
    /// When non-empty, only these models (AAGUIDs, lower case) may register.
    public var allowedAAGUIDs: [String]?
    /// Models refused whatever else is said.
    public var blockedAAGUIDs: [String]?
    /// The lowest FIDO certification accepted (`L1`, `L1plus`, `L2`, `L2plus`, `L3`, `L3plus`); absent means
    /// none is needed.
    public var minimumCertificationLevel: CertificationLevel?
    /// FIDO metadata statuses that refuse a model when they are its newest report.
    public var refusedStatuses: [String]?
    /// Whether the key must verify the user (PIN or biometrics) when it registers. Absent means yes.
    public var userVerificationRequired: Bool?
    /// Whether metadata past its `nextUpdate` still judges keys; when not, a rule that needs the metadata
    /// refuses every key until fresh metadata is imported. Absent means yes.
    public var staleMetadataAccepted: Bool?
    /// Whether a registered key whose model gets a refused status is suspended for sign-ins through the
    /// assertion API (it is flagged and reported either way). Absent means no.
    public var flaggedKeysSuspended: Bool?

    /// Makes a profile; unspecified fields are inherited.
    public init(
        attestationRequired: Bool? = nil, deviceBoundOnly: Bool? = nil, allowedAAGUIDs: [String]? = nil,
        blockedAAGUIDs: [String]? = nil, minimumCertificationLevel: CertificationLevel? = nil,
        refusedStatuses: [String]? = nil, userVerificationRequired: Bool? = nil, staleMetadataAccepted: Bool? = nil,
        flaggedKeysSuspended: Bool? = nil
    ) {
        self.attestationRequired = attestationRequired
        self.deviceBoundOnly = deviceBoundOnly
        self.allowedAAGUIDs = allowedAAGUIDs
        self.blockedAAGUIDs = blockedAAGUIDs
        self.minimumCertificationLevel = minimumCertificationLevel
        self.refusedStatuses = refusedStatuses
        self.userVerificationRequired = userVerificationRequired
        self.staleMetadataAccepted = staleMetadataAccepted
        self.flaggedKeysSuspended = flaggedKeysSuspended
    }

    /// `self` with every field that `other` sets taken from `other`.
    public func overlaid(with other: PasskeyProfile?) -> PasskeyProfile {
        guard let other else { return self }
        return PasskeyProfile(
            attestationRequired: other.attestationRequired ?? attestationRequired,
            deviceBoundOnly: other.deviceBoundOnly ?? deviceBoundOnly,
            allowedAAGUIDs: other.allowedAAGUIDs ?? allowedAAGUIDs,
            blockedAAGUIDs: other.blockedAAGUIDs ?? blockedAAGUIDs,
            minimumCertificationLevel: other.minimumCertificationLevel ?? minimumCertificationLevel,
            refusedStatuses: other.refusedStatuses ?? refusedStatuses,
            userVerificationRequired: other.userVerificationRequired ?? userVerificationRequired,
            staleMetadataAccepted: other.staleMetadataAccepted ?? staleMetadataAccepted,
            flaggedKeysSuspended: other.flaggedKeysSuspended ?? flaggedKeysSuspended)
    }

    /// The statuses FIDO uses for a model that must no longer be trusted: refused unless a profile says otherwise.
    public static let defaultRefusedStatuses = [
        "REVOKED", "ATTESTATION_KEY_COMPROMISE", "USER_VERIFICATION_BYPASS", "USER_KEY_REMOTE_COMPROMISE",
        "USER_KEY_PHYSICAL_COMPROMISE",
    ]

    /// The profile with every field decided.
    public var effective: EffectivePasskeyProfile {
        EffectivePasskeyProfile(
            attestationRequired: attestationRequired ?? false, deviceBoundOnly: deviceBoundOnly ?? false,
            allowedAAGUIDs: Set((allowedAAGUIDs ?? []).map { $0.lowercased() }).sorted(),
            blockedAAGUIDs: Set((blockedAAGUIDs ?? []).map { $0.lowercased() }).sorted(),
            minimumCertificationLevel: minimumCertificationLevel,
            refusedStatuses: Set(refusedStatuses ?? Self.defaultRefusedStatuses).sorted(),
            userVerificationRequired: userVerificationRequired ?? true,
            staleMetadataAccepted: staleMetadataAccepted ?? true, flaggedKeysSuspended: flaggedKeysSuspended ?? false)
    }

    /// The first field outside its bounds, as a violation under `path`.
    func violation(path: String) -> PolicyViolation? {
        for (name, list) in [("allowedAAGUIDs", allowedAAGUIDs), ("blockedAAGUIDs", blockedAAGUIDs)] {
            guard let list else { continue }
            if list.count > 1_000 { return PolicyViolation(field: "\(path).\(name)", bound: "at most 1,000 AAGUIDs") }
            if let bad = list.first(where: { !Self.isAAGUID($0) }) {
                return PolicyViolation(
                    field: "\(path).\(name)", bound: "AAGUIDs like 2fc0579f-8113-47ea-b116-bb5a8db9202a (not \(bad))")
            }
        }
        if let statuses = refusedStatuses {
            if let bad = statuses.first(where: { !Self.isStatus($0) }) {
                return PolicyViolation(
                    field: "\(path).refusedStatuses",
                    bound: "FIDO status names in capitals, like REVOKED or USER_VERIFICATION_BYPASS (not \(bad))")
            }
        }
        return nil
    }

    static func isAAGUID(_ text: String) -> Bool {
        guard text.count == 36, let uuid = UUID(uuidString: text) else { return false }
        return uuid.uuidString.lowercased() == text.lowercased()
    }

    static func isStatus(_ text: String) -> Bool {
        (1...64).contains(text.count) && text.allSatisfy { ("A"..."Z").contains($0) || $0 == "_" || $0.isNumber }
    }
}

/// A FIDO certification level, as the policy names it.
public enum CertificationLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case l1 = "L1", l1plus = "L1plus", l2 = "L2", l2plus = "L2plus", l3 = "L3", l3plus = "L3plus"

    /// The level as a number (L1plus is 1.5), to compare with what the metadata grants.
    public var value: Double {
        switch self {
        case .l1: 1
        case .l1plus: 1.5
        case .l2: 2
        case .l2plus: 2.5
        case .l3: 3
        case .l3plus: 3.5
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    /// As FIDO writes it for people: `L1+` for `L1plus`.
    public var plainName: String { rawValue.replacingOccurrences(of: "plus", with: "+") }
}

/// A passkey profile with every field decided: what the registration ceremony and the re-judging of keys apply.
/// Lists are sorted and without repeats, so that the document reads the same each time.
public struct EffectivePasskeyProfile: Sendable, Equatable, Codable {
    public var attestationRequired: Bool
    public var deviceBoundOnly: Bool
    public var allowedAAGUIDs: [String]
    public var blockedAAGUIDs: [String]
    public var minimumCertificationLevel: CertificationLevel?
    public var refusedStatuses: [String]
    public var userVerificationRequired: Bool
    public var staleMetadataAccepted: Bool
    public var flaggedKeysSuspended: Bool

    /// Whether a model FIDO reports as `status` is refused (a registered key of it is flagged).
    public func refuses(status: String?) -> Bool { status.map(refusedStatuses.contains) ?? false }

    /// Whether a rule judges the model, which only a proven attestation shows.
    public var needsProvenModel: Bool { !allowedAAGUIDs.isEmpty || minimumCertificationLevel != nil }

    /// What this profile accepts, in plain words for the person at the enrollment page.
    public var plainWords: [String] {
        var lines: [String] = []
        if !allowedAAGUIDs.isEmpty {
            lines.append("Only the security key models your organisation chose are accepted.")
        } else if attestationRequired || needsProvenModel {
            lines.append("The key must prove its make and model; passkeys saved in a browser or phone are refused.")
        }
        if deviceBoundOnly && !(attestationRequired || needsProvenModel) {
            lines.append("The passkey must stay on one device: passkeys that sync between devices are refused.")
        } else if deviceBoundOnly {
            lines.append("Keys that sync to other devices are refused.")
        }
        if let level = minimumCertificationLevel {
            lines.append("The model must be FIDO certified at level \(level.plainName) or higher.")
        }
        if !refusedStatuses.isEmpty {
            lines.append("Models FIDO reports as compromised are refused.")
        }
        if userVerificationRequired { lines.append("The key asks for your PIN, fingerprint or face.") }
        return lines
    }
}
