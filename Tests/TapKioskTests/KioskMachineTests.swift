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
        #expect(
            order.request.device == DeviceDescription(serialNumber: SerialNumber("C02XK1ZZJG5H")!, platform: .ipados))
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
        driver.answerLastCall(
            .failure(.problem(status: 403, code: "subject_not_allowed", detail: "not for this kiosk\u{1B}[2J")))
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
        #expect(
            driver.machine.step
                == .enrollUser(DeviceDescription(serialNumber: SerialNumber("490154203237518")!, platform: .android)))
    }

    @Test func anAppleSerialOfTheWrongLengthIsRefusedAndThePlatformIsKept() {
        var driver = Driver()
        driver.type("1")
        driver.type("ABC123")
        driver.type("5")  // Mac
        #expect(driver.machine.step == .enrollSerial(platform: .macos))
        #expect(driver.machine.notice == ScannedValue.SerialProblem.appleFormat.message)
        driver.type("C02XK1ZZJG5H")
        #expect(
            driver.machine.step
                == .enrollUser(DeviceDescription(serialNumber: SerialNumber("C02XK1ZZJG5H")!, platform: .macos)))
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
