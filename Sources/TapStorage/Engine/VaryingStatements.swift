import GRDB
import NIOConcurrencyHelpers

extension Database {
    /// A prepared statement for SQL whose text depends on the request: a list's filters, how many ids an
    /// `IN (…)` holds. Preparing such a statement cost more than running it: for a page of sessions with
    /// no match, GRDB's authorizer and region bookkeeping during `sqlite3_prepare` took a third of the
    /// request. The first ``VaryingStatements/limit`` distinct texts the process sees are therefore kept
    /// in each connection's statement cache; any text past that is prepared afresh each time, so a client
    /// cycling through filter combinations cannot grow the caches without bound.
    func varyingStatement(sql: String) throws -> Statement {
        try VaryingStatements.shared.isCached(sql) ? cachedStatement(sql: sql) : makeStatement(sql: sql)
    }
}

/// The SQL texts that ``GRDB/Database/varyingStatement(sql:)`` caches.
final class VaryingStatements: Sendable {
    /// A page query per filter combination in use and a pass lookup per page length fit easily.
    static let limit = 256
    static let shared = VaryingStatements()

    private let texts = NIOLockedValueBox(Set<String>())

    func isCached(_ sql: String) -> Bool {
        texts.withLockedValue { texts in
            if texts.contains(sql) { return true }
            guard texts.count < Self.limit else { return false }
            texts.insert(sql)
            return true
        }
    }
}
