import Foundation
import TapCrypto

/// Steps 18-19: decides whether a verified statement is trusted enough under the policy.
enum TrustAssessment {
    static func assess(
        _ result: StatementResult, format: AttestationFormat, aaguid: AAGUID, policy: AttestationPolicy, now: Date
    ) throws(WebAuthnFailure) -> AttestationFacts.Trust {
        guard let leaf = result.certificates.first else {
            guard policy.trustMode == .signatureOnly else {
                throw WebAuthnFailure(
                    .attestationNotTrusted, "\(result.type.rawValue) attestation proves nothing about the authenticator"
                )
            }
            return result.type == .selfAttestation ? .selfAttested : .unattested
        }
        try checkValidity(result.certificates, now: now)
        try checkInternalSignatures(result.certificates)

        let scoped = policy.anchors.scoped(format: format, aaguid: aaguid)
        let candidates = policy.anchors.candidates(format: format, aaguid: aaguid)
        let verification = CertificateChain.verify(
            leaf: leaf, intermediates: Array(result.certificates.dropFirst()), anchors: candidates, at: now
        )
        switch verification {
        case .trusted(_, let anchor):
            return .anchored(fingerprint: anchor.sha256Fingerprint.hexString, subject: anchor.subjectSummary)
        case .expired(let detail):
            throw WebAuthnFailure(.certificateExpired, "\(format.rawValue): \(detail)")
        case .notYetValid(let detail):
            throw WebAuthnFailure(.certificateNotYetValid, "\(format.rawValue): \(detail)")
        case .invalid(let detail), .revoked(let detail):
            // A broken certificate on the way to an anchor is a forgery, not a missing anchor.
            throw WebAuthnFailure(.chainUntrusted, "\(format.rawValue): \(detail)")
        case .noPathToAnchor(let detail):
            // A model's own roots are named as such: the key claims a model it cannot prove.
            if let modelRoots = policy.anchors.byAAGUID[aaguid], !modelRoots.isEmpty {
                throw WebAuthnFailure(
                    .modelRootsNotReached,
                    "\(format.rawValue): the chain reaches none of the roots of the model \(aaguid) claims (\(detail))")
            }
            // An anchor known for this format must be reached; otherwise only `anchored` insists.
            if !scoped.isEmpty || policy.trustMode == .anchored {
                throw WebAuthnFailure(.chainUntrusted, "\(format.rawValue): \(detail)")
            }
            return .unanchored
        }
    }

    /// Every x5c certificate must be valid at `now` (the injected clock), anchored or not.
    private static func checkValidity(_ certificates: [Certificate], now: Date) throws(WebAuthnFailure) {
        for certificate in certificates {
            switch certificate.validity(at: now) {
            case .valid: continue
            case .expired:
                throw WebAuthnFailure(
                    .certificateExpired, "\(certificate.subjectSummary) expired before the verification time")
            case .notYetValid:
                throw WebAuthnFailure(.certificateNotYetValid, "\(certificate.subjectSummary) is not valid yet")
            }
        }
    }

    /// Each x5c certificate must be signed by the next one: a path that does not even hang together is refused
    /// before any anchor is looked at.
    private static func checkInternalSignatures(_ certificates: [Certificate]) throws(WebAuthnFailure) {
        for (certificate, issuer) in zip(certificates, certificates.dropFirst()) where !certificate.isSigned(by: issuer)
        {
            throw WebAuthnFailure(
                .chainUntrusted, "x5c: \(certificate.subjectSummary) is not signed by the next certificate")
        }
    }
}
