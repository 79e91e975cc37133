import COpenSSL

/// A failure inside OpenSSL, with OpenSSL's own error queue as it stood (never any key material).
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    /// What we were doing.
    public let operation: String
    /// The entries of OpenSSL's error queue, oldest first.
    public let openSSLErrors: [String]

    /// Captures and clears the current thread's OpenSSL error queue.
    static func drainingQueue(operation: String) -> CryptoError {
        var entries: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            entries.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return CryptoError(operation: operation, openSSLErrors: entries)
    }

    public var description: String {
        openSSLErrors.isEmpty ? "\(operation) failed" : "\(operation) failed: \(openSSLErrors.joined(separator: "; "))"
    }
}
