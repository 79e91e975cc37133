import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// The use cases' statements prepared once per connection, so that PostgreSQL parses and plans each once instead
/// of at every run: planning the redeem's join cost the server more than running it (docs/decisions.md).
///
/// A statement is prepared the first time a connection runs it, and PostgreSQL infers the type of each
/// placeholder from the statement, where an unnamed statement takes the types of the values bound. A prepared
/// statement therefore runs only while each value's type is the one PostgreSQL inferred for its place (a `NULL`
/// fits any); any other run, and transaction control, locks and statements whose text varies, are unnamed
/// statements, as before.
enum PostgresPreparedStatements {
    /// Most statements kept prepared per connection: the store has about this many fixed texts.
    static let limitPerConnection = 400

    /// One connection's prepared statements, by SQL text (numbered placeholders).
    final class Prepared: @unchecked Sendable {
        struct Statement {
            let query: PreparedQuery
            /// The type PostgreSQL inferred for each placeholder, in order.
            let parameterTypes: [PostgresDataType]
        }

        weak var connection: PostgresConnection?
        var statements: [String: Statement] = [:]

        init(connection: PostgresConnection) { self.connection = connection }

        /// The prepared statement for `sql`, preparing it on first use; `nil` when values of `types` cannot run
        /// it (see ``PostgresPreparedStatements``) or the statement is not one worth keeping. Only the thread
        /// running the connection's transaction calls this.
        func statement(
            _ sql: String, _ types: [PostgresDataType], on connection: PostgresConnection, logger: Logger
        ) throws -> PreparedQuery? {
            guard PostgresPreparedStatements.isKept(sql) else { return nil }
            if let known = statements[sql] {
                return PostgresPreparedStatements.fits(types, known.parameterTypes) ? known.query : nil
            }
            guard statements.count < limitPerConnection else { return nil }
            let query = try connection.prepare(query: sql).wait()
            let inferred = try connection.query(
                """
                SELECT CAST(CAST(type AS oid) AS bigint) FROM pg_prepared_statements,
                    unnest(parameter_types) WITH ORDINALITY AS parameter(type, position)
                WHERE statement = \(sql) ORDER BY position
                """, logger: logger
            ).wait().rows.map { PostgresDataType(UInt32(try $0.decode(Int64.self))) }
            statements[sql] = Statement(query: query, parameterTypes: inferred)
            return PostgresPreparedStatements.fits(types, inferred) ? query : nil
        }
    }

    /// Every live connection's statements. An entry whose connection is gone is stale and replaced: an object
    /// identifier is reused only after its object is freed, which a weak reference sees.
    private static let byConnection = NIOLockedValueBox([ObjectIdentifier: Prepared]())

    /// The statements prepared on `connection`, found once per runner (``PostgresStatementRunner``) rather than
    /// at every statement.
    static func statements(of connection: PostgresConnection) -> Prepared {
        byConnection.withLockedValue { all in
            let key = ObjectIdentifier(connection)
            if let known = all[key], known.connection === connection { return known }
            all = all.filter { $0.value.connection != nil }
            let fresh = Prepared(connection: connection)
            all[key] = fresh
            return fresh
        }
    }

    /// Statements that read or write rows, whose plans are worth keeping; not transaction control or locks.
    static func isKept(_ sql: String) -> Bool {
        let start = sql.prefix(7).uppercased()
        return (start.hasPrefix("SELECT ") && !sql.contains("pg_advisory")) || start.hasPrefix("INSERT ")
            || start.hasPrefix("UPDATE ") || start.hasPrefix("DELETE ") || start.hasPrefix("WITH ")
    }

    static func fits(_ values: [PostgresDataType], _ types: [PostgresDataType]) -> Bool {
        guard values.count == types.count else { return false }
        for (value, type) in zip(values, types) where value != .null && value != type { return false }
        return true
    }
}
