import TapCrypto

/// Certificates an attestation chain may end at, scoped by format or AAGUID, plus general ones an admin added.
public struct TrustAnchors: Sendable {
    /// Anchors for one format (e.g. the Apple root for `apple`).
    public var byFormat: [AttestationFormat: [Certificate]]
    /// Anchors for one authenticator model (e.g. a vendor root for its AAGUIDs).
    public var byAAGUID: [AAGUID: [Certificate]]
    /// Anchors for any x5c format (PEM files an admin adds, roots from a metadata BLOB).
    public var general: [Certificate]

    public init(
        byFormat: [AttestationFormat: [Certificate]] = [:], byAAGUID: [AAGUID: [Certificate]] = [:],
        general: [Certificate] = []
    ) {
        self.byFormat = byFormat
        self.byAAGUID = byAAGUID
        self.general = general
    }

    /// The shipped roots: Apple for `apple`, Google's hardware attestation roots for `android-key`, GlobalSign for
    /// `android-safetynet`.
    public static let wellKnown: TrustAnchors = {
        func load(_ pems: [String]) -> [Certificate] {
            pems.flatMap { pem in
                // Compiled-in constants, checked by a test; a failure here is a build defect.
                guard let certificates = try? Certificate.parsePEMBundle(pem) else {
                    fatalError("shipped root does not parse")
                }
                return certificates
            }
        }
        return TrustAnchors(byFormat: [
            .apple: load([AttestationRoots.appleWebAuthnRootCA]),
            .androidKey: load([
                AttestationRoots.googleHardwareAttestationRoot2, AttestationRoots.googleHardwareAttestationRoot3,
                AttestationRoots.googleHardwareAttestationRoot4, AttestationRoots.googleHardwareAttestationRoot5,
            ]),
            .androidSafetyNet: load([AttestationRoots.globalSignRootCA]),
        ])
    }()

    /// A copy with the certificates of a PEM bundle added as general anchors.
    public func addingGeneral(pem: String) throws(CertificateError) -> TrustAnchors {
        var copy = self
        copy.general += try Certificate.parsePEMBundle(pem)
        return copy
    }

    /// Anchors scoped to this format or AAGUID: when any exist, a chain that misses them is refused in every mode.
    func scoped(format: AttestationFormat, aaguid: AAGUID) -> [Certificate] {
        (byFormat[format] ?? []) + (byAAGUID[aaguid] ?? [])
    }

    /// Every anchor a chain of this format and AAGUID may end at.
    func candidates(format: AttestationFormat, aaguid: AAGUID) -> [Certificate] {
        scoped(format: format, aaguid: aaguid) + general
    }
}
