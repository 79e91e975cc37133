import NIOConcurrencyHelpers

/// The waiting room both of PostgreSQL's group committers share: use cases queue in order of arrival, and up to
/// ``concurrentGroups`` drainers take them in groups of at most ``maximumGroupSize``. A caller that queues a use
/// case while fewer drainers run starts one; a drainer runs until the queue is empty.
struct GroupQueue<Item: Sendable>: Sendable {
    let concurrentGroups: Int
    let maximumGroupSize: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var waiting: [Item] = []
        var draining = 0
    }

    init(concurrentGroups: Int, maximumGroupSize: Int) {
        self.concurrentGroups = concurrentGroups
        self.maximumGroupSize = maximumGroupSize
    }

    /// Queues `item`; answers whether the caller must start a drainer.
    func add(_ item: Item) -> Bool {
        state.withLockedValue { state in
            state.waiting.append(item)
            guard state.draining < concurrentGroups else { return false }
            state.draining += 1
            return true
        }
    }

    /// The next group for a drainer; empty when the queue is, and the drainer must then stop.
    func nextGroup() -> [Item] {
        state.withLockedValue { state in
            let count = min(state.waiting.count, maximumGroupSize)
            let group = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            if group.isEmpty { state.draining -= 1 }
            return group
        }
    }
}
