import Foundation
import TapCore
import Testing

@Suite("Session state machine")
struct SessionStateTests {
    /// Every legal transition of DESIGN.md's table; everything not listed must be refused.
    static let legal: [SessionState: [String: SessionState]] = [
        .awaitingApproval: [
            "approve": .active, "approve(startsLater)": .pending, "reject": .rejected, "cancel": .cancelled,
        ],
        .pending: ["startTimeReached": .active, "cancel": .cancelled],
        .active: [
            "passUsed": .inProgress, "passExpired": .expired, "lockOut": .lockedOut, "complete": .completed,
            "cancel": .cancelled, "reissue": .active,
        ],
        .inProgress: [
            "passUsed": .inProgress, "complete": .completed, "deadlinePassed": .abandoned, "lockOut": .lockedOut,
            "cancel": .cancelled,
        ],
        .expired: ["reissue": .active, "cancel": .cancelled],
        .lockedOut: ["reissue": .active, "cancel": .cancelled],
        .completed: [:], .cancelled: [:], .rejected: [:], .abandoned: [:],
    ]

    @Test(arguments: SessionState.allCases)
    func everyEventFromState(_ state: SessionState) {
        let allowed = Self.legal[state]!
        for event in SessionEvent.allCases {
            #expect(state.applying(event) == allowed[event.description], "\(state) + \(event)")
        }
    }

    @Test func terminalStatesAreExactlyTheFour() {
        #expect(Set(SessionState.allCases.filter(\.isTerminal)) == [.completed, .cancelled, .rejected, .abandoned])
    }
}

@Suite("Pass usability")
struct PassUsabilityTests {
    let start = Date(timeIntervalSince1970: 1_795_687_200)
    var end: Date { start.addingTimeInterval(3600) }

    @Test func edgesOfTheLifetime() {
        let terms = PassTerms(startsAt: start, expiresAt: end, maxUses: 1)
        #expect(terms.usability(at: start.addingTimeInterval(-1)) == .notYetValid)
        #expect(terms.usability(at: start) == .enabledByPolicy)
        #expect(terms.usability(at: end.addingTimeInterval(-0.001)) == .enabledByPolicy)
        #expect(terms.usability(at: end) == .expired)
    }

    @Test func precedenceWhenSeveralHold() {
        let after = end.addingTimeInterval(10)
        var terms = PassTerms(startsAt: start, expiresAt: end, maxUses: 1, uses: 1, revokedAt: start, lockedAt: start)
        #expect(terms.usability(at: after) == .revoked)
        terms.revokedAt = nil
        #expect(terms.usability(at: after) == .lockedOut)
        terms.lockedAt = nil
        #expect(terms.usability(at: after) == .oneTimeUsed)
        terms.uses = 0
        #expect(terms.usability(at: after) == .expired)
        #expect(terms.usability(at: start.addingTimeInterval(-5)) == .notYetValid)
        #expect(terms.usability(at: start, policyEnabled: false) == .disabledByPolicy)
        #expect(terms.usability(at: start.addingTimeInterval(-5), policyEnabled: false) == .notYetValid)
    }

    @Test func usesRemainingAndLifetime() {
        let terms = PassTerms(startsAt: start, expiresAt: end, maxUses: 2, uses: 1)
        #expect(terms.usesRemaining == 1)
        #expect(terms.lifetimeInMinutes == 60)
    }
}

@Suite("Session timeline")
struct SessionTimelineTests {
    let start = Date(timeIntervalSince1970: 1_795_687_200)

    @Test func pendingBecomesActiveThenExpired() {
        let pass = PassTerms(startsAt: start, expiresAt: start.addingTimeInterval(600), maxUses: 1)
        let deadline = start.addingTimeInterval(86_400)
        #expect(
            SessionTimeline.dueEvents(
                state: .pending, pass: pass, completionDeadline: deadline, now: start.addingTimeInterval(-1)) == [])
        #expect(
            SessionTimeline.effectiveState(state: .pending, pass: pass, completionDeadline: deadline, now: start)
                == .active)
        #expect(
            SessionTimeline.dueEvents(
                state: .pending, pass: pass, completionDeadline: deadline, now: start.addingTimeInterval(600))
                == [.startTimeReached, .passExpired])
    }

    @Test func inProgressOutlivesThePassUntilTheDeadline() {
        let pass = PassTerms(startsAt: start, expiresAt: start.addingTimeInterval(600), maxUses: 2, uses: 1)
        let deadline = start.addingTimeInterval(3600)
        #expect(
            SessionTimeline.effectiveState(
                state: .inProgress, pass: pass, completionDeadline: deadline, now: start.addingTimeInterval(1200))
                == .inProgress)
        #expect(
            SessionTimeline.effectiveState(state: .inProgress, pass: pass, completionDeadline: deadline, now: deadline)
                == .abandoned)
    }

    @Test func terminalStatesStayPut() {
        let pass = PassTerms(startsAt: start, expiresAt: start.addingTimeInterval(600), maxUses: 1)
        for state in SessionState.allCases where state.isTerminal {
            #expect(
                SessionTimeline.dueEvents(
                    state: state, pass: pass, completionDeadline: start, now: start.addingTimeInterval(1e6)) == [])
        }
    }
}
