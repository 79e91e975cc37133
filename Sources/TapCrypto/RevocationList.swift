import COpenSSL
import Foundation

/// A certificate revocation list (X.509 CRL), parsed by OpenSSL from DER or PEM. Path validation checks each
/// certificate against the lists its issuer signed; see ``CertificateChain/verify(leaf:intermediates:anchors:at:revocations:)``.
public struct RevocationList: Sendable {
    /// The list exactly as received.
    public let derEncoded: [UInt8]
    let storage: CRLStorage

    /// Parses one DER list, which must fill `der` exactly.
    public init(derEncoded der: [UInt8]) throws(CertificateError) {
        guard let parsed = OpenSSLDecoding.whole(der, decode: { d2i_X509_CRL(nil, $0, $1) }, free: X509_CRL_free)
        else { throw .malformed("not a single DER certificate revocation list") }
        storage = CRLStorage(parsed)
        derEncoded = der
    }

    /// A list from a file's bytes: DER as CAs publish them, or PEM (`-----BEGIN X509 CRL-----`).
    public init(fileContents bytes: [UInt8]) throws(CertificateError) {
        let blocks = try OpenSSLDecoding.pemBlocks("X509 CRL", in: String(decoding: bytes, as: UTF8.self))
        try self.init(derEncoded: blocks.first ?? bytes)
    }

    /// When the issuer promises the next list.
    public var nextUpdate: Date? { Certificate.date(X509_CRL_get0_nextUpdate(storage.list)) }
}

final class CRLStorage: @unchecked Sendable {
    // Sendable by hand: the list is never mutated after parsing.
    let list: OpaquePointer

    init(_ list: OpaquePointer) { self.list = list }

    deinit { X509_CRL_free(list) }
}
