import Foundation
import TapCrypto
import WebAuthn

/// A FIDO Metadata Service BLOB (MDS3) whose signature, chain and fields were checked: its serial number, when
/// FIDO promises the next one, and one entry per authenticator model.
public struct MetadataBLOB: Sendable {
    /// `no`: each BLOB FIDO publishes has a greater one; a BLOB not greater than the last accepted is refused.
    public var number: Int
    /// `nextUpdate`: after this day the metadata is stale.
    public var nextUpdate: Date
    public var legalHeader: String?
    public var entries: [MetadataEntry]

    /// The entries of FIDO2 authenticators, by their AAGUID (lower case).
    public var byAAGUID: [String: MetadataEntry] {
        Dictionary(
            entries.compactMap { entry in entry.aaguid.map { ($0, entry) } }, uniquingKeysWith: { first, _ in first })
    }
}

/// One authenticator model as the metadata describes it.
public struct MetadataEntry: Sendable, Equatable {
    /// The FIDO2 model's AAGUID, lower case with dashes; `nil` for U2F and UAF entries.
    public var aaguid: String?
    /// The model's name (`metadataStatement.description`).
    public var description: String
    /// The roots this model's attestation chains must end at (`attestationRootCertificates`).
    public var attestationRoots: [Certificate]
    /// FIDO's reports on the model, oldest first as published.
    public var statusReports: [StatusReport]
    public var timeOfLastStatusChange: Date?

    /// The highest FIDO certification the reports grant (1, 2, 3 or 3.5 for L3+), unless a later report
    /// revoked it; `nil` when the model is not certified.
    public var certificationLevel: Double? {
        var level: Double?
        for report in statusReports {
            if let granted = report.status.certificationLevel {
                level = max(level ?? 0, granted)
            } else if report.status == .revoked {
                level = nil
            }
        }
        return level
    }

    /// The newest report's status: what FIDO says of the model now.
    public var currentStatus: AuthenticatorStatus? { statusReports.last?.status }
}

/// One of FIDO's reports on a model.
public struct StatusReport: Sendable, Equatable {
    public var status: AuthenticatorStatus
    public var effectiveDate: Date?
}

/// FIDO's `AuthenticatorStatus` values (FIDO Metadata Service §3.1.4); one FIDO adds later is kept by name.
public struct AuthenticatorStatus: RawRepresentable, Sendable, Hashable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let notFidoCertified = Self(rawValue: "NOT_FIDO_CERTIFIED")
    public static let fidoCertified = Self(rawValue: "FIDO_CERTIFIED")
    public static let userVerificationBypass = Self(rawValue: "USER_VERIFICATION_BYPASS")
    public static let attestationKeyCompromise = Self(rawValue: "ATTESTATION_KEY_COMPROMISE")
    public static let userKeyRemoteCompromise = Self(rawValue: "USER_KEY_REMOTE_COMPROMISE")
    public static let userKeyPhysicalCompromise = Self(rawValue: "USER_KEY_PHYSICAL_COMPROMISE")
    public static let updateAvailable = Self(rawValue: "UPDATE_AVAILABLE")
    public static let revoked = Self(rawValue: "REVOKED")
    public static let selfAssertionSubmitted = Self(rawValue: "SELF_ASSERTION_SUBMITTED")

    /// The level a `FIDO_CERTIFIED…` status grants (plain `FIDO_CERTIFIED` is L1).
    public var certificationLevel: Double? {
        switch rawValue {
        case "FIDO_CERTIFIED", "FIDO_CERTIFIED_L1": 1
        case "FIDO_CERTIFIED_L1plus": 1.5
        case "FIDO_CERTIFIED_L2": 2
        case "FIDO_CERTIFIED_L2plus": 2.5
        case "FIDO_CERTIFIED_L3": 3
        case "FIDO_CERTIFIED_L3plus": 3.5
        default: nil
        }
    }
}

extension MetadataBLOB {
    /// `anchors` with each FIDO2 model's own roots scoped to its AAGUID: a key that claims a model must chain to
    /// that model's roots (a chain that misses them is refused in every trust mode), and one that does is
    /// anchored as that model.
    public func addingModelRoots(to anchors: TrustAnchors) -> TrustAnchors {
        var copy = anchors
        for entry in entries where !entry.attestationRoots.isEmpty {
            guard let text = entry.aaguid, let aaguid = AAGUID(uuidString: text) else { continue }
            copy.byAAGUID[aaguid, default: []] += entry.attestationRoots
        }
        return copy
    }
}
