import Foundation
import TapAPI
import TapCore

extension KioskMachine {
    /// A cleaned line, in whatever step the flow is.
    mutating func handleLine(_ input: LineInput) -> [KioskEffect] {
        let text: String
        switch input {
        case .tooLong(let bytes):
            notice = "That line was too long (\(bytes) characters); scan or type it again."
            return []
        case .notText:
            notice = "That line held bytes that are not text; scan or type it again."
            return []
        case .text(let cleaned):
            text = cleaned
        }
        let choice = text.lowercased()
        switch step {
        case .menu:
            switch choice {
            case "1": step = .enrollSerial(platform: nil)
            case "2": step = .fido2User
            case "3": step = .lookupQuery
            case "": break
            default: notice = "Type 1, 2 or 3 and press Enter."
            }

        case .confirmQuit(let previous):
            if ["1", "y", "yes"].contains(choice) { return [.exit] }
            if case .waiting(let work) = previous { return begin(work) }
            step = previous

        case .enrollSerial(let platform):
            switch settings.scanner.serialNumber(text, platform: platform) {
            case .success(let serial):
                if let platform {
                    step = .enrollUser(DeviceDescription(serialNumber: serial, platform: platform))
                } else {
                    step = .enrollPlatform(serialText: text)
                }
            case .failure(let problem):
                notice = problem.message
            }

        case .enrollPlatform(let serialText):
            guard let index = Int(choice), DevicePlatform.allCases.indices.contains(index - 1) else {
                notice = "Type the number of the platform (1-\(DevicePlatform.allCases.count))."
                return []
            }
            let platform = DevicePlatform.allCases[index - 1]
            switch settings.scanner.serialNumber(serialText, platform: platform) {
            case .success(let serial): step = .enrollUser(DeviceDescription(serialNumber: serial, platform: platform))
            case .failure(let problem):
                step = .enrollSerial(platform: platform)
                notice = problem.message
            }

        case .enrollUser(let device):
            guard let user = settings.scanner.userPrincipalName(text) else {
                notice = "That is not a user's sign-in name (user@domain); type or scan it again."
                return []
            }
            if devicePresets.isEmpty {
                step = .confirm(order(device: device, user: user, preset: nil))
            } else {
                step = .enrollPreset(device, user)
            }

        case .enrollPreset(let device, let user):
            let offered = devicePresets
            guard let index = Int(choice), offered.indices.contains(index - 1) else {
                notice = "Type the number of a preset (1-\(offered.count))."
                return []
            }
            step = .confirm(order(device: device, user: user, preset: offered[index - 1]))

        case .fido2User:
            guard let user = settings.scanner.userPrincipalName(text) else {
                notice = "That is not a user's sign-in name (user@domain); type or scan it again."
                return []
            }
            step = .fido2Proofing(user)

        case .fido2Proofing(let user):
            guard text.count <= 200 else {
                notice = "Keep the note under 200 characters."
                return []
            }
            let proofing = text.isEmpty ? nil : Proofing(method: .inPerson, checkedBy: identity?.name, reference: text)
            let preset = presets.first { $0.key == Self.fido2PresetKey }
            step = .confirm(
                Order(
                    request: CreateSessionRequest(
                        scenario: .fido2Registration, userPrincipalName: user,
                        reason: "FIDO2 key registration at the kiosk",
                        proofing: proofing, pass: preset.map { PassRequest(preset: $0.key) }),
                    presetTitle: preset?.preset.title, idempotencyKey: newIdempotencyKey()))

        case .confirm(let order):
            switch choice {
            case "1", "y", "yes": return begin(.create(order))
            case "2", "n", "no":
                step = order.request.scenario == .deviceEnrollment ? .enrollSerial(platform: nil) : .fido2User
            default: notice = "Type 1 to create the pass or 2 to start again."
            }

        case .waiting:
            notice = "Please wait for the service to answer."

        case .retry(let work, _):
            if work.isStartup { return begin(work) }
            switch choice {
            case "1": return begin(work)
            case "0": goToMenu(notice: nil)
            default: notice = "Type 1 to try again or 0 for the menu."
            }

        case .live(let live):
            switch choice {
            case "0": goToMenu(notice: live.passValue == nil ? nil : "The pass was taken off the screen.")
            case "2" where live.session.state.isReissuable:
                return begin(.reissue(live.session.id, idempotencyKey: newIdempotencyKey()))
            case "3" where !live.session.state.isTerminal: step = .confirmCancel(live.session)
            case "4" where offersQRCode(live): step = .qrCode(live)
            case "": break
            default:
                notice = "Type 0 for the menu\(live.session.state.isReissuable ? ", 2 to reissue" : ""), 3 to cancel."
            }

        case .qrCode(let live):
            step = .live(live)

        case .finished:
            goToMenu(notice: nil)

        case .lookupQuery:
            if let id = SessionID(choice) { return begin(.open(id)) }
            if text.contains("@") {
                guard let user = settings.scanner.userPrincipalName(text) else {
                    notice = "That is not a user's sign-in name (user@domain)."
                    return []
                }
                return begin(.find(.userPrincipalName(user)))
            }
            switch settings.scanner.serialNumber(text, platform: nil) {
            case .success(let serial): return begin(.find(.serialNumber(serial)))
            case .failure(let problem): notice = problem.message
            }

        case .lookupResults(let sessions):
            if choice == "0" {
                goToMenu(notice: nil)
            } else if let index = Int(choice), sessions.prefix(9).indices.contains(index - 1) {
                step = .lookupDetail(sessions[index - 1])
            } else {
                notice = "Type the number of a session, or 0 for the menu."
            }

        case .lookupDetail(let session):
            switch choice {
            case "1":
                enterLive(session, passValue: nil)
                return [.follow(session.id, lastEventID: nil)]
            case "2" where session.state.isReissuable:
                return begin(.reissue(session.id, idempotencyKey: newIdempotencyKey()))
            case "3" where !session.state.isTerminal: step = .confirmCancel(session)
            case "0": goToMenu(notice: nil)
            default: notice = "Type one of the numbers shown."
            }

        case .confirmCancel(let session):
            if ["1", "y", "yes"].contains(choice) { return begin(.cancel(session)) }
            step = .lookupDetail(session)
        }
        return []
    }

    /// Whether the pass screen offers the enrollment page's address as a QR code.
    func offersQRCode(_ live: Live) -> Bool {
        live.session.scenario == .fido2Registration && settings.showsQRCode && !settings.isEntraMode
            && QRCode(settings.enrollmentPageURL) != nil
    }

    /// The preset a FIDO2 registration uses when the policy has it: a sign-in and the test sign-in.
    static let fido2PresetKey = "fido2-key"

    /// The presets offered for a device: all but the FIDO2 one, by title.
    var devicePresets: [NamedPreset] { presets.filter { $0.key != Self.fido2PresetKey } }

    /// The order for a device enrollment.
    mutating func order(device: DeviceDescription, user: UserPrincipalName, preset: NamedPreset?) -> Order {
        Order(
            request: CreateSessionRequest(
                scenario: .deviceEnrollment, userPrincipalName: user, device: device,
                reason: "device enrollment at the kiosk", pass: preset.map { PassRequest(preset: $0.key) }),
            presetTitle: preset?.preset.title, idempotencyKey: newIdempotencyKey())
    }

    /// Puts a session on screen and follows it.
    mutating func enterLive(_ session: SessionView, passValue: String?) {
        step = .live(Live(session: session, passValue: passValue, enteredAt: now))
        awaiting = nil
        pollCall = nil
    }
}

extension SessionState {
    /// States from which an operator may get a fresh pass (API.md, reissue).
    var isReissuable: Bool { self == .active || self == .expired || self == .lockedOut }
}
