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
    /// At most this many Graph requests per round, across all sessions (the rate budget). Each request inside
    /// a JSON batch counts, as Graph counts it against its limits. The default polls 500 open sessions with
    /// one-time passes in one round: at most 1,000 requests every 15 s, of which Intune's device queries are
    /// at most half, within Intune's 2,000 per 20 s per app and tenant; each session's own back-off (15 s
    /// doubling to 5 minutes) lowers that quickly.
    public var callsPerRound: Int

    /// Makes a schedule.
    public init(initialInterval: TimeInterval = 15, maximumInterval: TimeInterval = 300, callsPerRound: Int = 1000) {
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
    /// HTTP calls to Graph (a JSON batch is one).
    public var graphCalls = 0
    /// Requests inside those calls, as Graph counts them against its limits.
    public var graphRequests = 0
    /// Graph throttled the round; nothing is polled before this.
    public var pausedUntil: Date?

    /// An empty report.
    public init() {}

    /// `requests` sent as JSON batches, one group of batches per count in `groups`.
    mutating func count(batchOf requests: Int, groups: [Int]) {
        graphRequests += requests
        graphCalls += groups.reduce(0) { $0 + ($1 + GraphClient.batchLimit - 1) / GraphClient.batchLimit }
    }
}

/// Learns from Graph when an Entra-mode enrollment has finished, since Intune pushes nothing: polls Intune's
/// managed devices by serial, the user's FIDO2 methods and the pass's usability, each session on its own
/// back-off, within a per-round request budget, in JSON batches; then completes the sessions and deletes their
/// passes.
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

    /// One round: every open Entra session whose next poll is due, until the request budget is spent. The
    /// questions go to Graph in JSON batches of 20: Intune's records by serial and users' FIDO2 keys first, then
    /// the usability of the one-time passes of sessions that did not finish. 500 open device sessions cost 25
    /// calls a round (50 when their passes are one-time), where one call per session cost 500 (or 1,000).
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
        var due: [WatchedEntraSession] = []
        var budget = 0
        for session in sessions {
            guard (plan.withLockedValue { $0.next[session.sessionID]?.at } ?? start) <= start else { continue }
            guard budget + requestsNeeded(session) <= schedule.callsPerRound else { break }
            budget += requestsNeeded(session)
            due.append(session)
        }
        guard !due.isEmpty else { return report }
        report.polled = due.count
        var round = Round()

        let byDevice = due.filter { !wantsKey($0) && $0.serialNumber != nil }
        let byKey = due.filter(wantsKey)
        let devices = await graph.managedDevices(serialNumbers: byDevice.compactMap(\.serialNumber))
        let keys = await graph.fido2Methods(of: byKey.map(\.userPrincipalName))
        report.count(batchOf: byDevice.count + byKey.count, groups: [byDevice.count, byKey.count])
        for (session, answer) in zip(byDevice, devices) {
            round.note(session, answer.map { Self.deviceEvidence(session, devices: $0, rule: rule) }, logger: logger)
        }
        for (session, answer) in zip(byKey, keys) {
            round.note(session, answer.map { Self.keyEvidence(session, keys: $0) }, logger: logger)
        }

        let unused = due.filter {
            round.evidence[$0.sessionID] == nil && !round.failed.contains($0.sessionID) && $0.isUsableOnce
                && $0.storedState == .active
        }
        if round.throttledFor == nil, !unused.isEmpty {
            let passes = await graph.temporaryAccessPasses(unused.map { ($0.userPrincipalName, $0.methodID) })
            report.count(batchOf: unused.count, groups: [unused.count])
            for (session, answer) in zip(unused, passes) {
                switch answer {
                case .success(let method?) where method.usability(is: "OneTimeUsed"):
                    try await ledger.recordEntraPassUsed(session.sessionID)
                    report.markedInProgress += 1
                    round.changed.insert(session.sessionID)
                case .success: break
                case .failure(let error): round.fail(session, error, logger: logger)
                }
            }
        }

        // Recorded concurrently, so that the store's group commit takes many completions in one fsync.
        let finishing = due.compactMap { session in round.evidence[session.sessionID].map { (session.sessionID, $0) } }
        let closed = await concurrently(finishing) { [ledger] id, evidence -> Result<Bool, any Error> in
            do {
                return .success(try await ledger.completeFromEntra(id, evidence: evidence) != nil)
            } catch {
                return .failure(error)
            }
        }
        var completed: [SessionID] = []
        for ((id, _), outcome) in zip(finishing, closed) {
            switch outcome {
            case .success(true):
                completed.append(id)
                logger.info("entra.session.completed", metadata: ["session.id": "\(id)"])
            case .success(false): break
            case .failure(let error): throw error
            }
        }
        report.completed = completed.count
        // The finished sessions' passes are deleted together, in batches.
        await authority.finishRevocations(of: completed)

        for session in due { reschedule(session.sessionID, changed: round.changed.contains(session.sessionID)) }
        if let seconds = round.throttledFor {
            let until = now().addingTimeInterval(min(TimeInterval(seconds), Self.maximumPause))
            plan.withLockedValue { $0.pausedUntil = until }
            report.pausedUntil = until
            logger.notice("entra.watch.throttled", metadata: ["entra.retryAfter": "\(seconds)"])
        }
        return report
    }

    /// What one round learned about the sessions it polled.
    private struct Round {
        var evidence: [SessionID: CompletionEvidence] = [:]
        var changed = Set<SessionID>()
        var failed = Set<SessionID>()
        /// Graph still throttled a request after its retries: the watcher pauses this long.
        var throttledFor: Int?

        mutating func note(
            _ session: WatchedEntraSession, _ answer: Result<CompletionEvidence?, GraphError>, logger: Logger
        ) {
            switch answer {
            case .success(let found?):
                evidence[session.sessionID] = found
                changed.insert(session.sessionID)
            case .success(nil): break
            case .failure(let error): fail(session, error, logger: logger)
            }
        }

        mutating func fail(_ session: WatchedEntraSession, _ error: GraphError, logger: Logger) {
            failed.insert(session.sessionID)
            if case .throttled(let seconds) = error {
                throttledFor = max(throttledFor ?? 0, seconds)
                return
            }
            logger.warning(
                "entra.watch.failed", metadata: ["session.id": "\(session.sessionID)", "error.type": "\(error)"])
        }
    }

    private func wantsKey(_ session: WatchedEntraSession) -> Bool {
        session.scenario == .fido2Registration || rule == .keyRegistered
    }

    /// Graph requests a session's poll can take (each counts against Graph's limits, batched or not).
    private func requestsNeeded(_ session: WatchedEntraSession) -> Int {
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

    static func deviceEvidence(
        _ session: WatchedEntraSession, devices: [ManagedDevice], rule: CompletionRule
    ) -> CompletionEvidence? {
        guard let device = devices.first(where: { completes(session, device: $0, rule: rule) }) else { return nil }
        var facts: [String: String] = [:]
        facts["enrolledDateTime"] = device.enrolledDateTime.map(GraphJSON.formatTime)
        facts["lastSyncDateTime"] = device.lastSyncDateTime.map(GraphJSON.formatTime)
        facts["complianceState"] = device.complianceState
        facts["deviceEnrollmentType"] = device.deviceEnrollmentType
        facts["deviceRegistrationState"] = device.deviceRegistrationState
        facts["azureADDeviceId"] = device.azureADDeviceId
        return .deviceEnrolled(managedDeviceID: device.id, facts: facts)
    }

    static func keyEvidence(_ session: WatchedEntraSession, keys: [Fido2Method]) -> CompletionEvidence? {
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
