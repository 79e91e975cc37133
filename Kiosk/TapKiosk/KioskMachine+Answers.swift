import Foundation
import TapAPI
import TapCore

extension KioskMachine {
    /// Roles whose tokens can run a kiosk (they may create sessions).
    static let kioskRoles: Set<Role> = [.kiosk, .bench, .helpdesk, .admin]

    /// An answer to a call; answers nobody waits for any more (after Ctrl-C) are dropped.
    mutating func handleAnswer(_ id: CallID, _ answer: KioskAnswer) -> [KioskEffect] {
        if id == pollCall {
            pollCall = nil
            return handlePoll(answer)
        }
        guard id == awaiting, case .waiting(let work) = step else { return [] }
        awaiting = nil
        if case .failure(let failure) = answer { return handleFailure(failure, of: work) }
        switch (work, answer) {
        case (.checkIdentity, .operatorView(let me)):
            guard Self.kioskRoles.contains(me.role) else {
                return retryLater(
                    .checkIdentity,
                    message: "This token is a \(me.role.rawValue) token; the kiosk needs a kiosk token.", factor: 6)
            }
            identity = me
            return begin(.loadPolicy)
        case (.loadPolicy, .policy(let policy)):
            presets = policy.presets.map { NamedPreset(key: $0.key, preset: $0.value) }.sorted {
                $0.preset.title < $1.preset.title
            }
            goToMenu(notice: nil)
        case (.create, .session(let session, let replayed)):
            if let pass = session.pass?.temporaryAccessPass {
                enterLive(session, passValue: pass)
                return [.follow(session.id, lastEventID: nil)]
            }
            if replayed, session.state.isReissuable {
                // The first answer (with the pass) was lost on the way; only a fresh pass can be shown now.
                notice = "The first answer was lost; a fresh pass is being issued."
                return begin(.reissue(session.id, idempotencyKey: newIdempotencyKey()))
            }
            enterLive(session, passValue: nil)
            if session.state == .awaitingApproval {
                notice = "A second person must approve this pass; it appears here once they do."
            }
            return [.follow(session.id, lastEventID: nil)]
        case (.find, .sessions(let sessions)):
            switch sessions.count {
            case 0:
                step = .lookupQuery
                notice = "No session found; try a serial number, a user's sign-in name or a session id."
            case 1: step = .lookupDetail(sessions[0])
            default: step = .lookupResults(sessions)
            }
        case (.open, .session(let session, _)):
            step = .lookupDetail(session)
        case (.reissue, .session(let session, _)):
            guard let pass = session.pass?.temporaryAccessPass else {
                step = .lookupDetail(session)
                notice = "The service issued no pass for this session now."
                return []
            }
            enterLive(session, passValue: pass)
            return [.follow(session.id, lastEventID: nil)]
        case (.cancel, .session(let session, _)):
            // In Entra mode the revocation waits for Graph: follow the session until `pass.revoked` says so.
            let revoked =
                !settings.isEntraMode || session.pass == nil || session.pass?.methodUsabilityReason == .revoked
            step = .finished(Outcome(session: session, passRevoked: revoked, enteredAt: now))
            return revoked ? [] : [.follow(session.id, lastEventID: nil)]
        default:
            return retryLater(work, message: "The service answered something unexpected.", factor: 1)
        }
        return []
    }

    /// A failed call: the token refused sends the kiosk back to its start-up check; a service that is down
    /// offers a retry; a refusal goes back to where the technician can change something.
    mutating func handleFailure(_ failure: KioskFailure, of work: Work) -> [KioskEffect] {
        if failure.isTokenRefused {
            identity = nil
            return retryLater(.checkIdentity, message: failure.message, factor: 6)
        }
        if work.isStartup {
            return retryLater(
                work, message: failure.message + " Retrying every \(Int(settings.retryInterval)) s.", factor: 1)
        }
        if failure.isTransient {
            step = .retry(work, message: failure.message)
            return []
        }
        switch work {
        case .find, .open:
            step = .lookupQuery
            notice = failure.message
        case .cancel(let session):
            step = .lookupDetail(session)
            notice = failure.message
        default:
            goToMenu(notice: failure.message)
        }
        return []
    }

    /// Start-up work waits and goes out again on a later tick.
    mutating func retryLater(_ work: Work, message: String, factor: Double) -> [KioskEffect] {
        step = .retry(work, message: message)
        retryAt = now.addingTimeInterval(settings.retryInterval * factor)
        return []
    }
}
