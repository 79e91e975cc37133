import Foundation

/// A value behind a lock, for the store's small shared state (the group-commit queue, the audit feed, the
/// policy cache; TapHTTP's stream registry and webhook sender). A pthread mutex (`NSLock`) rather than `Synchronization.Mutex`: on Linux the latter's
/// futex path is invisible to ThreadSanitizer, which then reports the accesses inside `withLock` as races.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// Wraps `value`.
    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, under the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
