import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// The bench's CSV import in the console: a good cart makes one pass per device (each works, audited from the
/// console); the same file again makes nothing twice; a file with bad lines names every one and makes nothing;
/// an auditor cannot import; the print button only where the policy allows paper.
@Suite("Console bench import")
struct ConsoleBenchTests {
    static func sessionCount(_ fixture: HTTPFixture) async throws -> Int {
        try await fixture.store.sessions(
            matching: SessionFilter(), visibleTo: fixture.adminIdentity(), after: nil, limit: 100
        ).items.count
    }

    @Test func aCartMakesOnePassADeviceOnceEvenWhenSentTwice() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let form = try await ConsoleWorkTests.get(client, "/console/bench", grace.cookie)
            #expect(form.contains(#"<textarea id="csv" name="csv""#) && !form.contains("print-pass"))
            let answer = try await ConsoleWorkTests.form(client, "/console/bench", grace, ["csv": benchCSV(rows: 3)])
            #expect(answer.status == .ok)
            #expect(answer.headers[.cacheControl] == "no-store")
            let page = String(buffer: answer.body)
            #expect(page.contains("3 pass(es) made, 0 waiting for approval, 0 made before"))
            let passes = page.ranges(of: #"<p class="pass">"#).map {
                String(page[$0.upperBound...].prefix { $0 != "<" })
            }
            #expect(passes.count == 3)
            for (index, pass) in passes.enumerated() {
                let redeemed = try await client.redeem(pass, user: "dem\(index)@contoso.example")
                #expect(redeemed.status == .ok, "the pass of CART-\(index) did not work")
            }
            let events = try await fixture.store.auditEvents(
                sessionID: nil, site: nil, since: nil, until: nil, type: .passIssued, after: nil, limit: 10)
            #expect(events.count == 3 && events.allSatisfy { $0.data.contains(#""channel":"console""#) })

            let again = try await ConsoleWorkTests.form(client, "/console/bench", grace, ["csv": benchCSV(rows: 3)])
            #expect(String(buffer: again.body).contains("0 pass(es) made, 0 waiting for approval, 3 made before"))
            #expect(try await Self.sessionCount(fixture) == 3)
        }
    }

    @Test func anEntraCartsSlipsShowTheValuesEntraMade() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        guard
            case .success(let rows) = SessionImport.read(benchCSV(rows: 1), presets: Set(Policy.standard.presets.keys))
        else {
            Issue.record("the cart did not read")
            return
        }
        guard
            case .created(let issued) = try await fixture.store.createSession(
                try SessionsController.validate(rows[0].request), by: try await fixture.adminIdentity(),
                idempotency: nil)
        else {
            Issue.record("no session")
            return
        }
        // In Entra mode a row's pass is Entra's, in Entra's alphabet, shown as Entra made it.
        let entra = ExternallyIssuedPass(session: issued.session, pass: ExternalPassValue("Ent+9XQ2LM7P"))
        let html = ConsolePages.benchResults(
            [ConsolePages.BenchResult(rows[0], .createdExternally(entra))],
            person: ConsolePages.Person(name: "Grace", role: "helpdesk", site: nil, csrfToken: "t"), paperAllowed: true,
            now: fixture.clock.now)
        #expect(html.contains("1 pass(es) made, 0 waiting for approval, 0 made before"))
        #expect(html.contains(#"<p class="pass">Ent+9XQ2LM7P</p>"#))
        #expect(html.contains("print-pass"))
    }

    @Test func aFileWithBadLinesNamesEveryOneAndMakesNothing() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let csv = benchCSV(
                rows: 6,
                bad: [
                    3: "CART-X!,ipados,x@contoso.example,apple-ade,,",
                    6: "CART-4,toaster,y@contoso.example,apple-ade,,",
                ])
            let answer = try await ConsoleWorkTests.form(client, "/console/bench", grace, ["csv": csv])
            #expect(answer.status == .badRequest)
            let page = String(buffer: answer.body)
            #expect(page.contains("Nothing was made: 2 problem(s)"))
            #expect(page.contains("line 3: serialNumber") && page.contains("line 6: platform"))
            #expect(page.contains("CART-5,ipados"), "the file is kept in the form to be corrected")
            let empty = try await ConsoleWorkTests.form(client, "/console/bench", grace, ["csv": ""])
            #expect(empty.status == .badRequest && String(buffer: empty.body).contains("the file is empty"))
            #expect(try await Self.sessionCount(fixture) == 0)
        }
    }

    @Test func anAuditorCannotImportAndPaperIsOfferedOnlyWhereAllowed() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let alan = try await ConsoleWorkTests.signIn(client, fixture, upn: "alan@contoso.example", role: .auditor)
            let refused = try await ConsoleWorkTests.form(client, "/console/bench", alan, ["csv": benchCSV(rows: 1)])
            #expect(refused.status == .forbidden)
            #expect(!(try await ConsoleWorkTests.get(client, "/console", alan.cookie)).contains("/console/bench"))

            _ = try await client.call(.patch, "/v1/policy", fixture.adminToken, #"{"paperPassesAllowed": true}"#)
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let answer = try await ConsoleWorkTests.form(client, "/console/bench", grace, ["csv": benchCSV(rows: 1)])
            #expect(String(buffer: answer.body).contains(#"id="print-pass""#))
            #expect(try await Self.sessionCount(fixture) == 1)
        }
    }
}
