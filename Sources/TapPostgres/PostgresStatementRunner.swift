import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import TapStorage

/// Runs the shared use cases' statements on one PostgreSQL connection, blocking the calling thread until each
/// answer arrives: the use cases are synchronous code (they run unchanged inside SQLite's writer), so they run
/// here on ``PostgresWriter``'s own thread, never on an event loop or in Swift's cooperative pool.
package struct PostgresStatementRunner: StatementRunner {
    let connection: PostgresConnection
    let logger: Logger
    package let transactionChain: AuditChainState?
    /// A user group's read-ahead answers and held-back writes; `nil` elsewhere, where every statement goes at once.
    let batch: UserGroupBatch?
    /// The statements this connection has prepared.
    private let prepared: PostgresPreparedStatements.Prepared

    package init(connection: PostgresConnection, logger: Logger, transactionChain: AuditChainState? = nil) {
        self.init(connection: connection, logger: logger, transactionChain: transactionChain, batch: nil)
    }

    init(connection: PostgresConnection, logger: Logger, transactionChain: AuditChainState?, batch: UserGroupBatch?) {
        self.connection = connection
        self.logger = logger
        self.transactionChain = transactionChain
        self.batch = batch
        prepared = PostgresPreparedStatements.statements(of: connection)
    }

    package var dialect: SQLDialect { .postgres }

    package func run(_ sql: String, _ values: [DirectValue]) throws {
        try sendingHeldBackFirst { _ = try rows(sql, values, prepared: true) }
    }

    package func write(_ sql: String, _ values: [DirectValue], row: RowKey) throws {
        guard let batch else { return try run(sql, values) }
        if batch.holdBack(sql, values, row: row) { return }
        try sendHeldBack()
        if !batch.holdBack(sql, values, row: row) { try run(sql, values) }
    }

    /// Never prepared: a prepared statement's run does not say how many rows it changed.
    package func changes(_ sql: String, _ values: [DirectValue]) throws -> Int {
        try sendingHeldBackFirst {
            try connection.query(Self.query(sql, values), logger: logger).wait().metadata.rows ?? 0
        }
    }

    package func query(_ sql: String, _ values: [DirectValue], _ row: (any StatementRow) throws -> Void) throws {
        if let answer = batch?.answerRead(sql, values) {
            for each in answer { try row(each) }
            return
        }
        let (rows, prepared) = try sendingHeldBackFirst { try self.rows(sql, values, prepared: true) }
        for each in rows {
            try row(PostgresStatementRow(sql: sql, row: each.makeRandomAccess(), binaryLabelledText: prepared))
        }
    }

    package func queryVarying(
        _ sql: String, _ values: [DirectValue], _ row: (any StatementRow) throws -> Void
    ) throws {
        for each in try sendingHeldBackFirst({ try rows(sql, values, prepared: false).rows }) {
            try row(PostgresStatementRow(sql: sql, row: each.makeRandomAccess()))
        }
    }

    /// Sends the writes held back, if any, in one statement (``UserGroupBatch``).
    func sendHeldBack() throws {
        guard let batch else { return }
        let writes = batch.takeHeldBack()
        guard !writes.isEmpty else { return }
        try recordingFailure {
            if writes.count == 1 {
                _ = try rows(writes[0].sql, writes[0].values, prepared: true)
            } else {
                // Its text changes with the group, so it is not kept prepared.
                _ = try rows(UserGroupBatch.combinedSQL(writes), writes.flatMap(\.values), prepared: false)
            }
        }
    }

    /// Runs `firstRead` for each of `users` in one statement (``UserGroupBatch/firstReadSQL(_:users:)``) and keeps
    /// each user's answer for the user's first use case.
    func readAhead(_ firstRead: String, for users: [String]) throws {
        guard let batch, !users.isEmpty, let sql = UserGroupBatch.firstReadSQL(firstRead, users: users.count) else {
            return
        }
        var answers = Dictionary(uniqueKeysWithValues: users.map { ($0, [PostgresStatementRow]()) })
        try recordingFailure {
            let (rows, prepared) = try rows(sql, users.map(DirectValue.text), prepared: true)
            for each in rows {
                let row = each.makeRandomAccess()
                let user = try PostgresStatementRow(sql: sql, row: row, binaryLabelledText: prepared).text(0)
                answers[user]?.append(
                    PostgresStatementRow(sql: firstRead, row: row, binaryLabelledText: prepared, firstColumn: 1))
            }
        }
        for (user, rows) in answers { batch.keepFirstRead(firstRead, of: user, rows: rows) }
    }

    private func sendingHeldBackFirst<T>(_ statement: () throws -> T) throws -> T {
        guard let batch else { return try statement() }
        batch.statementRun()
        try sendHeldBack()
        return try recordingFailure(statement)
    }

    /// Runs `statement`, telling the batch when it fails.
    private func recordingFailure<T>(_ statement: () throws -> T) throws -> T {
        do {
            return try statement()
        } catch {
            batch?.failed(error)
            throw error
        }
    }

    /// Runs the statement, prepared on this connection where it can be (``PostgresPreparedStatements``); answers
    /// whether it was.
    private func rows(
        _ sql: String, _ values: [DirectValue], prepared: Bool
    ) throws -> (rows: [PostgresRow], prepared: Bool) {
        let numbered = PlaceholderNumbering.numbered(sql)
        if prepared,
            let statement = try self.prepared.statement(
                numbered, values.map(Self.type), on: connection, logger: logger)
        {
            return (try statement.execute(values.map(Self.data)).wait(), true)
        }
        return (Array(try connection.query(Self.query(sql, values), logger: logger).wait().rows), false)
    }

    /// The type a value is sent as.
    static func type(_ value: DirectValue) -> PostgresDataType {
        switch value {
        case .text: .text
        case .integer: .int8
        case .blob: .bytea
        case .date: .timestamptz
        case .bool: .bool
        case .null: .null
        }
    }

    /// A value as a prepared statement's run takes it, encoded as an unnamed statement's binding is.
    static func data(_ value: DirectValue) -> PostgresData {
        var buffer = ByteBuffer()
        switch value {
        case .text(let text): text.encode(into: &buffer, context: .default)
        case .integer(let number): number.encode(into: &buffer, context: .default)
        case .blob(let bytes): buffer.writeBytes(bytes)
        case .date(let date): date.encode(into: &buffer, context: .default)
        case .bool(let flag): flag.encode(into: &buffer, context: .default)
        case .null: return PostgresData(type: .null)
        }
        return PostgresData(type: type(value), formatCode: .binary, value: buffer)
    }

    /// The statement with its `?` placeholders numbered as PostgreSQL wants them, and `values` bound.
    static func query(_ sql: String, _ values: [DirectValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let number): bindings.append(number)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .date(let date): bindings.append(date)
            case .bool(let flag): bindings.append(flag)
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: PlaceholderNumbering.numbered(sql), binds: bindings)
    }
}

/// `?` to `$1`, `$2`, … outside quoted text, identifiers and comments. The first ``cacheLimit`` distinct texts
/// are numbered once and kept; texts past that (a client cycling through a list's filters) are numbered afresh
/// each time, so the cache cannot grow without bound.
enum PlaceholderNumbering {
    static let cacheLimit = 1024
    private static let cache = NIOLockedValueBox([String: String]())

    static func numbered(_ sql: String) -> String {
        if let known = cache.withLockedValue({ $0[sql] }) { return known }
        let numbered = number(sql)
        cache.withLockedValue { cache in
            if cache.count < cacheLimit { cache[sql] = numbered }
        }
        return numbered
    }

    static func number(_ sql: String) -> String {
        replacing(sql) { "$\($0)" }
    }

    /// `sql` with its one placeholder replaced by `expression`; `nil` unless it has exactly one.
    static func replacingOnly(_ sql: String, with expression: String) -> String? {
        var count = 0
        let replaced = replacing(sql) { number in
            count = number
            return expression
        }
        return count == 1 ? replaced : nil
    }

    /// `sql` with its `n`th placeholder replaced by `replacement(n)`, counting from 1.
    private static func replacing(_ sql: String, _ replacement: (Int) -> String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        var quote: Character?
        var inComment = false
        var previous: Character?
        for character in sql {
            defer { previous = character }
            if inComment {
                if character == "\n" { inComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-", previous == "-" {
                inComment = true
            } else if character == "?" {
                count += 1
                out += replacement(count)
                continue
            }
            out.append(character)
        }
        return out
    }
}

/// One row of a PostgreSQL answer, read by position as the use cases read SQLite's.
package struct PostgresStatementRow: StatementRow {
    let sql: String
    let row: PostgresRandomAccessRow
    /// The row came from postgres-nio's `PreparedQuery`, which asks for every column in binary, as all its
    /// statements do, but labels each with the text format of the statement's description: read them as binary.
    var binaryLabelledText = false
    /// The row's column that the reader's column 0 is: a user group's read-ahead puts the user before the answer.
    var firstColumn = 0

    package func isNull(_ index: Int) -> Bool { row[index + firstColumn].bytes == nil }

    package func text(_ index: Int) throws -> String { try decode(String.self, index, "text") }

    package func integer(_ index: Int) throws -> Int {
        if row[index + firstColumn].dataType == .bool { return try decode(Bool.self, index, "integer") ? 1 : 0 }
        return try decode(Int.self, index, "integer")
    }

    package func bool(_ index: Int) throws -> Bool {
        if row[index + firstColumn].dataType == .bool { return try decode(Bool.self, index, "boolean") }
        return try integer(index) != 0
    }

    package func blob(_ index: Int) throws -> Data {
        var buffer = try decode(ByteBuffer.self, index, "blob")
        return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    package func date(_ index: Int) throws -> Date { try decode(Date.self, index, "time") }

    private func decode<T: PostgresDecodable>(_ type: T.Type, _ index: Int, _ kind: String) throws -> T {
        guard !isNull(index) else { throw StorageError.corruptRow("column \(index) of \(sql) holds no \(kind)") }
        var cell = row[index + firstColumn]
        if binaryLabelledText { cell.format = .binary }
        do {
            return try cell.decode(T.self)
        } catch {
            throw StorageError.corruptRow("column \(index) of \(sql) is not \(kind)")
        }
    }
}
