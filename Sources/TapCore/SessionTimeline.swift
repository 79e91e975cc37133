import Foundation

/// Works out which time-driven events a session has gone through since its state was stored.
///
/// The stored state is only as fresh as the last write; the true state is always derived from the stored
/// times at the moment it is needed. The expiry sweeper uses the same function to persist what time did.
public enum SessionTimeline {
    /// The events that time has caused, in order, given the stored state and times.
    public static func dueEvents(
        state: SessionState, pass: PassTerms?, completionDeadline: Date, approvalDeadline: Date? = nil, now: Date
    ) -> [SessionEvent] {
        if state == .awaitingApproval, let approvalDeadline, now >= approvalDeadline { return [.reject] }
        var events: [SessionEvent] = []
        var current = state
        if current == .pending, let pass, now >= pass.startsAt {
            events.append(.startTimeReached)
            current = .active
        }
        if current == .active, let pass, now >= pass.expiresAt, pass.uses == 0 {
            events.append(.passExpired)
            current = .expired
        }
        if current == .inProgress, now >= completionDeadline {
            events.append(.deadlinePassed)
        }
        return events
    }

    /// The state after applying every due event.
    public static func effectiveState(
        state: SessionState, pass: PassTerms?, completionDeadline: Date, approvalDeadline: Date? = nil, now: Date
    ) -> SessionState {
        dueEvents(
            state: state, pass: pass, completionDeadline: completionDeadline, approvalDeadline: approvalDeadline,
            now: now
        )
        .reduce(state) { $0.applying($1) ?? $0 }
    }
}
