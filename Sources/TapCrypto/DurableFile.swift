import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files that are only ever replaced whole (write, fsync, rename, fsync the directory), so that a crash leaves
/// the old or the new content, never half of one. Created with mode 0600: every such file here is private.
public enum DurableFile {
    /// Writes `bytes` to `path` atomically; `exclusive` refuses to replace an existing file. Throws the errno
    /// of the step that failed, with the path it failed on.
    public static func replace(_ path: String, with bytes: [UInt8], exclusive: Bool = false) throws {
        let temporary = path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw DurableFileError(path: temporary, errno: errno) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced else { throw DurableFileError(path: temporary, errno: errno) }
        if exclusive {
            guard link(temporary, path) == 0 else {
                let failure = errno
                unlink(temporary)
                throw DurableFileError(path: path, errno: failure)
            }
            unlink(temporary)
        } else {
            guard rename(temporary, path) == 0 else { throw DurableFileError(path: path, errno: errno) }
        }
        // Make the rename itself durable.
        let parent = (path as NSString).deletingLastPathComponent
        let directory = open(parent.isEmpty ? "." : parent, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}

/// A durable write that failed: the path and the errno of the failing step.
public struct DurableFileError: Error, Sendable {
    public let path: String
    public let errno: Int32
}
