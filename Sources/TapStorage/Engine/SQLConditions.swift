/// The WHERE clause of a list read whose filters are each optional, in SQL both engines read.
struct SQLConditions {
    private var clauses: [String] = []
    private(set) var values: [DirectValue] = []

    /// Adds `condition` (with its `?` placeholders) and the values it binds.
    mutating func add(_ condition: String, _ bound: DirectValue...) {
        clauses.append(condition)
        values += bound
    }

    /// Rows whose `column` equals `value`; no condition when there is no value.
    mutating func match(_ column: String, _ value: (some DirectStorable)?) {
        guard let value else { return }
        add("\(column) = ?", value.directValue)
    }

    /// `WHERE …` joined with AND, or nothing.
    var clause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }
}

extension SQLConditions {
    /// One page, newest first by id: the rows below `cursor` (all without one), `limit + 1` of them so that the
    /// extra row tells ``pageOf(_:limit:id:)`` that more exist.
    func newestFirst(after cursor: String?, limit: Int) -> (clause: String, values: [DirectValue]) {
        var page = self
        if let cursor { page.add("id < ?", .text(cursor)) }
        return (page.clause + " ORDER BY id DESC LIMIT ?", page.values + [.integer(Int64(limit + 1))])
    }
}
