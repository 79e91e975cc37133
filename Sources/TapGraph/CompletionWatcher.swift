import Foundation
import Logging
import NIOConcurrencyHelpers
import TapCore

/// What finishes an Entra-mode device-enrollment session.
public enum CompletionRule: String, Sendable, CaseIterable {
    /// Intune has a device record with this serial, enrolled after the session was created.
    case enrolled
    /// The same, and Intune reports the device `compliant`.
    case enrolledAndCompliant
    /// The user registered a FIDO2 key at Microsoft after the session was created.
    case keyRegistered
}

/// How often the watcher asks Graph, and how much.
public struct WatchSchedule: Sendable, Equatable {
    /// The first wait after a session is seen, and the wait after something changed.
    public var initialInterval: TimeInterval
    /// The longest wait between two polls of one session; the wait doubles while nothing changes.
    public var maximumInterval: TimeInterval
    /// At most this many Graph calls per round, across all sessions (the rate budget).
    public var callsPerRound: Int

    /// Makes a schedule.
    public init(initialInterval: TimeInterval = 15, maximumInterval: TimeInterval = 300, callsPerRound: Int = 60) {
        self.initialInterval = initialInterval
        self.maximumInterval = maximumInterval
        self.callsPerRound = callsPerRound
    }
}

/// What one round of the watcher did.
public struct WatchReport: Sendable, Equatable {
    public var polled = 0
    public var completed = 0
    public var markedInProgress = 0
    public var graphCalls = 0
    /// Graph throttled the round; nothing is polled before this.
    public var pausedUntil: Date?

    /// An empty report.
    public init() {}
}

/// Learns from Graph when an Entra-mode enrollment has finished, since Intune pushes nothing: polls Intune's
/// managed devices by serial, the user's FIDO2 methods and the pass's usability, each session on its own
/// back-off, within a per-round call budget; then completes the session and deletes the pass.
public final class CompletionWatcher: Sendable {
    let ledger: any EntraLedger
    let graph: GraphClient
    let authority: EntraPassAuthority
    let rule: CompletionRule
    let schedule: WatchSchedule
    let now: @Sendable () -> Date
    let logger: Logger
    private let plan = NIOLockedValueBox<(next: [SessionID: (at: Date, interval: TimeInterval)], pausedUntil: Date?)>(
        ([:], nil))
    /// The longest pause a throttled round takes, whatever `Retry-After` Graph names: a value of days (a fault
    /// or a hostile endpoint) would otherwise stop completion detection until a restart.
    static let maximumPause: TimeInterval = 3600

    /// A watcher; `rule` decides what completes a device-enrollment session (key registration always
    /// completes a FIDO2 session).
    public init(
        ledger: any EntraLedger, graph: GraphClient, authority: EntraPassAuthority, rule: CompletionRule,
        schedule: WatchSchedule, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.ledger = ledger
        self.graph = graph
        self.authority = authority
        self.rule = rule
        self.schedule = schedule
        self.now = now
        self.logger = logger
    }

    /// One round: every open Entra session whose next poll is due, until the call budget is spent.
    public func pollOnce() async throws -> WatchReport {
        var report = WatchReport()
        let start = now()
        if let paused = plan.withLockedValue({ $0.pausedUntil }), paused > start {
            report.pausedUntil = paused
            return report
        }
        let sessions = try await ledger.watchedEntraSessions()
        let open = Set(sessions.map(\.sessionID))
        plan.withLockedValue { state in state.next = state.next.filter { open.contains($0.key) } }
        for session in sessions {
            let due = plan.withLockedValue { $0.next[session.sessionID]?.at } ?? start
            guard due <= start else { continue }
            guard report.graphCalls + callsNeeded(session) <= schedule.callsPerRound else { break }
            report.polled += 1
            do {
                let changed = try await poll(session, report: &report)
                reschedule(session.sessionID, changed: changed)
            } catch GraphError.throttled(let seconds) {
                let until = now().addingTimeInterval(min(TimeInterval(seconds), Self.maximumPause))
                plan.withLockedValue { $0.pausedUntil = until }
                report.pausedUntil = until
                logger.notice("entra.watch.throttled", metadata: ["entra.retryAfter": "\(seconds)"])
                break
            } catch {
                reschedule(session.sessionID, changed: false)
                logger.warning(
                    "entra.watch.failed",
                    metadata: ["session.id": "\(session.sessionID)", "error.type": "\(type(of: error))"])
            }
        }
        return report
    }

    private func callsNeeded(_ session: WatchedEntraSession) -> Int {
        (session.isUsableOnce && session.storedState == .active ? 1 : 0) + 1
    }

    private func reschedule(_ id: SessionID, changed: Bool) {
        let current = now()
        plan.withLockedValue { state in
            let previous = state.next[id]?.interval
            let interval =
                changed || previous == nil
                ? schedule.initialInterval : min(schedule.maximumInterval, max(schedule.initialInterval, previous! * 2))
            state.next[id] = (current.addingTimeInterval(interval), interval)
        }
    }

    /// Polls one session; `true` when something moved.
    private func poll(_ session: WatchedEntraSession, report: inout WatchReport) async throws -> Bool {
        if let evidence = try await completionEvidence(session, report: &report) {
            if try await ledger.completeFromEntra(session.sessionID, evidence: evidence) != nil {
                report.completed += 1
                logger.info("entra.session.completed", metadata: ["session.id": "\(session.sessionID)"])
                await authority.revokePending(session: session.sessionID)
            }
            return true
        }
        if session.isUsableOnce, session.storedState == .active {
            report.graphCalls += 1
            if let method = try await graph.temporaryAccessPass(of: session.userPrincipalName, id: session.methodID),
                method.usability(is: "OneTimeUsed")
            {
                try await ledger.recordEntraPassUsed(session.sessionID)
                report.markedInProgress += 1
                return true
            }
        }
        return false
    }

    private func completionEvidence(
        _ session: WatchedEntraSession, report: inout WatchReport
    ) async throws -> CompletionEvidence? {
        let wantsKey = session.scenario == .fido2Registration || rule == .keyRegistered
        if !wantsKey, let serial = session.serialNumber {
            report.graphCalls += 1
            let devices = try await graph.managedDevices(serialNumber: serial)
            guard let device = devices.first(where: { Self.completes(session, device: $0, rule: rule) }) else {
                return nil
            }
            var facts: [String: String] = [:]
            facts["enrolledDateTime"] = device.enrolledDateTime.map(GraphJSON.formatTime)
            facts["lastSyncDateTime"] = device.lastSyncDateTime.map(GraphJSON.formatTime)
            facts["complianceState"] = device.complianceState
            facts["deviceEnrollmentType"] = device.deviceEnrollmentType
            facts["deviceRegistrationState"] = device.deviceRegistrationState
            facts["azureADDeviceId"] = device.azureADDeviceId
            return .deviceEnrolled(managedDeviceID: device.id, facts: facts)
        }
        guard wantsKey else { return nil }
        report.graphCalls += 1
        let keys = try await graph.fido2Methods(of: session.userPrincipalName)
        guard let key = keys.first(where: { ($0.createdDateTime ?? .distantPast) > session.createdAt }) else {
            return nil
        }
        var facts: [String: String] = [:]
        facts["aaGuid"] = key.aaGuid
        facts["model"] = key.model
        facts["attestationLevel"] = key.attestationLevel
        facts["createdDateTime"] = key.createdDateTime.map(GraphJSON.formatTime)
        return .keyRegistered(methodID: key.id, facts: facts)
    }

    /// A device record completes a session only if it was enrolled after the session was created and, where
    /// it names a user, names the session's user: an old enrollment of the same serial must not.
    static func completes(_ session: WatchedEntraSession, device: ManagedDevice, rule: CompletionRule) -> Bool {
        guard let enrolled = device.enrolledDateTime, enrolled > session.createdAt else { return false }
        if let owner = device.userPrincipalName, !owner.isEmpty,
            owner.caseInsensitiveCompare(session.userPrincipalName.value) != .orderedSame
        {
            return false
        }
        if rule == .enrolledAndCompliant {
            return device.complianceState?.caseInsensitiveCompare("compliant") == .orderedSame
        }
        return true
    }
}
