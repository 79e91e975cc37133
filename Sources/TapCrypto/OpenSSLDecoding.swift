import COpenSSL
import Foundation

/// Decoding that certificates, public keys and revocation lists share.
enum OpenSSLDecoding {
    /// The OpenSSL object `decode` (a `d2i_*` function) reads from `der`, which it must consume exactly;
    /// `nil`, with the object freed by `free` and OpenSSL's error queue cleared, otherwise.
    static func whole(
        _ der: [UInt8], decode: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> OpaquePointer?,
        free: (OpaquePointer) -> Void
    ) -> OpaquePointer? {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            guard let object = decode(&cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                free(object)
                return nil
            }
            return object
        }
        if parsed == nil { ERR_clear_error() }
        return parsed
    }

    /// The DER of every `-----BEGIN <label>-----` block of `text`, in order (none when there is no block).
    static func pemBlocks(_ label: String, in text: String) throws(CertificateError) -> [[UInt8]] {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        var blocks: [[UInt8]] = []
        var rest = Substring(text)
        while let start = rest.range(of: begin) {
            guard let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex) else {
                throw .malformed("PEM block without an END line")
            }
            let body = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            guard let der = Data(base64Encoded: String(body)) else { throw .malformed("PEM body is not base64") }
            blocks.append(Array(der))
            rest = rest[stop.upperBound...]
        }
        return blocks
    }
}
