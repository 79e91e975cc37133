/// Where a person acted from, when not the API: recorded as `channel` in the data of every audit event their
/// request appends, so an auditor can tell a pass made in the console from one made with a bearer token.
public enum AuditChannel: String, Sendable {
    case console

    /// The channel of the request the current task serves; `nil` for the API. Set by the HTTP layer around a
    /// console request; read by the store when the request's write is queued (not inside it: writes run on the
    /// database's own queue, outside the task).
    @TaskLocal public static var current: AuditChannel?
}
