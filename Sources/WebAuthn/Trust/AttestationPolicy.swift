/// What attestation the relying party asks for and what it accepts.
public struct AttestationPolicy: Sendable {
    /// The `attestation` conveyance preference put in creation options.
    public enum Conveyance: String, Sendable, CaseIterable, Codable {
        case none, indirect, direct, enterprise
    }

    /// How much an attestation must prove.
    public enum TrustMode: String, Sendable, CaseIterable, Codable {
        /// `none` and self attestation are accepted and marked so; every x5c statement must verify in signature,
        /// certificate profile and validity; a chain must reach an anchor wherever one is known for the format or
        /// AAGUID, and may stay unanchored otherwise.
        case signatureOnly
        /// Only keys whose attestation chain reaches a shipped or configured anchor.
        case anchored
    }

    /// The conveyance to request in creation options.
    public var conveyance: Conveyance
    /// How much an attestation must prove to be accepted.
    public var trustMode: TrustMode
    /// When set, only these authenticator models may register (pointless without `anchored`: an unproven AAGUID is
    /// only a claim).
    public var allowedAAGUIDs: Set<AAGUID>?
    /// Formats verified; others are refused as disabled.
    public var enabledFormats: Set<AttestationFormat>
    /// Where chains may end: shipped roots plus what the admin configured.
    public var anchors: TrustAnchors

    /// The formats a service enables by default: all but `android-safetynet`, whose API Google retired.
    public static let defaultFormats: Set<AttestationFormat> = [.none, .packed, .fidoU2F, .apple, .androidKey, .tpm]

    public init(
        conveyance: Conveyance = .direct, trustMode: TrustMode = .signatureOnly, allowedAAGUIDs: Set<AAGUID>? = nil,
        enabledFormats: Set<AttestationFormat> = defaultFormats, anchors: TrustAnchors = .wellKnown
    ) {
        self.conveyance = conveyance
        self.trustMode = trustMode
        self.allowedAAGUIDs = allowedAAGUIDs
        self.enabledFormats = enabledFormats
        self.anchors = anchors
    }
}
