import HTTPTypes
import NIOConcurrencyHelpers
import TapCore
import TapStorage

/// The open event streams, counted per operator and in total, so that one token cannot hold the connections
/// and the writer's wake-ups that ordinary requests need; and the place that ends an operator's streams at once
/// when its token is revoked.
///
/// A stream is admitted before its `200` is sent (past a cap the answer is 429 `too_many_streams`), and holds an
/// ``EventStreamLease`` until it ends; the lease gives its place back when released or, should the response never
/// be written, when it is dropped.
final class EventStreamRegistry: Sendable {
    /// Streams one operator may hold at once (every token of it together, a rotated-out one included).
    let perOperator: Int
    /// Streams open at once in all.
    let total: Int

    /// How long a refused client is told to wait: about as long as a forgotten stream takes to be noticed.
    static let retryAfterSeconds = 30

    private struct Entry {
        let operatorID: OperatorID
        /// Set once the stream must stop (its operator was revoked); `wake` tells the stream to look.
        var ended = false
        var wake: (@Sendable () -> Void)?
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var perOperator: [OperatorID: Int] = [:]
        var nextNumber = 0
    }

    private let state = NIOLockedValueBox(State())

    init(perOperator: Int, total: Int) {
        self.perOperator = perOperator
        self.total = total
    }

    /// Streams open now.
    var openCount: Int { state.withLockedValue { $0.entries.count } }

    /// Takes a place for one more stream of `operatorID`, or refuses with 429 when it or the server is at its cap.
    func admit(_ operatorID: OperatorID) throws -> EventStreamLease {
        let number = try state.withLockedValue { state throws(APIError) -> Int in
            guard state.entries.count < total else {
                throw Self.refusal("the server has as many event streams open as it allows; retry later")
            }
            guard state.perOperator[operatorID, default: 0] < perOperator else {
                throw Self.refusal("this token has \(perOperator) event streams open already; close one or retry later")
            }
            state.nextNumber += 1
            state.entries[state.nextNumber] = Entry(operatorID: operatorID)
            state.perOperator[operatorID, default: 0] += 1
            return state.nextNumber
        }
        return EventStreamLease(registry: self, number: number)
    }

    /// Ends every open stream of `operatorID` now (its token was revoked), instead of at its next check.
    func endStreams(of operatorID: OperatorID) {
        let wakes = state.withLockedValue { state -> [@Sendable () -> Void] in
            var wakes: [@Sendable () -> Void] = []
            for (number, entry) in state.entries where entry.operatorID == operatorID {
                state.entries[number]?.ended = true
                if let wake = entry.wake { wakes.append(wake) }
            }
            return wakes
        }
        for wake in wakes { wake() }
    }

    fileprivate func setWake(_ number: Int, _ wake: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.entries[number]?.wake = wake }
    }

    fileprivate func isEnded(_ number: Int) -> Bool {
        state.withLockedValue { $0.entries[number]?.ended ?? true }
    }

    fileprivate func release(_ number: Int) {
        state.withLockedValue { state in
            guard let entry = state.entries.removeValue(forKey: number) else { return }
            let left = state.perOperator[entry.operatorID, default: 1] - 1
            state.perOperator[entry.operatorID] = left > 0 ? left : nil
        }
    }

    private static func refusal(_ detail: String) -> APIError {
        APIError(
            status: .tooManyRequests, code: .tooManyStreams, detail: detail,
            headers: [.retryAfter: String(retryAfterSeconds)])
    }
}

/// One admitted stream's place in the ``EventStreamRegistry``; released once, explicitly or when dropped.
final class EventStreamLease: Sendable {
    private let registry: EventStreamRegistry
    private let number: Int

    fileprivate init(registry: EventStreamRegistry, number: Int) {
        self.registry = registry
        self.number = number
    }

    deinit { registry.release(number) }

    /// Whether the stream must stop because its operator was revoked.
    var isEnded: Bool { registry.isEnded(number) }

    /// Called (on whatever thread revokes) when the stream must stop; it must only hand the news on.
    func onEnd(_ wake: @escaping @Sendable () -> Void) { registry.setWake(number, wake) }

    /// Gives the place back; later calls do nothing.
    func release() { registry.release(number) }
}
