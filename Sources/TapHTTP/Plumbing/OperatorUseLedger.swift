import Foundation
import NIOConcurrencyHelpers
import TapCore
import TapStorage

/// Each operator's latest use (token or console session) since the sweeper last wrote them, so that the people
/// page shows which tokens are still in use without a database write on every request. Bounded by the number of
/// operators, since only an authenticated operator is noted; a crash loses at most one sweep interval of it.
public final class OperatorUseLedger: Sendable {
    private let latest = NIOLockedValueBox<[OperatorID: OperatorUse]>([:])

    /// Makes an empty ledger.
    public init() {}

    /// Notes a use; the newest of one operator's uses is kept.
    public func note(_ id: OperatorID, at time: Date, from address: String) {
        latest.withLockedValue { uses in
            if let known = uses[id], known.at >= time { return }
            uses[id] = OperatorUse(operatorID: id, at: time, from: address)
        }
    }

    /// What is noted and not yet written, left in place (a page shows it with what storage holds).
    public func snapshot() -> [OperatorID: OperatorUse] { latest.withLockedValue { $0 } }

    /// Everything noted since the last drain, and a fresh start.
    public func drain() -> [OperatorUse] {
        latest.withLockedValue { uses in
            defer { uses = [:] }
            return uses.values.sorted { $0.operatorID.rawValue < $1.operatorID.rawValue }
        }
    }
}
