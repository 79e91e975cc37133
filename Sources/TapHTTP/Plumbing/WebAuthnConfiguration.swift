import Foundation
import WebAuthn

/// The relying party TapStation registers keys for, and what it accepts from them (docs/configuration.md).
public struct WebAuthnConfiguration: Sendable {
    /// The RP ID keys are scoped to: the organisation's domain (`contoso.example`), or `localhost` for tests.
    public var relyingPartyID: String
    /// The name some authenticators show.
    public var relyingPartyName: String
    /// The exact origins the enrollment page is served from (scheme, host, port; no trailing slash).
    public var origins: Set<String>
    /// The attestation conveyance asked for, how far an attestation must chain, the optional AAGUID allow-list,
    /// and the anchors (the shipped roots plus PEM files an admin configured).
    public var attestationPolicy: AttestationPolicy
    /// How long a challenge may be answered.
    public var challengeLifetime: TimeInterval
    /// How long the browser waits for the user, in milliseconds.
    public var timeoutMilliseconds: Int

    /// Makes a configuration; the defaults suit a test server on `http://localhost:8080`.
    public init(
        relyingPartyID: String = "localhost", relyingPartyName: String = "TapStation",
        origins: Set<String> = ["http://localhost:8080"], attestationPolicy: AttestationPolicy = AttestationPolicy(),
        challengeLifetime: TimeInterval = 300, timeoutMilliseconds: Int = 300_000
    ) {
        self.relyingPartyID = relyingPartyID
        self.relyingPartyName = relyingPartyName
        self.origins = origins
        self.attestationPolicy = attestationPolicy
        self.challengeLifetime = challengeLifetime
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The relying party the verifier checks against.
    public var relyingParty: RelyingParty { RelyingParty(id: relyingPartyID, origins: origins) }
}
