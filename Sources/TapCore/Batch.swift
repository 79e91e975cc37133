/// A refusal of one row of a batch, as the HTTP layer words it (status, stable code, safe message).
///
/// It is stored with the batch's idempotency key, so that a replayed batch answers each refused row exactly
/// as the first answer did.
public struct BatchRowProblem: Sendable, Equatable, Codable {
    /// The HTTP status a single create would have answered.
    public var status: Int
    /// The stable problem code.
    public var code: String
    /// A message safe to show.
    public var detail: String
    /// The field at fault, when one is.
    public var field: String?
    /// The policy bound broken, for `policy_violation`.
    public var bound: String?
    /// The status's reason phrase.
    public var title: String?

    /// Makes a problem.
    public init(
        status: Int, code: String, detail: String, field: String? = nil, bound: String? = nil, title: String? = nil
    ) {
        self.title = title
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.bound = bound
    }
}

/// One row of a batch as it reaches the store: a session to create, or a row already refused at the edge.
public enum BatchRow: Sendable {
    /// `replaceExisting` lets Entra mode replace a Temporary Access Pass the user holds, as on a single create.
    case create(NewSession, replaceExisting: Bool = false)
    case refused(BatchRowProblem)
}

/// What became of one row of a batch.
public enum BatchRowOutcome: Sendable {
    /// Created now: the session and its pass value (the only time the value exists).
    case created(IssuedPass)
    /// Created now by an outside authority (Entra): the session and that authority's value, shown once.
    case createdExternally(ExternallyIssuedPass)
    /// Created now, waiting for a second operator: no pass yet.
    case awaitingApproval(Session)
    /// Created by an earlier request with the same key: the session as it is now, never a pass value.
    case replayed(Session)
    /// Not created.
    case refused(BatchRowProblem)
}

/// The answer of a batch create: one outcome per row, in order, and whether the whole batch was a replay.
public struct BatchOutcome: Sendable {
    public var rows: [BatchRowOutcome]
    public var replayed: Bool

    /// Makes an outcome.
    public init(rows: [BatchRowOutcome], replayed: Bool) {
        self.rows = rows
        self.replayed = replayed
    }
}
