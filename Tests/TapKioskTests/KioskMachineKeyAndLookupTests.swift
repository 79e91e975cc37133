import Foundation
import TapAPI
import TapCore
import Testing

@testable import TapKiosk

@Suite("Kiosk flow: FIDO2 keys")
struct KioskFIDO2Tests {
    @Test func aKeyRegistrationShowsThePassAndTheEnrollmentPage() throws {
        var driver = Driver()
        let ordered = driver.orderKeyRegistration(note: "passport, last digits 4821, checked by Sam")
        let order = try #require(ordered)
        #expect(order.request.scenario == .fido2Registration)
        #expect(
            order.request.proofing
                == Proofing(
                    method: .inPerson, checkedBy: "kiosk 3", reference: "passport, last digits 4821, checked by Sam"))
        #expect(order.request.pass == PassRequest(preset: "fido2-key"))
        driver.confirmKeyRegistration()
        #expect(
            driver.text.contains("Open on the kiosk browser or the user's phone: https://tap.contoso.example/enroll"))
        #expect(driver.screen?.holdsPass == true)
        let id = SessionID(Fixture.sessionID)!
        driver.send(.streamEvent(id, Fixture.event(5, "key.registered", state: "inProgress")))
        driver.send(.streamEvent(id, Fixture.event(6, "session.completed", state: "completed")))
        driver.send(.streamEvent(id, Fixture.event(7, "pass.revoked", state: "completed")))
        #expect(driver.screen?.title == "Key registered for ada@contoso.example — pass revoked")
    }

    @Test func theAddressAsAQRCodeNeverShowsWithThePassAndTheSessionIsStillFollowed() throws {
        var driver = Driver()
        driver.mintKeyRegistration()
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
        driver.mintKeyRegistration()
        #expect(driver.screen?.prompt.contains("QR") == false)
        driver.type("4")
        #expect(driver.screen?.holdsPass == true)
    }

    @Test func theProofingNoteIsOptional() throws {
        var driver = Driver()
        let ordered = driver.orderKeyRegistration(note: "")
        let order = try #require(ordered)
        #expect(order.request.proofing == nil)
    }

    @Test func inEntraModeTheScreenSaysWhereAtMicrosoft() {
        var settings = Fixture.settings
        settings.isEntraMode = true
        var driver = Driver(settings: settings)
        driver.mintKeyRegistration()
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
        driver.answerLastCall(
            .sessions([
                Fixture.session(state: "expired", reason: "Expired"), Fixture.session(state: "inProgress", id: second),
            ]))
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
        driver.lookUpSession(state: "inProgress")
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
        driver.lookUpSession(state: "active")
        driver.type("3")
        driver.type("yes")
        driver.answerLastCall(
            .failure(.problem(status: 409, code: "invalid_state_transition", detail: "already completed")))
        #expect(driver.machine.step == .lookupDetail(Fixture.session(state: "active")))
        #expect(driver.machine.notice?.contains("already completed") == true)
    }
}
