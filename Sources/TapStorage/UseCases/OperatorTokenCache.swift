import Foundation
import NIOConcurrencyHelpers
import TapCore

/// Operators found by token in the last second, so that a busy client's requests do not each take a trip
/// to a reader connection (a thread hand-off there and back, and two indexed lookups) before their real work.
///
/// Only valid tokens are kept. Revoking, rotating and re-enrolling through this process drop every entry
/// at once, and a lookup that read the table before such a change cannot store what it read (the
/// generation moved on). A change made by another process (the local CLI on the same file) is seen
/// within ``lifetime``. Expiry and a rotation's grace period are checked on every hit.
final class OperatorTokenCache: Sendable {
    /// How long an entry is believed without reading the table again.
    static let lifetime: TimeInterval = 1
    /// More entries than this and the cache starts over (a flood of distinct valid tokens is not a pattern
    /// worth memory).
    static let capacity = 1024

    private struct Entry {
        let found: Operator
        /// When the presented token stops working: the operator's expiry, or a rotated-out token's grace end.
        let validUntil: Date?
        let storedAt: Date
    }

    private struct State {
        var entries: [Data: Entry] = [:]
        var generation = 0
    }

    private let state = NIOLockedValueBox(State())

    /// The generation a lookup starts in; pass it back to ``store(_:validUntil:for:generation:now:)``.
    var generation: Int { state.withLockedValue { $0.generation } }

    /// The operator a token digest was found for, if the entry is fresh and the token still in force.
    func lookup(_ digest: Data, now: Date) -> Operator? {
        state.withLockedValue { state -> Operator? in
            guard let entry = state.entries[digest] else { return nil }
            guard now.timeIntervalSince(entry.storedAt) < Self.lifetime, now >= entry.storedAt else {
                state.entries[digest] = nil
                return nil
            }
            if let validUntil = entry.validUntil, validUntil <= now {
                state.entries[digest] = nil
                return nil  // read again: the table says whether it expired or its grace ended
            }
            return entry.found
        }
    }

    func store(_ found: Operator, validUntil: Date?, for digest: Data, generation: Int, now: Date) {
        state.withLockedValue { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[digest] = Entry(found: found, validUntil: validUntil, storedAt: now)
        }
    }

    /// Forgets everything; called after any change to an operator's token or standing commits.
    func invalidate() {
        state.withLockedValue { state in
            state.generation += 1
            state.entries.removeAll()
        }
    }
}
