import Foundation
import TapAPI
import TapCore

extension KioskMachine {
    /// Reconnecting a broken stream is tried this many poll intervals apart.
    static let reconnectFactor = 3.0

    /// The clock moved: timeouts, start-up retries, and polling while a stream is broken.
    mutating func handleTick() -> [KioskEffect] {
        switch step {
        case .retry(let work, _) where work.isStartup:
            if let retryAt, now >= retryAt { return begin(work) }
        case .live(var live):
            if now.timeIntervalSince(live.enteredAt) >= settings.displayTimeout {
                goToMenu(
                    notice: live.passValue == nil
                        ? nil
                        : "The pass was taken off the screen after \(Self.duration(settings.displayTimeout)); the session goes on (3 finds it)."
                )
                return []
            }
            let effects = pollIfDue(&live.polling, session: live.session.id, lastEventID: live.lastEventID)
            step = .live(live)
            return effects
        case .finished(var outcome):
            if now.timeIntervalSince(max(outcome.enteredAt, lastInputAt)) >= settings.idleTimeout {
                goToMenu(notice: nil)
                return []
            }
            guard !outcome.passRevoked else { return [] }
            let effects = pollIfDue(&outcome.polling, session: outcome.session.id, lastEventID: outcome.lastEventID)
            step = .finished(outcome)
            return effects
        case .menu, .waiting, .retry:
            break
        default:
            if now.timeIntervalSince(lastInputAt) >= settings.idleTimeout {
                goToMenu(notice: nil)
            }
        }
        return []
    }

    /// While the stream is broken: a poll every interval, a reconnect every few.
    mutating func pollIfDue(_ polling: inout Polling?, session: SessionID, lastEventID: String?) -> [KioskEffect] {
        guard var state = polling else { return [] }
        var effects: [KioskEffect] = []
        if pollCall == nil, now.timeIntervalSince(state.lastPollAt) >= settings.pollInterval {
            state.lastPollAt = now
            let id = nextCallID
            nextCallID += 1
            pollCall = id
            effects.append(.call(id, .session(session)))
        }
        if now.timeIntervalSince(state.lastReconnectAt) >= settings.pollInterval * Self.reconnectFactor {
            state.lastReconnectAt = now
            effects.append(.follow(session, lastEventID: lastEventID))
        }
        polling = state
        return effects
    }

    /// One event of the followed session.
    mutating func apply(_ event: LiveEvent) -> [KioskEffect] {
        switch step {
        case .live(var live):
            live.lastEventID = event.id
            if let text = event.logText {
                live.log = Array((live.log + [logLine(text, at: event.time)]).suffix(Self.logLength))
            }
            if let state = event.state { live.session.state = state }
            if live.session.state.isTerminal {
                notice = nil
                step = .finished(
                    Outcome(
                        session: live.session, passRevoked: event.type == "pass.revoked", enteredAt: now,
                        lastEventID: event.id, polling: live.polling))
                return []
            }
            if event.type == "session.approved", live.passValue == nil, live.session.createdBy == identity?.id {
                step = .live(live)
                return begin(.reissue(live.session.id, idempotencyKey: newIdempotencyKey()))
            }
            step = .live(live)
        case .finished(var outcome):
            outcome.lastEventID = event.id
            if event.type == "pass.revoked" { outcome.passRevoked = true }
            if let state = event.state { outcome.session.state = state }
            step = .finished(outcome)
        default:
            break
        }
        return []
    }

    /// The stream is back: polling stops and its notice goes.
    mutating func streamOpened() {
        switch step {
        case .live(var live):
            if live.polling != nil { notice = nil }
            live.polling = nil
            step = .live(live)
        case .finished(var outcome):
            outcome.polling = nil
            step = .finished(outcome)
        default: break
        }
    }

    /// The stream ended or broke: poll until it is back, unless the pass is already known revoked.
    mutating func streamClosed() {
        // Polling starts at once (lastPollAt in the past); the first reconnect waits a while.
        let polling = Polling(lastPollAt: .distantPast, lastReconnectAt: now)
        switch step {
        case .live(var live):
            guard live.polling == nil else { return }
            live.polling = polling
            notice = "Live updates were interrupted; checking the service every \(Int(settings.pollInterval)) s."
            step = .live(live)
        case .finished(var outcome):
            guard !outcome.passRevoked, outcome.polling == nil else { return }
            outcome.polling = polling
            step = .finished(outcome)
        default: break
        }
    }

    /// The answer to a poll made while the stream was broken.
    mutating func handlePoll(_ answer: KioskAnswer) -> [KioskEffect] {
        guard case .session(let session, _) = answer else {
            if case .failure(let failure) = answer, case .live = step {
                notice = failure.message + " Retrying every \(Int(settings.pollInterval)) s."
            }
            return []
        }
        let revoked = session.pass == nil || session.pass?.methodUsabilityReason == .revoked
        switch step {
        case .live(var live) where live.session.id == session.id:
            if session.state != live.session.state {
                live.log = Array(
                    (live.log + [logLine("now \(session.state.rawValue)", at: nil)]).suffix(Self.logLength))
            }
            live.session = session
            if session.state.isTerminal {
                notice = nil
                step = .finished(
                    Outcome(
                        session: session, passRevoked: revoked, enteredAt: now, lastEventID: live.lastEventID,
                        polling: live.polling))
            } else {
                step = .live(live)
            }
        case .finished(var outcome) where outcome.session.id == session.id:
            outcome.session = session
            outcome.passRevoked = outcome.passRevoked || revoked
            step = .finished(outcome)
        default:
            break
        }
        return []
    }

    /// `10:02:13  pass used`, by the server's clock.
    func logLine(_ text: String, at time: Date?) -> String {
        "\(Self.clockTime(time ?? now, seconds: true))  \(text)"
    }

    /// `5 min`, or `45 s` below a minute.
    static func duration(_ seconds: TimeInterval) -> String {
        seconds >= 60 ? "\(Int((seconds / 60).rounded())) min" : "\(Int(seconds)) s"
    }

    /// `10:02` or `10:02:13` in UTC.
    static func clockTime(_ date: Date, seconds: Bool) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        let hm = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        return seconds ? hm + String(format: ":%02d", parts.second ?? 0) : hm
    }
}
