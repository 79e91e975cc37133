import Foundation
import TapAPI
import TapCore
import Testing

@testable import TapKiosk

@Suite("Kiosk flow: safety and bad input")
struct KioskSafetyTests {
    @Test(
        arguments: [
            (
                String(repeating: "A", count: 100_000),
                "That line was too long (100000 characters); scan or type it again."
            ),
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
        driver.lookUpSession(state: "active")
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
        driver.lookUpSession(state: "active")
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
        #expect(
            driver.machine.step
                == .retry(
                    .create(order), message: "The service is still working on the first try; try again in a moment."))
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
