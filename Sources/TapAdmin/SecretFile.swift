import Foundation
import TapCore

/// Files that settings name: a certificate, a client secret, a private key.
enum SecretFile {
    /// The text of `path`; the refusal names the setting `key`.
    static func readText(_ key: String, _ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError("\(key): cannot read \(path)")
        }
        return text
    }

    /// A credential's text, refused when group or others may read the file, as server.key is: a secret readable
    /// by any account on the host is not a secret. `stat` follows links (systemd credentials, mounted secrets).
    static func readSecret(_ key: String, _ path: String) throws -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { throw ConfigurationError("\(key): cannot read \(path)") }
        let mode = Int(status.st_mode) & 0o777
        guard mode & 0o077 == 0 else {
            throw ConfigurationError(
                "\(key): \(path) can be read by other users (mode \(String(mode, radix: 8))); make it 0600 or 0400 (chmod 600 \(path))"
            )
        }
        return try readText(key, path)
    }
}
