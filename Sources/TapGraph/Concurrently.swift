/// Runs `body` on every item with at most `limit` at once and answers in the items' order. The store's writes
/// made this way share group commits (one fsync for many), where awaiting them one by one paid one each.
func concurrently<Item: Sendable, Answer: Sendable>(
    _ items: [Item], limit: Int = 64, _ body: @escaping @Sendable (Item) async -> Answer
) async -> [Answer] {
    var answers = [Answer?](repeating: nil, count: items.count)
    await withTaskGroup(of: (Int, Answer).self) { group in
        var next = 0
        func startNext() {
            guard next < items.count else { return }
            let index = next
            next += 1
            group.addTask { (index, await body(items[index])) }
        }
        for _ in 0..<min(limit, items.count) { startNext() }
        for await (index, answer) in group {
            answers[index] = answer
            startNext()
        }
    }
    return answers.map { $0! }
}
