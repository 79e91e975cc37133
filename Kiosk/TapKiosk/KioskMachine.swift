import Foundation
import TapAPI
import TapCore

/// Settings of the flow that do not change while it runs.
public struct KioskSettings: Sendable, Equatable {
    /// How screens name the service (its host).
    public var serverName: String
    /// The enrollment page a FIDO2 user opens (the service's public URL + `/enroll`).
    public var enrollmentPageURL: String
    /// In Entra mode the user registers the key at Microsoft and revocation waits for Graph.
    public var isEntraMode: Bool
    /// How long a pass stays on the screen at most.
    public var displayTimeout: TimeInterval
    /// How long a screen other than the menu waits for input before going back to the menu.
    public var idleTimeout: TimeInterval
    /// How often start-up checks retry while the service is unreachable.
    public var retryInterval: TimeInterval
    /// How often a followed session is polled while its event stream is broken.
    public var pollInterval: TimeInterval
    /// Scanner decoration and the default user domain.
    public var scanner: ScannedValue
    /// Whether the terminal can draw a QR code (Unicode half blocks; not on a plain serial line).
    public var showsQRCode: Bool

    /// Makes settings; the defaults are what docs/kiosk.md documents.
    public init(
        serverName: String, enrollmentPageURL: String, isEntraMode: Bool = false, displayTimeout: TimeInterval = 300,
        idleTimeout: TimeInterval = 120, retryInterval: TimeInterval = 5, pollInterval: TimeInterval = 5,
        scanner: ScannedValue = ScannedValue(), showsQRCode: Bool = true
    ) {
        self.showsQRCode = showsQRCode
        self.serverName = serverName
        self.enrollmentPageURL = enrollmentPageURL
        self.isEntraMode = isEntraMode
        self.displayTimeout = displayTimeout
        self.idleTimeout = idleTimeout
        self.retryInterval = retryInterval
        self.pollInterval = pollInterval
        self.scanner = scanner
    }
}

/// Correlates a call with its answer.
public typealias CallID = Int

/// Everything that can happen to the kiosk.
public enum KioskInput: Sendable, Equatable {
    /// The program started.
    case start
    /// A line typed or scanned, as raw bytes without the line end.
    case line([UInt8])
    /// Ctrl-C: back to the menu.
    case interrupt
    /// Ctrl-D: at the menu, asks whether to quit.
    case endOfInput
    /// The clock, by the server's time; the driver sends one a second.
    case tick(Date)
    /// The answer to a call the flow asked for.
    case answer(CallID, KioskAnswer)
    /// An event of the followed session's stream.
    case streamEvent(SessionID, ServerSentEvent)
    /// The followed session's stream is connected.
    case streamOpened(SessionID)
    /// The followed session's stream ended or broke.
    case streamClosed(SessionID)
    /// The terminal changed size: draw again.
    case resized
}

/// What the flow asks the driver to do, in order.
public enum KioskEffect: Sendable, Equatable {
    /// Draw a screen; `isRefresh` when only a countdown changed.
    case show(Screen, isRefresh: Bool)
    /// Take everything off the terminal, scrollback included where possible: a pass is leaving.
    case wipe
    /// Make a call and answer with ``KioskInput/answer(_:_:)``.
    case call(CallID, KioskCall)
    /// Follow a session's events (replacing any stream followed before), resuming after `lastEventID`.
    case follow(SessionID, lastEventID: String?)
    /// Stop following.
    case stopFollowing
    /// End the program.
    case exit
}

/// The kiosk's flow as a value: each input returns what to show and what to call. No I/O, no clock of its
/// own, no randomness (idempotency keys come from a prefix the driver picks), so tests drive it exactly.
public struct KioskMachine: Sendable {
    /// Where the flow is.
    public indirect enum Step: Equatable, Sendable {
        case menu
        case confirmQuit(returningTo: Step)
        case enrollSerial(platform: DevicePlatform?)
        case enrollPlatform(serialText: String)
        case enrollUser(DeviceDescription)
        case enrollPreset(DeviceDescription, UserPrincipalName)
        case fido2User
        case fido2Proofing(UserPrincipalName)
        case confirm(Order)
        case waiting(Work)
        case retry(Work, message: String)
        case live(Live)
        /// The enrollment page's address as a QR code, over a followed FIDO2 session (never with the pass).
        case qrCode(Live)
        case finished(Outcome)
        case lookupQuery
        case lookupResults([SessionView])
        case lookupDetail(SessionView)
        case confirmCancel(SessionView)
    }

    /// A session about to be created.
    public struct Order: Equatable, Sendable {
        public var request: CreateSessionRequest
        public var presetTitle: String?
        /// Kept for retries of this one order, so the service creates it once.
        public var idempotencyKey: String
    }

    /// Something the flow waits for the service to do.
    public enum Work: Equatable, Sendable {
        case checkIdentity
        case loadPolicy
        case create(Order)
        case find(SessionSearch)
        case open(SessionID)
        case reissue(SessionID, idempotencyKey: String)
        case cancel(SessionView)

        var call: KioskCall {
            switch self {
            case .checkIdentity: .whoAmI
            case .loadPolicy: .policy
            case .create(let order): .createSession(order.request, idempotencyKey: order.idempotencyKey)
            case .find(let search): .findSessions(search)
            case .open(let id): .session(id)
            case .reissue(let id, let key): .reissuePass(id, idempotencyKey: key)
            case .cancel(let session): .cancelSession(session.id)
            }
        }

        /// Start-up work retries by itself; the rest waits for the technician.
        var isStartup: Bool { self == .checkIdentity || self == .loadPolicy }
    }

    /// A session on screen, followed live.
    public struct Live: Equatable, Sendable {
        public var session: SessionView
        /// The pass in grouped form, when this kiosk minted it just now.
        public var passValue: String?
        public var enteredAt: Date
        /// The last steps, newest last.
        public var log: [String] = []
        public var lastEventID: String?
        /// `nil` while the stream is healthy; otherwise when the last poll and reconnect were made.
        public var polling: Polling?
    }

    /// Times of the fallback while a stream is broken.
    public struct Polling: Equatable, Sendable {
        public var lastPollAt: Date
        public var lastReconnectAt: Date
    }

    /// A session that ended while on screen.
    public struct Outcome: Equatable, Sendable {
        public var session: SessionView
        /// Whether the revocation of the pass is confirmed (in Entra mode it waits for Graph).
        public var passRevoked: Bool
        public var enteredAt: Date
        public var lastEventID: String?
        public var polling: Polling?
    }

    /// A preset as the menu offers it.
    public struct NamedPreset: Equatable, Sendable {
        public var key: String
        public var preset: PassPreset
    }

    public internal(set) var step: Step = .waiting(.checkIdentity)
    public let settings: KioskSettings
    /// Who the kiosk's token belongs to, once checked.
    public internal(set) var identity: OperatorView?
    public internal(set) var presets: [NamedPreset] = []
    /// One line shown above the prompt until the next input.
    public internal(set) var notice: String?
    var now: Date
    var lastInputAt: Date
    var awaiting: CallID?
    var pollCall: CallID?
    var nextCallID: CallID = 1
    var retryAt: Date?
    let keyPrefix: String
    var keyCounter = 0
    var lastScreen: Screen?

    /// Live log lines kept on screen.
    static let logLength = 6

    /// Makes the flow at `now` (server time); `idempotencyKeyPrefix` must be unique per kiosk run.
    public init(settings: KioskSettings, now: Date, idempotencyKeyPrefix: String) {
        self.settings = settings
        self.now = now
        lastInputAt = now
        keyPrefix = idempotencyKeyPrefix
    }

    /// Feeds one input; returns the effects to carry out, in order.
    public mutating func handle(_ input: KioskInput) -> [KioskEffect] {
        let followedBefore = followedSession
        let kindBefore = step.kind
        // Over the QR code the session is still followed: all but typing is handled as on the pass screen.
        var overQRCode = false
        if case .qrCode(let live) = step, !input.isTyping {
            step = .live(live)
            overQRCode = true
        }
        let handled = process(input)
        if overQRCode, case .live(let live) = step { step = .qrCode(live) }
        guard var effects = handled else { return [] }
        if effects.contains(.exit) { return [.exit] }
        if let before = followedBefore, followedSession != before, !effects.contains(where: \.isFollow) {
            effects.insert(.stopFollowing, at: 0)
        }
        if case .tick = input { return effects + present(isRefresh: step.kind == kindBefore) }
        return effects + present(isRefresh: false)
    }

    /// The effects of one input before the screen is drawn; `nil` when the input is not for this flow any more
    /// (an event of a stream that was left).
    private mutating func process(_ input: KioskInput) -> [KioskEffect]? {
        switch input {
        case .start:
            return begin(.checkIdentity)
        case .line(let bytes):
            lastInputAt = now
            notice = nil
            return handleLine(LineInput.clean(bytes))
        case .interrupt:
            lastInputAt = now
            return interrupt()
        case .endOfInput:
            lastInputAt = now
            notice = nil
            switch step {
            case .menu: step = .confirmQuit(returningTo: .menu)
            case .confirmQuit: return [.exit]
            case .waiting(let work) where work.isStartup: step = .confirmQuit(returningTo: step)
            case .retry(let work, _) where work.isStartup: step = .confirmQuit(returningTo: step)
            default: return interrupt()
            }
            return []
        case .tick(let time):
            now = time
            return handleTick()
        case .answer(let id, let answer):
            return handleAnswer(id, answer)
        case .streamEvent(let id, let event):
            guard followedSession == id, let live = LiveEvent(event) else { return nil }
            return apply(live)
        case .streamOpened(let id):
            guard followedSession == id else { return nil }
            streamOpened()
            return []
        case .streamClosed(let id):
            guard followedSession == id else { return nil }
            streamClosed()
            return []
        case .resized:
            return []
        }
    }

    /// The session whose stream the driver should be following.
    var followedSession: SessionID? {
        switch step {
        case .live(let live), .qrCode(let live): live.session.id
        case .finished(let outcome): outcome.session.id
        default: nil
        }
    }

    /// Draws the current screen; a pass leaving the screen wipes the terminal first. A tick that changes
    /// nothing visible draws nothing.
    mutating func present(isRefresh: Bool) -> [KioskEffect] {
        let screen = self.screen()
        if isRefresh, screen == lastScreen { return [] }
        var effects: [KioskEffect] = []
        if lastScreen?.holdsPass == true, !screen.holdsPass { effects.append(.wipe) }
        lastScreen = screen
        effects.append(.show(screen, isRefresh: isRefresh))
        return effects
    }

    /// Starts `work`: the call goes out and the screen says what is happening.
    mutating func begin(_ work: Work) -> [KioskEffect] {
        step = .waiting(work)
        retryAt = nil
        let id = nextCallID
        nextCallID += 1
        awaiting = id
        return [.call(id, work.call)]
    }

    /// Ctrl-C and anything like it: back to the menu (start-up has no menu to go back to).
    mutating func interrupt() -> [KioskEffect] {
        switch step {
        case .waiting(let work) where work.isStartup: return []
        case .retry(let work, _) where work.isStartup: return []
        case .confirmQuit(let previous):
            // An answer that came while asking was dropped; start-up work goes out again.
            if case .waiting(let work) = previous { return begin(work) }
            step = previous
            return []
        default: break
        }
        goToMenu(notice: nil)
        return []
    }

    /// Back to the menu; nothing is awaited any more.
    mutating func goToMenu(notice: String?) {
        step = .menu
        awaiting = nil
        pollCall = nil
        self.notice = notice
    }

    /// A key for one new order, unique for this run of the kiosk.
    mutating func newIdempotencyKey() -> String {
        keyCounter += 1
        return "\(keyPrefix)-\(keyCounter)"
    }
}

extension KioskMachine.Step {
    /// The step's case, without its data: a tick that keeps it is a refresh.
    var kind: String {
        switch self {
        case .menu: "menu"
        case .confirmQuit: "confirmQuit"
        case .enrollSerial: "enrollSerial"
        case .enrollPlatform: "enrollPlatform"
        case .enrollUser: "enrollUser"
        case .enrollPreset: "enrollPreset"
        case .fido2User: "fido2User"
        case .fido2Proofing: "fido2Proofing"
        case .confirm: "confirm"
        case .waiting: "waiting"
        case .retry: "retry"
        case .live: "live"
        case .qrCode: "qrCode"
        case .finished: "finished"
        case .lookupQuery: "lookupQuery"
        case .lookupResults: "lookupResults"
        case .lookupDetail: "lookupDetail"
        case .confirmCancel: "confirmCancel"
        }
    }
}

extension KioskInput {
    /// Input from the keyboard.
    var isTyping: Bool {
        switch self {
        case .line, .interrupt, .endOfInput: true
        default: false
        }
    }
}

extension KioskEffect {
    var isFollow: Bool {
        if case .follow = self { return true }
        return false
    }
}
