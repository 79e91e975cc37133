import Foundation

/// The file that keeps the kiosk's operator token between runs: one line, mode 0600, in a 0700 directory.
/// Written once, after the enrolment code was exchanged, so no secret is ever copied onto the kiosk by hand.
public struct TokenFile: Sendable {
    public let path: String

    /// Names the file.
    public init(path: String) { self.path = path }

    /// Why the token could not be kept or read.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The stored token, or `nil` when there is none yet.
    public func read() throws(Problem) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw Problem(description: "\(path) cannot be read")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if token.isEmpty { return nil }
        guard token.hasPrefix("tso_") else {
            throw Problem(description: "\(path) does not hold an operator token (tso_…)")
        }
        return token
    }

    /// Stores `token`, replacing the file atomically; the file is never readable by others, not even briefly.
    public func write(_ token: String) throws(Problem) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw Problem(description: "cannot create \(directory)")
        }
        let temporary = path + ".new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw Problem(description: "cannot write \(temporary)") }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Problem(description: "cannot write \(path)")
        }
    }
}
