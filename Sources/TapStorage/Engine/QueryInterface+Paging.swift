import GRDB

// The cold paths' lists (devices, keys, webhooks, audit pages) are GRDB query-interface requests: their filters
// read as what they mean, and the SQL is GRDB's. The hot paths keep their prepared statements.

extension QueryInterfaceRequest {
    /// The request narrowed to rows whose `column` equals `value`; unchanged when there is no value.
    func matching(_ column: String, _ value: (some DatabaseValueConvertible & Sendable)?) -> Self {
        guard let value else { return self }
        return filter(Column(column) == value)
    }

    /// One page, newest first by id: the rows below `cursor` (all without one), `limit + 1` of them so that the
    /// extra row tells ``pageOf(_:limit:id:)`` that more exist.
    func newestFirst(after cursor: String?, limit: Int) -> Self {
        matching(below: cursor).order(Column("id").desc).limit(limit + 1)
    }

    private func matching(below cursor: String?) -> Self {
        guard let cursor else { return self }
        return filter(Column("id") < cursor)
    }
}
