import COpenSSL
import Foundation

/// Path validation from a leaf to configured trust anchors, by OpenSSL's verifier at a given time.
public enum CertificateChain {
    /// The outcome of validating a chain.
    public enum Verification: Sendable, Equatable {
        /// A path was built from the leaf to `anchor`; `path` runs leaf first and ends with the anchor.
        case trusted(path: [Certificate], anchor: Certificate)
        /// Some certificate on the path is expired at the verification time.
        case expired(String)
        /// Some certificate on the path is not yet valid at the verification time.
        case notYetValid(String)
        /// The certificates hang together as far as they go, but no issuer up the path is an anchor.
        case noPathToAnchor(String)
        /// A certificate on the path is on its issuer's revocation list.
        case revoked(String)
        /// A certificate on the path is not acceptable: a signature that does not verify, an issuer that is not
        /// a CA, a path length exceeded, an unknown critical extension, ...
        case invalid(String)
    }

    /// Validates `leaf` up to one of `anchors`, using `intermediates` only as untrusted helpers.
    ///
    /// A self-signed certificate among `intermediates` is never trusted for being self-signed: only `anchors` are.
    /// Anchors may be intermediate CAs (partial chains are allowed), since an administrator chose each one.
    /// Every certificate on the path must be valid at `date` (the injected clock, not the system's). A certificate
    /// whose issuer signed one of `revocations` must not be on it, and that list must be current at `date`; a
    /// certificate whose issuer's list is not given is not checked (revocation where lists are available).
    public static func verify(
        leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], at date: Date,
        revocations: [RevocationList] = []
    ) -> Verification {
        guard !anchors.isEmpty else { return .noPathToAnchor("no trust anchor configured") }
        guard let store = X509_STORE_new() else { return .invalid("X509_STORE_new failed") }
        defer { X509_STORE_free(store) }
        for anchor in anchors where X509_STORE_add_cert(store, anchor.storage.certificate) != 1 {
            ERR_clear_error()  // a duplicate anchor is reported as an error and is harmless
        }
        guard let untrusted = OPENSSL_sk_new_null() else { return .invalid("OPENSSL_sk_new_null failed") }
        defer { OPENSSL_sk_free(untrusted) }  // the stack borrows the certificates; the Certificate values own them
        for certificate in intermediates {
            _ = OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.storage.certificate))
        }
        guard let context = X509_STORE_CTX_new() else { return .invalid("X509_STORE_CTX_new failed") }
        defer {
            X509_STORE_CTX_free(context)
            ERR_clear_error()
        }
        guard X509_STORE_CTX_init(context, store, leaf.storage.certificate, untrusted) == 1 else {
            return .invalid("X509_STORE_CTX_init failed")
        }
        let parameters = X509_STORE_CTX_get0_param(context)
        X509_VERIFY_PARAM_set_time(parameters, time_t(date.timeIntervalSince1970.rounded(.down)))
        X509_VERIFY_PARAM_set_flags(parameters, UInt(X509_V_FLAG_PARTIAL_CHAIN))
        if !revocations.isEmpty {
            for list in revocations where X509_STORE_add_crl(store, list.storage.list) != 1 {
                ERR_clear_error()  // a duplicate list, harmless
            }
            X509_VERIFY_PARAM_set_flags(parameters, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
            // A certificate whose issuer published no list here is let through; every other error stands.
            X509_STORE_CTX_set_verify_cb(context) { ok, context in
                if ok == 0, X509_STORE_CTX_get_error(context) == X509_V_ERR_UNABLE_TO_GET_CRL {
                    X509_STORE_CTX_set_error(context, X509_V_OK)
                    return 1
                }
                return ok
            }
        }

        // Retain our own copies of the path before the context (which owns it) is freed.
        let intact = intermediates + anchors + [leaf]
        if X509_verify_cert(context) == 1, let chain = X509_STORE_CTX_get0_chain(context) {
            let path = (0..<OPENSSL_sk_num(chain)).compactMap { index -> Certificate? in
                let pointer = OpaquePointer(OPENSSL_sk_value(chain, index))
                return intact.first { $0.storage.certificate == pointer }
            }
            guard let anchor = path.last, anchors.contains(anchor) else {
                return .invalid("path does not end at an anchor")
            }
            return .trusted(path: path, anchor: anchor)
        }
        let code = X509_STORE_CTX_get_error(context)
        let reason = String(cString: X509_verify_cert_error_string(Int(code)))
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED: return .expired(reason)
        case X509_V_ERR_CERT_NOT_YET_VALID: return .notYetValid(reason)
        case X509_V_ERR_CERT_REVOKED: return .revoked(reason)
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return .noPathToAnchor(reason)
        default: return .invalid(reason)
        }
    }
}
