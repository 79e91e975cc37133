/// Keys whose first request is still running, so that a concurrent retry gets 409 instead of waiting.
///
/// The stored key (written in the same transaction as the session) answers retries after the first request
/// finished; this set only covers the moment in between. It lives in memory because a request in flight
/// does not outlive the process.
actor IdempotencyGate {
    private var running: Set<String> = []

    /// Claims `key` for `operatorID`; false when a request with it is already running.
    func claim(_ key: String, operatorID: String) -> Bool {
        running.insert("\(operatorID)\u{1F}\(key)").inserted
    }

    /// Releases a claim.
    func release(_ key: String, operatorID: String) {
        running.remove("\(operatorID)\u{1F}\(key)")
    }
}
