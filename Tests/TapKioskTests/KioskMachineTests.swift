import Foundation
import TapAPI
import TapCore
import Testing
@testable import TapKiosk

@Suite("Kiosk flow: start-up")
struct KioskStartupTests {
    @Test func startChecksTheTokenThenLoadsPresetsThenShowsTheMenu() {
        var driver = Driver(toMenu: false)
        driver.send(.start)
        #expect(driver.calls.map(\.1) == [.whoAmI])
        #expect(driver.screen?.title.contains("connecting to tap.contoso.example") == true)
        driver.answerLastCall(.operatorView(Fixture.kiosk()))
        #expect(driver.calls.map(\.1) == [.policy])
        driver.answerLastCall(.policy(.standard))
        #expect(driver.machine.step == .menu)
        #expect(driver.screen?.title == "TapStation kiosk · kiosk 3 · site hel-1")
        #expect(driver.machine.presets.map(\.key) == ["apple-ade", "fido2-key", "single-sign-in"])
    }

    @Test func aServiceThatIsDownIsRetriedOnTheClockWithOneLineSaying() {
        var driver = Driver(toMenu: false)
        driver.send(.start)
        driver.answerLastCall(.failure(.unreachable))
        #expect(driver.text.contains("The service is not answering. Retrying every 5 s."))
        #expect(driver.wait(4).allSatisfy { if case .call = $0 { false } else { true } })
        driver.wait(1)
        #expect(driver.calls.map(\.1) == [.whoAmI])
    }

    @Test(arguments: [
        ("token_expired", "has expired"), ("token_revoked", "was revoked"), ("unauthorized", "does not accept"),
    ])
    func aRefusedTokenSaysWhatToDoAndKeepsChecking(code: String, words: String) {
        var driver = Driver(toMenu: false)
        driver.send(.start)
        driver.answerLastCall(.failure(.problem(status: 401, code: code, detail: "no")))
        #expect(driver.text.contains(words))
        #expect(driver.text.contains("enrolment code"))
        driver.wait(30)
        #expect(driver.calls.map(\.1) == [.whoAmI])
    }

    @Test func aTokenOfAnotherRoleIsRefusedPlainly() {
        var driver = Driver(toMenu: false)
        driver.send(.start)
        driver.answerLastCall(.operatorView(Fixture.kiosk(role: "auditor")))
        #expect(driver.text.contains("This token is a auditor token; the kiosk needs a kiosk token."))
        #expect(driver.machine.identity == nil)
    }

    @Test func aTokenRefusedLaterSendsTheKioskBackToItsCheck() {
        var driver = Driver()
        driver.type("3")
        driver.type("ada@contoso.example")
        driver.answerLastCall(.failure(.problem(status: 401, code: "token_expired", detail: "expired")))
        guard case .retry(.checkIdentity, _) = driver.machine.step else {
            Issue.record("expected the start-up check, got \(driver.machine.step)")
            return
        }
    }

    @Test func ctrlDDuringStartUpAsksAndAnythingElseStartsTheCheckAgain() {
        var driver = Driver(toMenu: false)
        driver.send(.start)
        driver.send(.endOfInput)
        #expect(driver.screen?.title == "Quit the kiosk?")
        driver.type("n")
        #expect(driver.calls.map(\.1) == [.whoAmI])
    }
}

@Suite("Kiosk flow: enroll a device")
struct KioskDeviceEnrollmentTests {
    /// Scan, platform, user, preset, confirm: the order the kiosk sends.
    static func ordered(_ driver: inout Driver) -> KioskMachine.Order? {
        driver.type("1")
        #expect(driver.screen?.prompt.hasPrefix("Serial number") == true)
        driver.type("]C1SC02XK1ZZJG5H\t")  // a scanner: AIM prefix, Apple's "S", a trailing tab
        #expect(driver.screen?.body.count == DevicePlatform.allCases.count)
        driver.type("2")  // iPad
        #expect(driver.screen?.title == "Enroll C02XK1ZZJG5H · iPad (Apple ADE)")
        driver.type("  Ada@Contoso.Example ")
        #expect(driver.screen?.title == "Enroll C02XK1ZZJG5H for ada@contoso.example")
        #expect(!driver.text.contains("FIDO2 key"), "the FIDO2 preset is not offered for a device")
        driver.type("1")  // Apple ADE / Autopilot: 2 sign-ins
        guard case .confirm(let order) = driver.machine.step else { return nil }
        #expect(driver.text.contains("Device:  C02XK1ZZJG5H (iPad (Apple ADE))"))
        #expect(driver.text.contains("Pass:    Apple ADE / Autopilot: 2 sign-ins"))
        return order
    }

    @Test func fromScanToEnrolledAndPassRevokedFollowingTheEvents() throws {
        var driver = Driver()
        let order = try #require(Self.ordered(&driver))
        #expect(order.request.device == DeviceDescription(serialNumber: SerialNumber("C02XK1ZZJG5H")!, platform: .ipados))
        #expect(order.request.pass == PassRequest(preset: "apple-ade"))
        driver.type("1")
        #expect(driver.calls.map(\.1) == [.createSession(order.request, idempotencyKey: order.idempotencyKey)])

        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        #expect(driver.effects.contains(.follow(SessionID(Fixture.sessionID)!, lastEventID: nil)))
        let shown = try #require(driver.screen)
        #expect(shown.holdsPass)
        #expect(shown.body.contains(.pass("K7QM-3XRP-HV9T")))
        #expect(driver.text.contains("Expires 11:00 UTC, in 60 min."))

        let id = SessionID(Fixture.sessionID)!
        driver.send(.streamOpened(id))
        driver.send(.streamEvent(id, Fixture.event(1, "session.created", state: "active")))
        driver.send(.streamEvent(id, Fixture.event(2, "pass.issued", state: "active")))
        driver.send(.streamEvent(id, Fixture.event(3, "pass.used", state: "inProgress")))
        #expect(driver.screen?.holdsPass == true, "an Apple ADE pass stays for its second sign-in")
        #expect(driver.text.contains("10:03:00  pass used: a sign-in with it succeeded"))
        driver.send(.streamEvent(id, Fixture.event(4, "pass.used", state: "inProgress")))
        driver.send(.streamEvent(id, Fixture.event(5, "device.enrolled", state: "inProgress")))
        driver.send(.streamEvent(id, Fixture.event(6, "session.completed", state: "completed")))
        #expect(driver.wiped, "the pass leaves the screen and its scrollback")
        #expect(driver.screen?.title == "C02XK1ZZJG5H enrolled — revoking the pass…")
        driver.send(.streamEvent(id, Fixture.event(7, "pass.revoked", state: "completed")))
        #expect(driver.screen?.title == "C02XK1ZZJG5H enrolled — pass revoked")
        #expect(driver.screen?.holdsPass == false)
        driver.type("")
        #expect(driver.machine.step == .menu)
        #expect(driver.effects.first == .stopFollowing)
    }

    @Test func theCountdownFollowsTheServerClockAndRedrawsOnlyWhenItsTextChanges() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        // Whole minutes, rounded: 59.5 minutes left still reads "60 min", 59.48 reads "59 min".
        let redraws = driver.wait(30).filter { if case .show = $0 { true } else { false } }
        #expect(redraws.isEmpty)
        driver.wait(1)
        #expect(driver.effects == [.show(driver.machine.screen(), isRefresh: true)])
        #expect(driver.text.contains("in 59 min"))
    }

    @Test func thePassLeavesAfterTheDisplayTimeoutAndTheSessionGoesOn() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        driver.wait(299)
        #expect(driver.machine.screen().holdsPass)
        driver.wait(1)
        #expect(driver.wiped)
        #expect(driver.effects.first == .stopFollowing)
        #expect(driver.machine.step == .menu)
        #expect(driver.text.contains("The pass was taken off the screen after 5 min"))
    }

    @Test func ctrlCTakesThePassOffAndReturnsToTheMenu() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        driver.send(.interrupt)
        #expect(driver.effects.prefix(2) == [.stopFollowing, .wipe])
        #expect(driver.machine.step == .menu)
    }

    @Test func cancellingFromThePassScreenAsksThenRevokes() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        driver.type("3")
        #expect(driver.wiped)
        #expect(driver.screen?.title == "Cancel the session of ada@contoso.example?")
        driver.type("1")
        #expect(driver.calls.map(\.1) == [.cancelSession(SessionID(Fixture.sessionID)!)])
        driver.answerLastCall(.session(Fixture.session(state: "cancelled", reason: "Revoked"), replayed: false))
        #expect(driver.screen?.title == "Session cancelled — pass revoked")
    }

    @Test func anExpiredPassIsTakenOffAndCanBeReissued() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        let id = SessionID(Fixture.sessionID)!
        driver.send(.streamEvent(id, Fixture.event(3, "pass.expired", state: "expired")))
        #expect(driver.wiped)
        #expect(driver.text.contains("the pass expired before it was used"))
        driver.type("2")
        guard case .reissuePass(id, let key) = driver.calls.first?.1 else {
            Issue.record("expected a reissue, got \(driver.calls)")
            return
        }
        #expect(key == "test-2")
        driver.answerLastCall(.session(Fixture.session(pass: "MMMM-NNNN-PPPP"), replayed: false))
        #expect(driver.screen?.body.contains(.pass("MMMM-NNNN-PPPP")) == true)
    }

    @Test func aServiceDownAtCreateOffersARetryWithTheSameIdempotencyKey() throws {
        var driver = Driver()
        let order = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.failure(.unreachable))
        #expect(driver.text.contains("The service is not answering."))
        #expect(driver.screen?.prompt == "1 or 0:")
        driver.type("1")
        #expect(driver.calls.map(\.1) == [.createSession(order.request, idempotencyKey: order.idempotencyKey)])
        // The first try had worked: the replay has no pass value, so a fresh pass is issued.
        driver.answerLastCall(.session(Fixture.session(), replayed: true))
        guard case .reissuePass = driver.calls.first?.1 else {
            Issue.record("expected a reissue after a replayed create, got \(driver.calls)")
            return
        }
        #expect(driver.text.contains("The first answer was lost"))
    }

    @Test func aRefusalGoesBackToTheMenuWithTheServiceReason() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.failure(.problem(status: 403, code: "subject_not_allowed", detail: "not for this kiosk\u{1B}[2J")))
        #expect(driver.machine.step == .menu)
        #expect(driver.machine.notice == "Refused (403 subject_not_allowed): not for this kiosk[2J")
    }

    @Test func aStreamThatBreaksFallsBackToPollingAndReconnects() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        let id = SessionID(Fixture.sessionID)!
        driver.send(.streamOpened(id))
        driver.send(.streamEvent(id, Fixture.event(2, "pass.issued", state: "active")))
        driver.send(.streamClosed(id))
        #expect(driver.text.contains("Live updates were interrupted"))
        driver.wait(1)
        #expect(driver.calls.map(\.1) == [.session(id)])
        driver.answerLastCall(.session(Fixture.session(state: "inProgress"), replayed: false))
        #expect(driver.text.contains("now inProgress"))
        #expect(driver.machine.screen().holdsPass, "polling keeps the pass value it did not get again")
        let later = driver.wait(14)
        #expect(later.contains(.follow(id, lastEventID: "2")), "reconnects resume after the last event")
        for case .call(let poll, .session(id)) in later {
            driver.send(.answer(poll, .session(Fixture.session(state: "inProgress"), replayed: false)))
        }
        driver.send(.streamOpened(id))
        #expect(driver.machine.notice == nil)
        driver.send(.streamClosed(id))
        driver.wait(1)
        driver.answerLastCall(.session(Fixture.session(state: "completed", reason: "Revoked"), replayed: false))
        #expect(driver.screen?.title == "C02XK1ZZJG5H enrolled — pass revoked")
    }

    @Test func answersNobodyWaitsForAnyMoreAreDropped() throws {
        var driver = Driver()
        let order = try #require(Self.ordered(&driver))
        driver.type("1")
        let (id, _) = try #require(driver.calls.first)
        driver.send(.interrupt)
        #expect(driver.machine.step == .menu)
        driver.send(.answer(id, .session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false)))
        #expect(driver.machine.step == .menu)
        #expect(driver.machine.screen().holdsPass == false)
        #expect(order.idempotencyKey == "test-1")
    }

    @Test func eventsOfAnotherSessionAreIgnored() throws {
        var driver = Driver()
        _ = try #require(Self.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        let other = SessionID("01a21925-444c-74f2-b770-bdf4bbdf0999")!
        #expect(driver.send(.streamEvent(other, Fixture.event(6, "session.completed", state: "completed"))).isEmpty)
        #expect(driver.machine.screen().holdsPass)
    }

    @Test func aMisreadIMEIIsCaughtByItsCheckDigit() {
        var driver = Driver()
        driver.type("1")
        driver.type("490154203237519")  // the well-known example IMEI 490154203237518 with its last digit misread
        driver.type("3")  // Android
        #expect(driver.machine.notice == ScannedValue.SerialProblem.imeiCheckDigit.message)
        #expect(driver.machine.step == .enrollSerial(platform: .android))
        driver.type("490154203237518")
        #expect(driver.machine.step == .enrollUser(DeviceDescription(serialNumber: SerialNumber("490154203237518")!, platform: .android)))
    }

    @Test func anAppleSerialOfTheWrongLengthIsRefusedAndThePlatformIsKept() {
        var driver = Driver()
        driver.type("1")
        driver.type("ABC123")
        driver.type("5")  // Mac
        #expect(driver.machine.step == .enrollSerial(platform: .macos))
        #expect(driver.machine.notice == ScannedValue.SerialProblem.appleFormat.message)
        driver.type("C02XK1ZZJG5H")
        #expect(driver.machine.step == .enrollUser(DeviceDescription(serialNumber: SerialNumber("C02XK1ZZJG5H")!, platform: .macos)))
    }

    @Test func aUserNameThatIsNotOneIsRefused() {
        var driver = Driver()
        driver.type("1")
        driver.type("C02XK1ZZJG5H")
        driver.type("2")
        driver.type("ada at contoso")
        #expect(driver.machine.notice == "That is not a user's sign-in name (user@domain); type or scan it again.")
        guard case .enrollUser = driver.machine.step else {
            Issue.record("left the user step")
            return
        }
    }
}

@Suite("Kiosk flow: FIDO2 keys")
struct KioskFIDO2Tests {
    @Test func aKeyRegistrationShowsThePassAndTheEnrollmentPage() throws {
        var driver = Driver()
        driver.type("2")
        driver.type("grace@contoso.example")
        driver.type("passport, last digits 4821, checked by Sam")
        guard case .confirm(let order) = driver.machine.step else {
            Issue.record("expected the confirmation, got \(driver.machine.step)")
            return
        }
        #expect(order.request.scenario == .fido2Registration)
        #expect(order.request.proofing == Proofing(method: .inPerson, checkedBy: "kiosk 3", reference: "passport, last digits 4821, checked by Sam"))
        #expect(order.request.pass == PassRequest(preset: "fido2-key"))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(scenario: "fido2Registration", pass: "K7QM-3XRP-HV9T"), replayed: false))
        #expect(driver.text.contains("Open on the kiosk browser or the user's phone: https://tap.contoso.example/enroll"))
        #expect(driver.screen?.holdsPass == true)
        let id = SessionID(Fixture.sessionID)!
        driver.send(.streamEvent(id, Fixture.event(5, "key.registered", state: "inProgress")))
        driver.send(.streamEvent(id, Fixture.event(6, "session.completed", state: "completed")))
        driver.send(.streamEvent(id, Fixture.event(7, "pass.revoked", state: "completed")))
        #expect(driver.screen?.title == "Key registered for ada@contoso.example — pass revoked")
    }

    @Test func theAddressAsAQRCodeNeverShowsWithThePassAndTheSessionIsStillFollowed() throws {
        var driver = Driver()
        driver.type("2")
        driver.type("grace@contoso.example")
        driver.type("")
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(scenario: "fido2Registration", pass: "K7QM-3XRP-HV9T"), replayed: false))
        #expect(driver.screen?.prompt.contains("4 QR code") == true)
        driver.type("4")
        #expect(driver.wiped, "the pass leaves before the code is drawn")
        let screen = try #require(driver.screen)
        #expect(screen.title == "Scan to open https://tap.contoso.example/enroll")
        #expect(screen.body == [.picture(try #require(QRCode("https://tap.contoso.example/enroll")).halfBlockRows())])
        #expect(!screen.holdsPass)
        let id = SessionID(Fixture.sessionID)!
        driver.send(.streamEvent(id, Fixture.event(3, "pass.used", state: "inProgress")))
        guard case .qrCode(let live) = driver.machine.step else {
            Issue.record("left the QR code on an event: \(driver.machine.step)")
            return
        }
        #expect(live.log.last?.hasSuffix("pass used: a sign-in with it succeeded") == true)
        driver.type("")
        #expect(driver.screen?.holdsPass == true)
        driver.type("4")
        driver.send(.streamEvent(id, Fixture.event(6, "session.completed", state: "completed")))
        #expect(driver.screen?.title.hasPrefix("Key registered for") == true)
    }

    @Test func aPlainTerminalGetsNoQRCode() {
        var settings = Fixture.settings
        settings.showsQRCode = false
        var driver = Driver(settings: settings)
        driver.type("2")
        driver.type("grace@contoso.example")
        driver.type("")
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(scenario: "fido2Registration", pass: "K7QM-3XRP-HV9T"), replayed: false))
        #expect(driver.screen?.prompt.contains("QR") == false)
        driver.type("4")
        #expect(driver.screen?.holdsPass == true)
    }

    @Test func theProofingNoteIsOptional() {
        var driver = Driver()
        driver.type("2")
        driver.type("grace@contoso.example")
        driver.type("")
        guard case .confirm(let order) = driver.machine.step else {
            Issue.record("expected the confirmation")
            return
        }
        #expect(order.request.proofing == nil)
    }

    @Test func inEntraModeTheScreenSaysWhereAtMicrosoft() {
        var settings = Fixture.settings
        settings.isEntraMode = true
        var driver = Driver(settings: settings)
        driver.type("2")
        driver.type("grace@contoso.example")
        driver.type("")
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(scenario: "fido2Registration", pass: "K7QM-3XRP-HV9T"), replayed: false))
        #expect(driver.text.contains("https://aka.ms/mysecurityinfo"))
        #expect(!driver.text.contains("/enroll"))
    }
}

@Suite("Kiosk flow: look up, reissue, cancel")
struct KioskLookupTests {
    @Test func findsBySerialByUserAndById() {
        var driver = Driver()
        driver.type("3")
        driver.type("]C1c02xk1zzjg5h")
        #expect(driver.calls.map(\.1) == [.findSessions(.serialNumber(SerialNumber("C02XK1ZZJG5H")!))])
        driver.send(.interrupt)
        driver.type("3")
        driver.type("Ada@Contoso.Example")
        #expect(driver.calls.map(\.1) == [.findSessions(.userPrincipalName(UserPrincipalName("ada@contoso.example")!))])
        driver.send(.interrupt)
        driver.type("3")
        driver.type(Fixture.sessionID.uppercased())
        #expect(driver.calls.map(\.1) == [.session(SessionID(Fixture.sessionID)!)])
    }

    @Test func aListLetsTheTechnicianPickThenReissue() {
        var driver = Driver()
        driver.type("3")
        driver.type("ada@contoso.example")
        let second = "01a21925-444c-74f2-b770-bdf4bbdf0183"
        driver.answerLastCall(.sessions([Fixture.session(state: "expired", reason: "Expired"), Fixture.session(state: "inProgress", id: second)]))
        #expect(driver.screen?.title == "2 sessions found")
        driver.type("7")
        #expect(driver.machine.notice == "Type the number of a session, or 0 for the menu.")
        driver.type("1")
        #expect(driver.text.contains("2  Reissue the pass"))
        driver.type("2")
        guard case .reissuePass(let id, _) = driver.calls.first?.1 else {
            Issue.record("expected a reissue")
            return
        }
        #expect(id.rawValue == Fixture.sessionID)
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        #expect(driver.screen?.holdsPass == true)
    }

    @Test func aSessionUnderWayCannotBeReissuedButCanBeFollowedOrCancelled() {
        var driver = Driver()
        driver.type("3")
        driver.type(Fixture.sessionID)
        driver.answerLastCall(.session(Fixture.session(state: "inProgress"), replayed: false))
        #expect(!driver.text.contains("Reissue"))
        driver.type("2")
        #expect(driver.machine.notice == "Type one of the numbers shown.")
        driver.type("1")
        #expect(driver.effects.contains(.follow(SessionID(Fixture.sessionID)!, lastEventID: nil)))
        #expect(driver.screen?.holdsPass == false)
    }

    @Test func nothingFoundAndNotFoundSayWhatToTry() {
        var driver = Driver()
        driver.type("3")
        driver.type("C02XK1ZZJG5H")
        driver.answerLastCall(.sessions([]))
        #expect(driver.machine.step == .lookupQuery)
        #expect(driver.machine.notice?.hasPrefix("No session found") == true)
        driver.type(Fixture.sessionID)
        driver.answerLastCall(.failure(.problem(status: 404, code: "not_found", detail: "no such session")))
        #expect(driver.machine.notice == "Not found at this kiosk's site.")
    }

    @Test func aFailedCancelKeepsTheSessionOnScreen() {
        var driver = Driver()
        driver.type("3")
        driver.type(Fixture.sessionID)
        driver.answerLastCall(.session(Fixture.session(state: "active"), replayed: false))
        driver.type("3")
        driver.type("yes")
        driver.answerLastCall(.failure(.problem(status: 409, code: "invalid_state_transition", detail: "already completed")))
        #expect(driver.machine.step == .lookupDetail(Fixture.session(state: "active")))
        #expect(driver.machine.notice?.contains("already completed") == true)
    }
}

@Suite("Kiosk flow: safety and bad input")
struct KioskSafetyTests {
    @Test(arguments: [
        (String(repeating: "A", count: 100_000), "That line was too long (100000 characters); scan or type it again."),
        ("\u{FF}\u{FE}junk", nil),
        ("9", "Type 1, 2 or 3 and press Enter."),
        ("\u{1B}[A\u{1B}[B", nil),
    ] as [(String, String?)])
    func badInputAtTheMenuLeavesOneLineAndTheMenu(input: String, message: String?) {
        var driver = Driver()
        driver.type(input)
        #expect(driver.machine.step == .menu)
        if let message { #expect(driver.machine.notice == message) }
        #expect(driver.screen != nil, "the menu is drawn again")
    }

    @Test func binaryJunkIsRefusedAsNotText() {
        var driver = Driver()
        driver.send(.line([0xFF, 0xFE, 0x00, 0x80, 0x41]))
        #expect(driver.machine.notice == "That line held bytes that are not text; scan or type it again.")
    }

    @Test func controlCharactersInsideAValueAreDropped() {
        var driver = Driver()
        driver.type("1")
        driver.type("C02X\u{07}K1ZZ\u{1B}[31mJG5H")
        #expect(driver.machine.step == .enrollPlatform(serialText: "C02XK1ZZJG5H"))
    }

    @Test func idleScreensGoBackToTheMenu() {
        var driver = Driver()
        driver.type("1")
        driver.wait(119)
        #expect(driver.machine.step == .enrollSerial(platform: nil))
        driver.wait(1)
        #expect(driver.machine.step == .menu)
    }

    @Test func theFinishedScreenTimesOutToo() {
        var driver = Driver()
        driver.type("3")
        driver.type(Fixture.sessionID)
        driver.answerLastCall(.session(Fixture.session(state: "active"), replayed: false))
        driver.type("3")
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(state: "cancelled", reason: "Revoked"), replayed: false))
        driver.wait(120)
        #expect(driver.machine.step == .menu)
    }

    @Test func ctrlDAtTheMenuAsksBeforeQuitting() {
        var driver = Driver()
        driver.send(.endOfInput)
        #expect(driver.screen?.title == "Quit the kiosk?")
        driver.type("2")
        #expect(driver.machine.step == .menu)
        driver.send(.endOfInput)
        #expect(driver.type("1") == [.exit])
    }

    @Test func ctrlDAwayFromTheMenuIsLikeCtrlC() {
        var driver = Driver()
        driver.type("2")
        driver.send(.endOfInput)
        #expect(driver.machine.step == .menu)
    }

    @Test func aResizeRedrawsTheSameScreen() {
        var driver = Driver()
        driver.type("1")
        let before = driver.screen
        driver.send(.resized)
        #expect(driver.screen == before)
    }

    @Test func waitingIgnoresTypingButSaysSo() throws {
        var driver = Driver()
        driver.type("3")
        driver.type("ada@contoso.example")
        driver.type("1")
        #expect(driver.calls.isEmpty, "nothing is sent twice")
        #expect(driver.machine.notice == "Please wait for the service to answer.")
    }

    @Test func everyScreenFitsFortyColumnsInEveryStyle() throws {
        var driver = Driver()
        driver.type("1")
        driver.type("C02XK1ZZJG5H")
        driver.type("2")
        driver.type("ada@contoso.example")
        driver.type("1")
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        for style in [ScreenRenderer.Style.ansi, .monochrome, .plain] {
            let text = try #require(ScreenRenderer(style: style).render(driver.machine.screen(), width: 40))
            let visible = text.replacing(/\u{1B}\[[0-9;]*[A-Za-z]/, with: "")
            for row in visible.split(separator: "\n") { #expect(row.count <= 40, "\(style): \(row)") }
            #expect(visible.contains("K7QM - 3XRP - HV9T"))
        }
    }
}

@Suite("Kiosk flow: Entra mode")
struct KioskEntraModeTests {
    @Test func aCancelledSessionSaysRevokingUntilGraphConfirms() {
        var settings = Fixture.settings
        settings.isEntraMode = true
        var driver = Driver(settings: settings)
        driver.type("3")
        driver.type(Fixture.sessionID)
        driver.answerLastCall(.session(Fixture.session(state: "active"), replayed: false))
        driver.type("3")
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(state: "cancelled"), replayed: false))
        #expect(driver.screen?.title == "Session cancelled — revoking the pass…")
        let id = SessionID(Fixture.sessionID)!
        #expect(driver.effects.contains(.follow(id, lastEventID: nil)))
        driver.send(.streamEvent(id, Fixture.event(8, "pass.revoked", state: "cancelled")))
        #expect(driver.screen?.title == "Session cancelled — pass revoked")
    }

    @Test func anIdempotentCreateStillRunningIsOfferedAgain() throws {
        var driver = Driver()
        let order = try #require(KioskDeviceEnrollmentTests.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.failure(.problem(status: 409, code: "idempotency_in_progress", detail: "still running")))
        #expect(driver.machine.step == .retry(.create(order), message: "The service is still working on the first try; try again in a moment."))
    }
}

@Suite("Kiosk flow: approval and server errors")
struct KioskApprovalTests {
    @Test func aPassThatNeedsApprovalAppearsOnceASecondPersonApproves() throws {
        var driver = Driver()
        _ = try #require(KioskDeviceEnrollmentTests.ordered(&driver))
        driver.type("1")
        driver.answerLastCall(.session(Fixture.session(state: "awaitingApproval"), replayed: false))
        #expect(driver.text.contains("A second person must approve this pass"))
        #expect(driver.screen?.holdsPass == false)
        let id = SessionID(Fixture.sessionID)!
        driver.send(.streamEvent(id, Fixture.event(2, "session.approved", state: "active")))
        guard case .reissuePass(id, _) = driver.calls.first?.1 else {
            Issue.record("expected the first collection, got \(driver.calls)")
            return
        }
        driver.answerLastCall(.session(Fixture.session(pass: "K7QM-3XRP-HV9T"), replayed: false))
        #expect(driver.screen?.holdsPass == true)
    }

    @Test(arguments: [500, 502, 503])
    func aServerErrorIsOneLineAndARetry(status: Int) throws {
        var driver = Driver()
        driver.type("3")
        driver.type("ada@contoso.example")
        driver.answerLastCall(.failure(.problem(status: status, code: "internal_error", detail: "try later")))
        #expect(driver.screen?.prompt == "1 or 0:")
        #expect(driver.text.contains("The service failed (\(status) internal_error): try later"))
        driver.type("0")
        #expect(driver.machine.step == .menu)
        driver.type("3")
        driver.type("ada@contoso.example")
        driver.answerLastCall(.failure(.unexpected(status: 502)))
        #expect(driver.text.contains("check the server address"))
    }
}
