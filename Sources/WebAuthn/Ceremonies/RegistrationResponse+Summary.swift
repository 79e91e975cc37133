/// What a registration response claims, read without verifying anything: for reporting why it was refused
/// (the admin tool prints the format and AAGUID of refused cases too). Never a basis for a decision.
public struct UnverifiedAttestationSummary: Sendable, Equatable {
    /// `fmt`, when the attestation object decodes as a map with a text `fmt`.
    public let format: String?
    /// The AAGUID, when the authenticator data parses far enough to hold one.
    public let aaguid: AAGUID?
}

extension RegistrationResponse {
    /// The claimed format and AAGUID, as far as the attestation object can be read.
    public var unverifiedSummary: UnverifiedAttestationSummary {
        guard let map = try? CBORDecoder.decode(attestationObject).mapValue else {
            return UnverifiedAttestationSummary(format: nil, aaguid: nil)
        }
        let format = map[text: "fmt"]?.textString
        var aaguid: AAGUID?
        // The AAGUID sits at bytes 37..<53 when the AT flag is set; read it even if later parts are broken.
        if let data = map[text: "authData"]?.byteString, data.count >= 53, data[32] & 0x40 != 0 {
            aaguid = AAGUID(bytes: Array(data[37..<53]))
        }
        return UnverifiedAttestationSummary(format: format, aaguid: aaguid)
    }
}
