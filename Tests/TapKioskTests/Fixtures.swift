import Foundation
import TapAPI
import TapCore

@testable import TapKiosk

/// Wire values for the flow's tests, decoded from JSON the way the service sends them.
enum Fixture {
    static let start = Date(timeIntervalSince1970: 1_795_687_200)  // 2026-11-26T10:00:00Z
    static let sessionID = "01a21925-444c-74f2-b770-bdf4bbdf0181"
    static let kioskID = "01a21925-1c2d-7399-ac1d-768aa6c231b3"

    static let settings = KioskSettings(
        serverName: "tap.contoso.example", enrollmentPageURL: "https://tap.contoso.example/enroll", displayTimeout: 300,
        idleTimeout: 120, retryInterval: 5, pollInterval: 5)

    static func kiosk(role: String = "kiosk") -> OperatorView {
        decode(
            """
            {"id": "\(kioskID)", "name": "kiosk 3", "role": "\(role)", "site": "hel-1", "allowedSubjects": [],
             "allowedSources": [], "createdDateTime": "2026-11-26T09:00:00Z"}
            """)
    }

    /// A session as the service shows it; `pass` is the value only a minting answer holds.
    static func session(
        state: String = "active", scenario: String = "deviceEnrollment", pass: String? = nil,
        reason: String = "EnabledByPolicy",
        id: String = sessionID, serial: String = "C02XK1ZZJG5H", user: String = "ada@contoso.example"
    ) -> SessionView {
        let device =
            scenario == "deviceEnrollment"
            ? """
            "device": {"id": "01a21925-444c-74f2-b770-bdf4bbdf0182", "serialNumber": "\(serial)", "platform": "ipados",
                       "site": "hel-1", "enrollmentState": "pending", "createdDateTime": "2026-11-26T10:00:00Z"},
            """ : ""
        let value = pass.map { "\"temporaryAccessPass\": \"\($0)\"," } ?? ""
        return decode(
            """
            {"id": "\(id)", "scenario": "\(scenario)", "state": "\(state)", "site": "hel-1",
             "userPrincipalName": "\(user)", \(device)
             "createdBy": "\(kioskID)", "createdDateTime": "2026-11-26T10:00:00Z",
             "updatedDateTime": "2026-11-26T10:00:00Z", "completionDeadline": "2026-11-27T10:00:00Z",
             "privilegedSubject": false,
             "pass": {\(value) "startDateTime": "2026-11-26T10:00:00Z", "lifetimeInMinutes": 60,
                      "expirationDateTime": "2026-11-26T11:00:00Z", "maxUses": 2, "usesRemaining": 2,
                      "isUsableOnce": false, "isUsable": true, "methodUsabilityReason": "\(reason)"}}
            """)
    }

    static func decode<T: Decodable>(_ json: String) -> T {
        do {
            return try WireJSON.decoder().decode(T.self, from: Data(json.utf8))
        } catch {
            fatalError("fixture does not decode: \(error)")
        }
    }

    /// A server-sent event of the session stream.
    static func event(_ seq: Int, _ type: String, state: String, session: String = sessionID) -> ServerSentEvent {
        ServerSentEvent(
            id: String(seq), type: type,
            data:
                #"{"id": "\#(seq)", "type": "\#(type)", "time": "2026-11-26T10:0\#(seq % 10):00Z", "sessionId": "\#(session)", "state": "\#(state)"}"#
        )
    }

    static func line(_ text: String) -> KioskInput { .line(Array(text.utf8)) }
}

/// A machine driven through its start-up to the menu, and helpers to read what it asked for.
struct Driver {
    var machine: KioskMachine
    var effects: [KioskEffect] = []
    var now = Fixture.start

    init(settings: KioskSettings = Fixture.settings, toMenu: Bool = true) {
        machine = KioskMachine(settings: settings, now: Fixture.start, idempotencyKeyPrefix: "test")
        guard toMenu else { return }
        send(.start)
        answerLastCall(.operatorView(Fixture.kiosk()))
        answerLastCall(.policy(.standard))
    }

    @discardableResult
    mutating func send(_ input: KioskInput) -> [KioskEffect] {
        effects = machine.handle(input)
        return effects
    }

    @discardableResult
    mutating func type(_ text: String) -> [KioskEffect] { send(Fixture.line(text)) }

    /// Moves the server clock on by `seconds`, one tick at a time.
    mutating func wait(_ seconds: Int) -> [KioskEffect] {
        var all: [KioskEffect] = []
        for _ in 0..<seconds {
            now = now.addingTimeInterval(1)
            all += send(.tick(now))
        }
        effects = all
        return all
    }

    /// The calls the last input asked for.
    var calls: [(CallID, KioskCall)] {
        effects.compactMap { if case .call(let id, let call) = $0 { (id, call) } else { nil } }
    }

    /// Answers the last call made.
    @discardableResult
    mutating func answerLastCall(_ answer: KioskAnswer) -> [KioskEffect] {
        guard let (id, _) = calls.last else { fatalError("no call to answer") }
        return send(.answer(id, answer))
    }

    /// The screen last shown.
    var screen: Screen? {
        effects.reversed().compactMap { if case .show(let screen, _) = $0 { screen } else { nil } }.first
    }

    /// From the menu, asks for a key registration for grace@contoso.example with `note` as the proofing note; the
    /// order on the confirmation screen, or nil when the machine is not there.
    @discardableResult
    mutating func orderKeyRegistration(note: String = "") -> KioskMachine.Order? {
        type("2")
        type("grace@contoso.example")
        type(note)
        guard case .confirm(let order) = machine.step else { return nil }
        return order
    }

    /// From the menu, asks for a key registration for grace@contoso.example without a proofing note, and answers
    /// with the minted session: its pass is on screen.
    mutating func mintKeyRegistration() {
        orderKeyRegistration()
        confirmKeyRegistration()
    }

    /// Confirms the key registration on screen and answers with the minted session: its pass is on screen.
    mutating func confirmKeyRegistration() {
        type("1")
        answerLastCall(
            .session(Fixture.session(scenario: "fido2Registration", pass: "K7QM-3XRP-HV9T"), replayed: false))
    }

    /// From the menu, looks the fixture's session up by its id and answers with it in `state`.
    mutating func lookUpSession(state: String) {
        type("3")
        type(Fixture.sessionID)
        answerLastCall(.session(Fixture.session(state: state), replayed: false))
    }

    var text: String { machine.screen().allText }
    var wiped: Bool { effects.contains(.wipe) }
}
