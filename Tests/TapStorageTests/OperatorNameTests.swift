import Foundation
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

@Suite("Operator names hold no terminal controls, however the operator is made")
struct OperatorNameTests {
    /// `tapstation operator create --name …` reaches the store without the HTTP edge's checks.
    @Test(arguments: ["kiosk\u{1B}]0;owned\u{07}", "kiosk\u{1B}[2J", "kiosk\u{9B}2J", "admin \u{202E}nimda"])
    func theStoreRefusesANameWithTerminalControls(_ name: String) async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let refusal = EnrollmentError.invalidRequest(field: "name", reason: "must not contain control characters")
        await #expect(throws: refusal) {
            _ = try await fixture.store.createOperator(NewOperator(name: name, role: .helpdesk), by: nil)
        }
        await #expect(throws: refusal) {
            _ = try await fixture.store.createKioskOperator(
                NewOperator(name: name, role: .kiosk, site: SiteName("hel-1")), enrolmentCodeLifetime: 3600, by: nil)
        }
        #expect(try await fixture.store.operators().count == 1, "only the fixture's admin")
    }
}
