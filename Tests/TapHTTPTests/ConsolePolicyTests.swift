import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapHTTP

/// The policy page over HTTP: an override changed through the form is previewed in words and saved as one
/// audited patch; the second of two admins is refused as stale with the first one's change shown; bad input is
/// named beside its field and saves nothing; an auditor reads and cannot write; saving needs a fresh proof. And
/// the API's `ETag` and `If-Match` that carry the same version.
@Suite("Console policy page")
struct ConsolePolicyTests {
    static let overrideFields = [
        "form": "settings", "site": "bench-hel-1", "scenario": "deviceEnrollment", "s.defaultMaxUses": "2",
        "version": "0",
    ]

    /// The hidden `name`'s value on a page.
    static func hidden(_ name: String, in page: String) throws -> String {
        let start = try #require(page.firstRange(of: "name=\"\(name)\" value=\""), "no \(name) on the page")
        let escaped = String(page[start.upperBound...].prefix { $0 != "\"" })
        return escaped.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The defaults form as the page fills it in for the standard policy, with `changes` typed over it.
    static func defaultsForm(changing changes: [String: String]) throws -> [String: String] {
        let defaults = try Policy.standard.asJSON().objectMembers?["defaults"]?.objectMembers ?? [:]
        var fields = ["form": "settings", "version": "0"]
        for (key, value) in defaults {
            switch value {
            case .bool(let flag): fields["s.\(key)"] = flag ? "yes" : "no"
            case .array(let items): fields["s.\(key)"] = items.map(\.plainText).joined(separator: ", ")
            default: fields["s.\(key)"] = value.plainText
            }
        }
        return fields.merging(changes) { $1 }
    }

    /// Previews `fields` and returns the save form's fields.
    static func preview(
        _ client: some TestClientProtocol, _ person: ConsoleWorkTests.Person, _ fields: [String: String]
    ) async throws -> (page: String, save: [String: String]) {
        let answer = try await ConsoleWorkTests.form(client, "/console/policy/preview", person, fields)
        let page = String(buffer: answer.body)
        #expect(answer.status == .ok, "preview answered \(answer.status): \(page.prefix(600))")
        return (page, ["patch": try hidden("patch", in: page), "version": try hidden("version", in: page)])
    }

    @Test func anAdminChangesASiteOverrideThroughTheFormSeesItInWordsAndSavesOneAuditedPatch() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let editor = try await ConsoleWorkTests.get(
                client, "/console/policy?site=bench-hel-1&scenario=deviceEnrollment", admin.cookie)
            #expect(editor.contains("Site bench-hel-1, device enrollment") && editor.contains("Empty: inherited (1)."))

            let (page, save) = try await Self.preview(client, admin, Self.overrideFields)
            #expect(page.contains("site bench-hel-1, device enrollment: sign-ins per pass, by default now 2 (was 1)"))
            #expect(page.contains("overrides.bench-hel-1.deviceEnrollment.defaultMaxUses"))
            #expect(try await fixture.store.versionedPolicy().version == 0, "a preview saved something")

            let saved = try await ConsoleWorkTests.form(client, "/console/policy/save", admin, save)
            #expect(saved.status == .seeOther && saved.headers[.location] == "/console/policy?saved=1")
            let policy = try await fixture.store.versionedPolicy()
            #expect(policy.version == 1 && policy.updatedBy == admin.id)
            let site = SiteName("bench-hel-1")!
            #expect(policy.policy.effectiveSettings(site: site, scenario: .deviceEnrollment).defaultMaxUses == 2)
            #expect(policy.policy.effectiveSettings(site: site, scenario: .fido2Registration).defaultMaxUses == 1)
            let events = try await fixture.store.searchAudit(
                AuditQuery(type: .policyChanged), visibleTo: fixture.adminIdentity())
            let event = try #require(events.items.first)
            #expect(event.actor == admin.id.rawValue && event.data.contains(#""channel":"console""#))
            #expect(event.data.contains(#""defaultMaxUses":2"#))

            // Emptying the one field of the override removes the override.
            var emptied = Self.overrideFields
            emptied["s.defaultMaxUses"] = ""
            emptied["version"] = "1"
            let (_, removal) = try await Self.preview(client, admin, emptied)
            #expect(try await ConsoleWorkTests.form(client, "/console/policy/save", admin, removal).status == .seeOther)
            #expect(try await fixture.store.policy().overrides.isEmpty)
        }
    }

    @Test func theSecondOfTwoAdminsIsRefusedAsStaleWithTheOthersChangeShown() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let edsger = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let barbara = try await ConsoleWorkTests.signIn(
                client, fixture, upn: "barbara@contoso.example", role: .admin)
            let (_, first) = try await Self.preview(client, edsger, Self.overrideFields)
            var other = Self.overrideFields
            other["s.defaultMaxUses"] = ""
            other["s.maximumUses"] = "3"
            let (_, second) = try await Self.preview(client, barbara, other)

            #expect(try await ConsoleWorkTests.form(client, "/console/policy/save", edsger, first).status == .seeOther)
            let stale = try await ConsoleWorkTests.form(client, "/console/policy/save", barbara, second)
            let page = String(buffer: stale.body)
            #expect(stale.status == .preconditionFailed)
            #expect(page.contains("Not saved: the policy changed meanwhile"))
            #expect(page.contains("Version 1, by edsger@contoso.example"), "the other admin's change is not shown")
            #expect(page.contains("defaultMaxUses&quot;:2"))
            #expect(try await fixture.store.policy().overrides["bench-hel-1"]?["deviceEnrollment"]?.maximumUses == nil)

            // Saving again from that page applies her change on top of his.
            let again = ["patch": try Self.hidden("patch", in: page), "version": try Self.hidden("version", in: page)]
            #expect(again["version"] == "1")
            #expect(try await ConsoleWorkTests.form(client, "/console/policy/save", barbara, again).status == .seeOther)
            let both = try #require(try await fixture.store.policy().overrides["bench-hel-1"]?["deviceEnrollment"])
            #expect(both.defaultMaxUses == 2 && both.maximumUses == 3)
        }
    }

    @Test func badInputIsNamedBesideItsFieldAndSavesNothing() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let cases: [([String: String], HTTPResponse.Status, String)] = [
                (
                    try Self.defaultsForm(changing: ["s.maximumLifetimeInMinutes": "5"]), .unprocessableContent,
                    "f-maximumLifetimeInMinutes-error"
                ),
                (
                    try Self.defaultsForm(changing: ["s.defaultMaxUses": "6"]), .unprocessableContent,
                    "f-defaultMaxUses-error"
                ),
                (
                    ["form": "settings", "site": "bench-hel-1", "s.maximumUses": "11", "version": "0"],
                    .unprocessableContent, "f-maximumUses-error"
                ),
                (
                    ["form": "settings", "site": "bench-hel-1", "s.acceptedProofingMethods": "telepathy"],
                    .badRequest, "f-acceptedProofingMethods-error"
                ),
                (
                    ["form": "settings", "site": "bench-hel-1", "s.defaultLength": "twelve"], .badRequest,
                    "f-defaultLength-error"
                ),
                (["form": "general", "privilegedSubjects": "not a pattern!"], .badRequest, "f-subjects-error"),
                (["form": "document", "document": "{\"defaults\": "], .badRequest, "f-document-error"),
                (["form": "document", "document": "{\"a\": 1, \"a\": 2}"], .badRequest, "f-document-error"),
                (["form": "settings", "site": "Bad Site!"], .badRequest, "site must be a site name"),
            ]
            for (fields, status, marker) in cases {
                let answer = try await ConsoleWorkTests.form(client, "/console/policy/preview", admin, fields)
                let page = String(buffer: answer.body)
                #expect(answer.status == status, "\(fields) answered \(answer.status)")
                #expect(page.contains(marker), "\(fields): no \(marker) in \(page.prefix(400))")
            }
            // A forged save is checked as the API checks it.
            let forged = try await ConsoleWorkTests.form(
                client, "/console/policy/save", admin,
                ["patch": #"{"defaults":{"defaultMaxUses":9}}"#, "version": "0"])
            #expect(forged.status == .unprocessableContent)
            #expect(try await fixture.store.versionedPolicy().version == 0)
        }
    }

    @Test func anAuditorReadsThePolicyButCannotChangeItAndSavingNeedsAFreshProof() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let alan = try await ConsoleWorkTests.signIn(client, fixture, upn: "alan@contoso.example", role: .auditor)
            let page = try await ConsoleWorkTests.get(client, "/console/policy", alan.cookie)
            #expect(page.contains("read-only") && page.contains("<fieldset disabled>") && !page.contains("Preview the"))
            for path in ["/console/policy/preview", "/console/policy/save"] {
                let answer = try await ConsoleWorkTests.form(
                    client, path, alan, Self.overrideFields.merging(["patch": "{}"]) { $1 })
                #expect(answer.status == .forbidden, "\(path) answered \(answer.status)")
            }
            let grace = try await ConsoleWorkTests.signIn(client, fixture, upn: "grace@contoso.example")
            let helpdesk = try await client.execute(
                uri: "/console/policy", method: .get, headers: [.cookie: ConsoleWorkTests.cookieHeader(grace.cookie)])
            #expect(helpdesk.status == .forbidden)

            let admin = try await ConsoleWorkTests.signIn(client, fixture, upn: "edsger@contoso.example", role: .admin)
            let (_, save) = try await Self.preview(client, admin, Self.overrideFields)
            fixture.clock.advance(seconds: fixture.configuration.console.stepUpAge + 1)
            let unproven = try await ConsoleWorkTests.form(client, "/console/policy/save", admin, save)
            #expect(unproven.status == .forbidden)
            let body = String(buffer: unproven.body)
            #expect(body.contains("Confirm it is you") && body.contains("data-stay"))
            #expect(try await fixture.store.versionedPolicy().version == 0)
        }
    }

    @Test func theAPISendsThePolicyVersionAsAnETagAndRefusesAStaleIfMatch() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let token = fixture.adminToken
            let read = try await client.execute(
                uri: "/v1/policy", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(read.headers[.eTag] == "\"0\"")
            func patch(_ ifMatch: String?) async throws -> TestResponse {
                var headers: HTTPFields = [
                    .authorization: "Bearer \(token)", .contentType: "application/merge-patch+json",
                ]
                if let ifMatch { headers[.ifMatch] = ifMatch }
                return try await client.execute(
                    uri: "/v1/policy", method: .patch, headers: headers,
                    body: ByteBuffer(string: #"{"defaults":{"defaultMaxUses":2}}"#))
            }
            let first = try await patch("\"0\"")
            #expect(first.status == .ok && first.headers[.eTag] == "\"1\"")
            for stale in ["\"0\"", "W/\"1\"", "\"\"", "\"seven\"", "seven", "1"] {
                let refused = try await patch(stale)
                #expect(refused.status == .preconditionFailed, "If-Match \(stale) answered \(refused.status)")
                #expect(String(buffer: refused.body).contains("policy_changed"))
            }
            // Longer than any entity tag: a bad request, not a stale version.
            let overLong = try await patch("\"" + String(repeating: "7", count: 80) + "\"")
            #expect(overLong.status == .badRequest && String(buffer: overLong.body).contains("If-Match"))
            #expect(try await patch("*").status == .ok)
            #expect(try await patch(nil).headers[.eTag] == "\"3\"")
        }
    }
}
