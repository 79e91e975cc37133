import TapStorage

/// What one user group's transaction sends together instead of one statement at a time (``PostgresUserGroups``):
/// each round trip to PostgreSQL, not the work it carries, was most of a redeem's cost (docs/postgres.md).
///
/// - **First reads.** The first use case of each user in the group may name the query it starts with
///   (``StoreEngine/write(forUser:firstRead:_:)``). The group runs that query for all those users in one
///   statement once it holds their locks, and answers each such use case's first statement from it. No other
///   statement of the group writes that user's rows before that use case runs, so the answer is the one the use
///   case would have read itself.
/// - **Held-back writes.** Writes of one row each (``StatementRunner/write(_:_:row:)``) wait, and go in one
///   statement (a `WITH` of data-modifying statements) before any other statement of the group, or before the
///   next write of a row already waiting: in one such statement, no row is written twice, and nothing reads what
///   the others write.
///
/// Used by the one thread running the group's transaction.
final class UserGroupBatch: @unchecked Sendable {
    /// Most values one combined statement binds (PostgreSQL's limit is 65,535).
    static let maximumHeldBackValues = 20_000

    struct Write {
        let sql: String
        let values: [DirectValue]
    }

    /// First reads' answers, by user, each for the first use case of that user (``beginUseCase(of:)``).
    private var firstReads: [String: (sql: String, rows: [PostgresStatementRow])] = [:]
    /// The user of the use case running, and whether it has run a statement yet.
    private var currentUser: String?
    private var atFirstStatement = false
    private var heldBack: [Write] = []
    private var heldBackRows: Set<RowKey> = []
    private var heldBackValues = 0
    /// The first statement of the group that failed. Once one fails PostgreSQL ignores the rest of the
    /// transaction, and a COMMIT then rolls back without an error: the group checks this before it commits, so that
    /// a use case catching the error cannot make the group look committed.
    private(set) var failure: (any Error)?
    /// Use cases whose first read was answered from the read ahead in this run of the group.
    private(set) var readsAnswered = 0

    /// Forgets everything, for a new run of the group.
    func reset() {
        firstReads = [:]
        currentUser = nil
        atFirstStatement = false
        heldBack = []
        heldBackRows = []
        heldBackValues = 0
        failure = nil
        readsAnswered = 0
    }

    func keepFirstRead(_ sql: String, of user: String, rows: [PostgresStatementRow]) {
        firstReads[user] = (sql, rows)
    }

    /// Marks the start of a use case of `user`.
    func beginUseCase(of user: String) {
        currentUser = user
        atFirstStatement = true
    }

    /// Marks its end: a first read it did not use is no longer the truth for a later use case of its user.
    func endUseCase() {
        if let currentUser { firstReads[currentUser] = nil }
        currentUser = nil
        atFirstStatement = false
    }

    /// The answer read ahead for the statement the running use case is about to run, when this is its first
    /// statement and it is the read named for it; every statement passes here first.
    func answerRead(_ sql: String, _ values: [DirectValue]) -> [PostgresStatementRow]? {
        defer { atFirstStatement = false }
        guard atFirstStatement, let user = currentUser, values == [.text(user)],
            let read = firstReads[user], read.sql == sql
        else { return nil }
        firstReads[user] = nil
        readsAnswered += 1
        return read.rows
    }

    /// Notes a statement the running use case ran that is neither a read nor a held-back write.
    func statementRun() { atFirstStatement = false }

    /// Holds `write` back; answers `false` when it cannot be, and must be sent at once after what is held back.
    func holdBack(_ sql: String, _ values: [DirectValue], row: RowKey) -> Bool {
        atFirstStatement = false
        // A statement with its own WITH cannot sit inside another's; none of the records' writes has one.
        guard !sql.hasPrefix("WITH"), !heldBackRows.contains(row),
            heldBackValues + values.count <= Self.maximumHeldBackValues
        else { return false }
        heldBack.append(Write(sql: sql, values: values))
        heldBackRows.insert(row)
        heldBackValues += values.count
        return true
    }

    /// The writes held back, in order, leaving none.
    func takeHeldBack() -> [Write] {
        defer {
            heldBack = []
            heldBackRows = []
            heldBackValues = 0
        }
        return heldBack
    }

    func failed(_ error: any Error) {
        if failure == nil { failure = error }
    }

    /// One statement doing every write of `writes`, in order, with their values in order: `WITH` of each as a
    /// data-modifying statement. Run as one, they all see the rows as they were before it.
    static func combinedSQL(_ writes: [Write]) -> String {
        let parts = writes.enumerated().map { "heldBack\($0.offset) AS (\($0.element.sql))" }
        return "WITH " + parts.joined(separator: ", ") + " SELECT 1"
    }

    /// The statement that runs `firstRead` (whose one placeholder is the user) for `count` users at once: each row
    /// the read answers for a user, after a first column naming that user.
    static func firstReadSQL(_ firstRead: String, users count: Int) -> String? {
        guard let lateral = PlaceholderNumbering.replacingOnly(firstRead, with: "asker.userName") else { return nil }
        let askers = repeatElement("(CAST(? AS text))", count: count).joined(separator: ", ")
        return """
            SELECT asker.userName, answer.* FROM (VALUES \(askers)) AS asker(userName)
            CROSS JOIN LATERAL (\(lateral)) AS answer
            """
    }
}
