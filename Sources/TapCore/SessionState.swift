/// The life of an enrollment session (DESIGN.md, "Session states").
public enum SessionState: String, Codable, Sendable, CaseIterable {
    case awaitingApproval, pending, active, inProgress, expired, lockedOut
    case completed, cancelled, rejected, abandoned

    /// A terminal state never changes again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .cancelled, .rejected, .abandoned: true
        default: false
        }
    }

    /// Whether the session still holds a pass that may become usable, so it counts as "open".
    public var isOpen: Bool { !isTerminal }

    /// Returns the state that `event` leads to, or `nil` when the event is not allowed here.
    public func applying(_ event: SessionEvent) -> SessionState? {
        switch (self, event) {
        case (.awaitingApproval, .approve(let startsLater)): startsLater ? .pending : .active
        case (.awaitingApproval, .reject): .rejected
        case (.pending, .startTimeReached): .active
        case (.active, .passUsed): .inProgress
        case (.inProgress, .passUsed): .inProgress
        case (.active, .passExpired): .expired
        case (.active, .lockOut), (.inProgress, .lockOut): .lockedOut
        case (.active, .reissue), (.expired, .reissue), (.lockedOut, .reissue): .active
        case (.active, .complete), (.inProgress, .complete): .completed
        case (.inProgress, .deadlinePassed): .abandoned
        case (let state, .cancel) where !state.isTerminal: .cancelled
        default: nil
        }
    }
}

/// Something that happens to a session: an operator's action, a use of its pass, or the passing of time.
public enum SessionEvent: Sendable, Equatable, CustomStringConvertible {
    /// A second operator approved issuance; `startsLater` when the pass's start time is in the future.
    case approve(startsLater: Bool)
    /// A second operator refused issuance.
    case reject
    /// The pass's start time has come.
    case startTimeReached
    /// The pass was redeemed.
    case passUsed
    /// The pass's lifetime ended before any use.
    case passExpired
    /// Too many wrong passes were tried for the session's user.
    case lockOut
    /// An operator minted a fresh pass.
    case reissue
    /// The enrollment finished (device check-in, key registered, or by hand).
    case complete
    /// An operator stopped the session.
    case cancel
    /// The completion deadline passed while the enrollment was under way.
    case deadlinePassed

    /// Every event, with both variants of `approve`, for exhaustive tests.
    public static let allCases: [SessionEvent] = [
        .approve(startsLater: false), .approve(startsLater: true), .reject, .startTimeReached, .passUsed,
        .passExpired, .lockOut, .reissue, .complete, .cancel, .deadlinePassed,
    ]

    public var description: String {
        switch self {
        case .approve(let startsLater): startsLater ? "approve(startsLater)" : "approve"
        case .reject: "reject"
        case .startTimeReached: "startTimeReached"
        case .passUsed: "passUsed"
        case .passExpired: "passExpired"
        case .lockOut: "lockOut"
        case .reissue: "reissue"
        case .complete: "complete"
        case .cancel: "cancel"
        case .deadlinePassed: "deadlinePassed"
        }
    }
}
