import TapCore

/// Counts refused requests in memory until the sweeper writes them to the audit log as aggregated
/// `request.refused` events. Bounded, so that a flood of distinct refusals cannot grow it without limit.
public actor RefusalLedger {
    private struct Key: Hashable {
        let actor: String
        let code: String
        let route: String
    }

    private var counts: [Key: Int] = [:]
    private let maximumKeys: Int

    /// Makes an empty ledger.
    public init(maximumKeys: Int = 1000) { self.maximumKeys = maximumKeys }

    /// Counts one refusal. Past the key limit, refusals are counted under one overflow key per code.
    public func record(actor: String, code: String, route: String) {
        var key = Key(actor: actor, code: code, route: route)
        if counts[key] == nil, counts.count >= maximumKeys { key = Key(actor: "many", code: code, route: "many") }
        counts[key, default: 0] += 1
    }

    /// Everything counted since the last drain, and a fresh start.
    public func drain() -> [RefusalCount] {
        defer { counts = [:] }
        return counts.map { RefusalCount(actor: $0.key.actor, code: $0.key.code, route: $0.key.route, count: $0.value) }
            .sorted { ($0.route, $0.code, $0.actor) < ($1.route, $1.code, $1.actor) }
    }
}
