import Foundation
import GRDB

// The seam between the use cases and an engine. A use case written against `StatementRunner` runs unchanged
// inside SQLite's group commit and inside PostgreSQL's (TapPostgres): it names its SQL once, in the dialect
// both engines read (`?` placeholders, unquoted camelCase identifiers, `ON CONFLICT … excluded`), binds
// `DirectValue`s and reads rows by position. Where the engines must differ (SQLite's index hints, `rowid`
// against `ctid`, their JSON functions), the use case asks the runner's `dialect`.

/// Which engine a runner speaks to, for the few statements that must differ.
package enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// The statements of one use case, inside the transaction its engine's writer opened.
package protocol StatementRunner {
    var dialect: SQLDialect { get }
    /// Runs a statement that returns no rows (INSERT, UPDATE, DELETE, SAVEPOINT, a lock).
    func run(_ sql: String, _ values: [DirectValue]) throws
    /// Runs an INSERT, UPDATE or DELETE of the one row `row` names, and only that row. An engine may hold it back
    /// and send it later with other such writes in one statement (PostgreSQL's user groups). It sends what it holds
    /// back before any other statement and before a second write of the same row, so a use case still reads what
    /// it wrote; a failure, though, may surface at a later statement, or only at the commit.
    func write(_ sql: String, _ values: [DirectValue], row: RowKey) throws
    /// Runs an INSERT, UPDATE or DELETE and returns how many rows it changed.
    func changes(_ sql: String, _ values: [DirectValue]) throws -> Int
    /// Runs a query and hands each row to `row`; a row is valid only inside the call.
    func query(_ sql: String, _ values: [DirectValue], _ row: (any StatementRow) throws -> Void) throws
    /// The same for SQL whose text depends on the request (a list's filters, how many ids an `IN (…)` holds):
    /// only so many distinct texts are kept prepared, so that a client cycling through filters cannot grow
    /// the statement caches without bound.
    func queryVarying(_ sql: String, _ values: [DirectValue], _ row: (any StatementRow) throws -> Void) throws
    /// The audit chain's state for this runner's transaction, where the engine runs several write transactions
    /// at once (PostgreSQL's per-user groups); `nil` where one writer holds the store's (``AuditChain/state``).
    var transactionChain: AuditChainState? { get }
}

/// Where a use case runs: the engine's group-committed writer, or a read on a consistent snapshot.
package protocol StoreEngine: Sendable {
    /// Runs `body` as its own savepoint in the next group-committed transaction and returns once that
    /// transaction is durable.
    func write<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T
    /// The same for a use case whose rows all belong to `user` (a redeem): an engine that can run several write
    /// transactions at once may run it beside other users' such use cases, and only after every write of the
    /// other kind before it. SQLite has one writer and runs it as any write.
    ///
    /// `firstRead`, when given, is the query the use case runs first, with `user` as its only value: an engine
    /// may run it for every user of a group in one statement before the use cases run, and answer each use
    /// case's first statement from that.
    func write<T: Sendable>(
        forUser user: String, firstRead: String?, _ body: @escaping @Sendable (any StatementRunner) throws -> T
    ) async throws -> T
    /// Runs a bulk job's transaction (a sweep batch, a purge): on SQLite apart from the groups, taking turns with
    /// them, with the audit head written once at its end; on PostgreSQL as the writer runs every write.
    func writeBulk<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T
    /// Runs `body` on one snapshot of the database, beside the writer.
    func read<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T
    /// Runs `body` beside the writer without a transaction: each statement sees what was committed when it
    /// ran. For a lookup of one row on a hot path (a token), which needs no snapshot and is spared BEGIN and
    /// COMMIT.
    func unsafeRead<T: Sendable>(_ body: @escaping @Sendable (any StatementRunner) throws -> T) async throws -> T
    /// The engine's name, version and the facts `/readyz` shows; throws when the database cannot be read.
    func readiness() async throws -> StoreReadiness
}

/// One row of an answer, read by column position. A NULL where a value must be is a corrupt row, never a
/// default.
package protocol StatementRow {
    func isNull(_ index: Int) -> Bool
    func text(_ index: Int) throws -> String
    /// Whether the column holds exactly `other` (SQLite compares where it keeps the text, making no String).
    func text(_ index: Int, equals other: String) -> Bool
    func integer(_ index: Int) throws -> Int
    func bool(_ index: Int) throws -> Bool
    func blob(_ index: Int) throws -> Data
    func date(_ index: Int) throws -> Date
}

extension StatementRow {
    package func text(_ index: Int, equals other: String) -> Bool {
        !isNull(index) && (try? text(index)) == other
    }

    package func optionalText(_ index: Int) throws -> String? {
        isNull(index) ? nil : try text(index)
    }

    package func optionalDate(_ index: Int) throws -> Date? {
        isNull(index) ? nil : try date(index)
    }
}

/// The values of a statement's placeholders, each bound as its type is (``DirectStorable``); `nil` is NULL.
func bind(_ items: (any DirectStorable)?...) -> [DirectValue] {
    items.map { $0?.directValue ?? .null }
}

extension StoreEngine {
    package func write<T: Sendable>(
        forUser user: String, firstRead: String?, _ body: @escaping @Sendable (any StatementRunner) throws -> T
    ) async throws -> T {
        try await write(body)
    }
}

/// The row a write touches: its table and the value of its key.
package struct RowKey: Hashable, Sendable {
    package let table: String
    package let key: DirectValue

    package init(_ table: String, _ key: DirectValue) {
        self.table = table
        self.key = key
    }
}

extension StatementRunner {
    package var transactionChain: AuditChainState? { nil }

    /// Sends the write at once; an engine that holds writes back says so (``StatementRunner/write(_:_:row:)``).
    package func write(_ sql: String, _ values: [DirectValue], row: RowKey) throws { try run(sql, values) }

    /// Runs a statement without parameters.
    package func run(_ sql: String) throws { try run(sql, []) }

    /// Every row of `sql`, each made into a value by `read`.
    package func queryAll<T>(
        _ sql: String, _ values: [DirectValue] = [], _ read: (any StatementRow) throws -> T
    ) throws -> [T] {
        var all: [T] = []
        try query(sql, values) { all.append(try read($0)) }
        return all
    }

    /// The first row of `sql` made into a value by `read`, or `nil` when there is none.
    package func queryFirst<T>(
        _ sql: String, _ values: [DirectValue] = [], _ read: (any StatementRow) throws -> T
    ) throws
        -> T?
    {
        var first: T?
        try query(sql, values) { row in
            if first == nil { first = try read(row) }
        }
        return first
    }
}

extension Database: StatementRunner {
    package var dialect: SQLDialect { .sqlite }

    package func run(_ sql: String, _ values: [DirectValue]) throws { try executeDirect(sql, values) }

    package func changes(_ sql: String, _ values: [DirectValue]) throws -> Int {
        try executeDirect(sql, values)
        return changesCount
    }

    package func query(_ sql: String, _ values: [DirectValue], _ row: (any StatementRow) throws -> Void) throws {
        try queryDirect(sql, values, row)
    }

    package func queryVarying(
        _ sql: String, _ values: [DirectValue], _ row: (any StatementRow) throws -> Void
    ) throws {
        try queryDirect(varyingStatement(sql: sql), values, row)
    }
}
