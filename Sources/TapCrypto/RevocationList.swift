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
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            guard let list = d2i_X509_CRL(nil, &cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                X509_CRL_free(list)
                return nil
            }
            return list
        }
        guard let parsed else {
            ERR_clear_error()
            throw .malformed("not a single DER certificate revocation list")
        }
        storage = CRLStorage(parsed)
        derEncoded = der
    }

    /// A list from a file's bytes: DER as CAs publish them, or PEM (`-----BEGIN X509 CRL-----`).
    public init(fileContents bytes: [UInt8]) throws(CertificateError) {
        let begin = "-----BEGIN X509 CRL-----", end = "-----END X509 CRL-----"
        let text = String(decoding: bytes, as: UTF8.self)
        guard let start = text.range(of: begin) else {
            try self.init(derEncoded: bytes)
            return
        }
        guard let stop = text.range(of: end, range: start.upperBound..<text.endIndex),
            let der = Data(base64Encoded: String(text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }))
        else { throw .malformed("a PEM CRL block that does not decode") }
        try self.init(derEncoded: Array(der))
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
