import Foundation

/// A value behind a lock, for the store's small shared state (the group-commit queue, the audit feed, the
/// policy cache). A pthread mutex (`NSLock`) rather than `Synchronization.Mutex`: on Linux the latter's
/// futex path is invisible to ThreadSanitizer, which then reports the accesses inside `withLock` as races.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
