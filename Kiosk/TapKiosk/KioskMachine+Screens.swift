import Foundation
import TapAPI
import TapCore

extension KioskMachine {
    /// The screen for the current step.
    public func screen() -> Screen {
        let back = "Ctrl-C: menu"
        switch step {
        case .menu:
            let who = identity.map { "\($0.name)\($0.site.map { " · site \($0.value)" } ?? "")" } ?? ""
            return Screen(
                title: "TapStation kiosk" + (who.isEmpty ? "" : " · " + who),
                body: [
                    .choice(key: "1", title: "Enroll a device"),
                    .choice(key: "2", title: "Register a FIDO2 security key"),
                    .choice(key: "3", title: "Look up, reissue or cancel a session"),
                ],
                notice: notice, prompt: "Choose 1-3:")
        case .confirmQuit:
            return Screen(
                title: "Quit the kiosk?", body: [.choice(key: "1", title: "Quit"), .text("Anything else: stay.")],
                notice: notice,
                prompt: "Quit? (1 = yes):")
        case .enrollSerial(let platform):
            return Screen(
                title: "Enroll a device" + (platform.map { " · \($0.menuTitle)" } ?? ""),
                body: [.text("Scan the device's serial number barcode, or type it.")], notice: notice,
                prompt: "Serial number (\(back)):")
        case .enrollPlatform(let serialText):
            let serial = (try? settings.scanner.serialNumber(serialText, platform: nil).get())?.value ?? serialText
            return Screen(
                title: "Enroll \(serial) · platform",
                body: DevicePlatform.allCases.enumerated().map {
                    .choice(key: "\($0.offset + 1)", title: $0.element.menuTitle)
                },
                notice: notice, prompt: "Platform 1-\(DevicePlatform.allCases.count):")
        case .enrollUser(let device):
            return Screen(
                title: "Enroll \(device.serialNumber.value) · \(device.platform.menuTitle)",
                body: [.text("Type or scan the sign-in name of the user the device is for.")], notice: notice,
                prompt: "User (user@domain, \(back)):")
        case .enrollPreset(let device, let user):
            return Screen(
                title: "Enroll \(device.serialNumber.value) for \(user.value)",
                body: [.text("How many sign-ins does the device's setup need?")]
                    + devicePresets.enumerated().map {
                        .choice(key: "\($0.offset + 1)", title: $0.element.preset.title)
                    },
                notice: notice, prompt: "Preset 1-\(devicePresets.count):")
        case .fido2User:
            return Screen(
                title: "Register a FIDO2 security key",
                body: [.text("Type or scan the sign-in name of the user who registers the key.")], notice: notice,
                prompt: "User (user@domain, \(back)):")
        case .fido2Proofing(let user):
            return Screen(
                title: "Register a key for \(user.value)",
                body: [
                    .text(
                        "How was the user's identity checked, and by whom? For example: \"passport, last digits 4821, checked by Sam\"."
                    ),
                    .text("Never type a full document number. Press Enter to skip."),
                ],
                notice: notice, prompt: "Proofing note (optional):")
        case .confirm(let order):
            return Screen(
                title: "Check before the pass is created",
                body: summary(of: order) + [
                    .blank, .choice(key: "1", title: "Create the pass"), .choice(key: "2", title: "Start again"),
                ], notice: notice, prompt: "1 or 2:")
        case .waiting(let work):
            return Screen(title: waitingTitle(work), body: [.text("Please wait…")], notice: notice, prompt: "")
        case .retry(let work, let message):
            if work.isStartup {
                return Screen(
                    title: "TapStation kiosk · connecting to \(settings.serverName)",
                    body: [.text(message), .text("Press Enter to try now.")], notice: notice, prompt: "")
            }
            return Screen(
                title: waitingTitle(work),
                body: [.text(message), .choice(key: "1", title: "Try again"), .choice(key: "0", title: "Menu")],
                notice: notice, prompt: "1 or 0:")
        case .live(let live):
            return liveScreen(live)
        case .qrCode:
            let rows = QRCode(settings.enrollmentPageURL)?.halfBlockRows() ?? []
            return Screen(
                title: "Scan to open \(settings.enrollmentPageURL)", body: [.picture(rows)], notice: notice,
                prompt: "Enter: back to the pass")
        case .finished(let outcome):
            // The pass facts known here predate the ending; the title says what became of the pass.
            return Screen(
                title: finishedTitle(outcome), body: sessionFacts(outcome.session, withPass: false), notice: notice,
                prompt: "Enter: menu")
        case .lookupQuery:
            return Screen(
                title: "Look up a session",
                body: [.text("Scan or type a device serial number, a user's sign-in name, or a session id.")],
                notice: notice,
                prompt: "Search (\(back)):")
        case .lookupResults(let sessions):
            return Screen(
                title: "\(sessions.count) sessions found" + (sessions.count > 9 ? " (the newest 9 shown)" : ""),
                body: sessions.prefix(9).enumerated().map { index, session in
                    .choice(key: "\(index + 1)", title: oneLineSummary(session))
                } + [.choice(key: "0", title: "Menu")],
                notice: notice, prompt: "Session:")
        case .lookupDetail(let session):
            var body = sessionFacts(session)
            body += [.blank, .choice(key: "1", title: "Follow live")]
            if session.state.isReissuable { body.append(.choice(key: "2", title: "Reissue the pass")) }
            if !session.state.isTerminal { body.append(.choice(key: "3", title: "Cancel the session")) }
            body.append(.choice(key: "0", title: "Menu"))
            return Screen(
                title: "Session of \(session.userPrincipalName.value)", body: body, notice: notice, prompt: "Choose:")
        case .confirmCancel(let session):
            return Screen(
                title: "Cancel the session of \(session.userPrincipalName.value)?",
                body: [
                    .text("Its pass dies with it."), .choice(key: "1", title: "Cancel the session"),
                    .text("Anything else: keep it."),
                ],
                notice: notice, prompt: "Cancel? (1 = yes):")
        }
    }

    /// The pass (while it can still be used) and the live log of a followed session.
    func liveScreen(_ live: Live) -> Screen {
        let session = live.session
        var body: [Screen.Line] = []
        let showsPass = live.passValue != nil && [.pending, .active, .inProgress].contains(session.state)
        if let value = live.passValue, showsPass, let pass = session.pass {
            body.append(
                .text(
                    "Temporary access pass for \(session.userPrincipalName.value) (\(pass.maxUses) sign-in\(pass.maxUses == 1 ? "" : "s")):"
                ))
            body.append(.pass(value))
            body.append(
                .text(
                    "Expires \(Self.clockTime(pass.expirationDateTime, seconds: false)) UTC, \(countdown(to: pass.expirationDateTime))."
                ))
        } else {
            body.append(.text("Session of \(session.userPrincipalName.value): \(stateText(session))."))
        }
        if session.scenario == .fido2Registration, showsPass {
            if settings.isEntraMode {
                body.append(
                    .text(
                        "The user signs in with this pass at https://aka.ms/mysecurityinfo and adds the security key there."
                    ))
            } else {
                body.append(.text("Open on the kiosk browser or the user's phone: \(settings.enrollmentPageURL)"))
            }
        }
        if !live.log.isEmpty {
            body.append(.blank)
            body += live.log.map { .text("  " + $0) }
        }
        var actions = "0 menu"
        if session.state.isReissuable { actions += " · 2 reissue" }
        if !session.state.isTerminal { actions += " · 3 cancel" }
        if offersQRCode(live) { actions += " · 4 QR code" }
        return Screen(
            title: session.scenario == .deviceEnrollment
                ? "Enroll \(session.device?.serialNumber.value ?? "?") (\(session.device?.platform.menuTitle ?? "?"))"
                : "FIDO2 key for \(session.userPrincipalName.value)",
            body: body, notice: notice, prompt: actions + ":")
    }

    /// "in 58 min", or in the last two minutes "in 1 min 30 s" by 10-second steps, so a serial line is not
    /// redrawn every second.
    func countdown(to expiry: Date) -> String {
        let remaining = expiry.timeIntervalSince(now)
        if remaining <= 0 { return "now expired" }
        if remaining >= 120 { return "in \(Int((remaining / 60).rounded())) min" }
        let tens = Int((remaining / 10).rounded(.up)) * 10
        return tens >= 60 ? "in \(tens / 60) min \(tens % 60) s" : "in \(tens) s"
    }

    /// What became of the session and its pass, in one line.
    func finishedTitle(_ outcome: Outcome) -> String {
        let session = outcome.session
        let revoked = outcome.passRevoked ? "pass revoked" : "revoking the pass…"
        switch session.state {
        case .completed where session.scenario == .deviceEnrollment:
            return "\(session.device?.serialNumber.value ?? "Device") enrolled — \(revoked)"
        case .completed: return "Key registered for \(session.userPrincipalName.value) — \(revoked)"
        case .cancelled: return "Session cancelled — \(revoked)"
        case .abandoned: return "Session abandoned: its deadline passed — \(revoked)"
        case .rejected: return "Issuance refused by the approver"
        default: return "Session \(session.state.rawValue)"
        }
    }

    /// What the kiosk is waiting for.
    func waitingTitle(_ work: Work) -> String {
        switch work {
        case .checkIdentity, .loadPolicy: "TapStation kiosk · connecting to \(settings.serverName)"
        case .create: "Creating the session"
        case .find, .open: "Looking up"
        case .reissue: "Issuing a fresh pass"
        case .cancel: "Cancelling the session"
        }
    }

    /// The order in the words the technician checks.
    func summary(of order: Order) -> [Screen.Line] {
        var lines: [Screen.Line] = []
        if let device = order.request.device {
            lines.append(.text("Device:  \(device.serialNumber.value) (\(device.platform.menuTitle))"))
        } else {
            lines.append(.text("Register a FIDO2 security key"))
        }
        lines.append(.text("User:    \(order.request.userPrincipalName.value)"))
        lines.append(.text("Pass:    \(order.presetTitle ?? "the policy's default")"))
        if let reference = order.request.proofing?.reference { lines.append(.text("Checked: \(reference)")) }
        return lines
    }

    /// A session's state, device, user, pass (unless stale) and id, one per line.
    func sessionFacts(_ session: SessionView, withPass: Bool = true) -> [Screen.Line] {
        var lines: [Screen.Line] = [.text("State:   \(stateText(session))")]
        if let device = session.device {
            lines.append(.text("Device:  \(device.serialNumber.value) (\(device.platform.menuTitle))"))
        }
        lines.append(.text("User:    \(session.userPrincipalName.value)"))
        if withPass, let pass = session.pass {
            lines.append(
                .text(
                    "Pass:    \(pass.methodUsabilityReason.rawValue), \(pass.usesRemaining) of \(pass.maxUses) sign-ins left, "
                        + "expires \(Self.clockTime(pass.expirationDateTime, seconds: false)) UTC"))
        }
        lines.append(.text("Id:      \(session.id.rawValue)"))
        return lines
    }

    /// A session state in plain words.
    func stateText(_ session: SessionView) -> String {
        switch session.state {
        case .awaitingApproval: "waiting for a second person's approval"
        case .pending: "pass not valid yet"
        case .active: "pass ready, not used yet"
        case .inProgress: "pass used, enrollment under way"
        case .expired: "the pass expired before it was used"
        case .lockedOut: "locked: too many wrong passes"
        case .completed: "completed"
        case .cancelled: "cancelled"
        case .rejected: "refused at approval"
        case .abandoned: "abandoned"
        }
    }

    /// A session as one line of a list.
    func oneLineSummary(_ session: SessionView) -> String {
        let created = WireJSON.formatTime(session.createdDateTime).prefix(16).replacingOccurrences(of: "T", with: " ")
        let device = session.device.map { " " + $0.serialNumber.value } ?? " FIDO2"
        return "\(created) \(session.userPrincipalName.value)\(device) · \(session.state.rawValue)"
    }
}
