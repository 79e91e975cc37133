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

// The matrix's site scope: what an operator of one site may do to another site's devices, locks and webhooks.
extension AuthorizationMatrixTests {
    /// A device belongs to one site at a time. Another site's operator is refused in the same words whether the
    /// device is busy there or not (so it learns nothing and cannot be blocked by an open session); an
    /// operator of every site moves it.
    @Test func aDeviceBelongsToOneSiteAndOnlyAGlobalOperatorMovesIt() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let kiosk1 = try await fixture.token(.kiosk, site: "site-1"),
            kiosk2 = try await fixture.token(.kiosk, site: "site-2")
        try await fixture.application().test(.router) { client in
            func create(_ token: String, site: String? = nil) async throws -> TestResponse {
                let siteField = site.map { #", "site": "\#($0)""# } ?? ""
                let body =
                    #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", "device": {"serialNumber": "SHARED-1", "platform": "windows"}\#(siteField)}"#
                return try await client.execute(
                    uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(token),
                    body: ByteBuffer(string: body))
            }
            let atSite1 = try await create(kiosk1)
            #expect(atSite1.status == .created)
            let busy = try await create(kiosk2)
            #expect(busy.status == .conflict)
            let busyDetail = try busy.decode(Problem.self).detail
            #expect(!busyDetail.contains("open session") && !busyDetail.contains("site-1"))
            let id = try atSite1.decode(SessionView.self).id
            #expect(
                try await client.execute(
                    uri: "/v1/sessions/\(id)/cancel", method: .post, headers: HTTPFixture.headers(kiosk1),
                    body: ByteBuffer(string: "{}")
                ).status == .ok)
            let idle = try await create(kiosk2)
            #expect(idle.status == .conflict)
            #expect(
                try idle.decode(Problem.self).detail == busyDetail,
                "the refusal must not tell a busy device from an idle one")

            #expect(try await create(fixture.adminToken, site: "site-2").status == .created)
            #expect(try await create(kiosk1).status == .conflict)
        }
    }

    /// Issuance locks keep the scope of whoever set them: a site's help desk or admin neither lifts a global
    /// operator's incident lock nor locks the user out at other sites.
    @Test func issuanceLocksKeepTheScopeOfWhoeverSetThem() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        func scoped(_ role: Role, _ site: String) async throws -> String {
            try await fixture.store.createOperator(
                NewOperator(name: "\(role) of \(site)", role: role, site: SiteName(site)), by: nil
            ).1.value
        }
        let siteAdmin = try await scoped(.admin, "site-1"), helpdesk1 = try await scoped(.helpdesk, "site-1")
        let helpdesk2 = try await scoped(.helpdesk, "site-2")
        let kiosk1 = try await fixture.token(.kiosk, site: "site-1"),
            kiosk2 = try await fixture.token(.kiosk, site: "site-2")
        try await fixture.application().test(.router) { client in
            func call(
                _ method: HTTPRequest.Method, _ path: String, _ token: String, _ body: String? = nil
            ) async throws -> TestResponse {
                try await client.execute(
                    uri: path, method: method, headers: HTTPFixture.headers(token),
                    body: body.map { ByteBuffer(string: $0) })
            }
            func lock(_ user: String, by token: String) async throws -> TestResponse {
                try await call(
                    .put, "/v1/users/\(user)/issuance-lock", token, #"{"minutes": 60, "reason": "incident"}"#)
            }
            func create(_ user: String, by token: String) async throws -> TestResponse {
                try await call(
                    .post, "/v1/sessions", token, #"{"scenario": "fido2Registration", "userPrincipalName": "\#(user)"}"#
                )
            }

            // A global admin's incident lock holds at every site, and only a global operator lifts it.
            #expect(try await lock("carol@contoso.example", by: fixture.adminToken).status == .ok)
            for token in [helpdesk1, siteAdmin] {
                let lifted = try await call(.delete, "/v1/users/carol@contoso.example/issuance-lock", token)
                #expect(lifted.status == .forbidden && lifted.problemCode == "forbidden")
            }
            #expect(try await create("carol@contoso.example", by: kiosk2).problemCode == "issuance_locked")
            #expect(
                try await call(.delete, "/v1/users/carol@contoso.example/issuance-lock", fixture.adminToken).status
                    == .noContent)
            #expect(try await create("carol@contoso.example", by: kiosk2).status == .created)

            // A site's lock holds at that site only, and another site cannot lift it.
            #expect(try await lock("dave@contoso.example", by: helpdesk1).status == .ok)
            #expect(try await create("dave@contoso.example", by: kiosk1).problemCode == "issuance_locked")
            #expect(try await create("dave@contoso.example", by: kiosk2).status == .created)
            #expect(
                try await call(.delete, "/v1/users/dave@contoso.example/issuance-lock", helpdesk2).status == .notFound)
            #expect(try await create("dave@contoso.example", by: kiosk1).problemCode == "issuance_locked")
            #expect(
                try await call(.delete, "/v1/users/dave@contoso.example/issuance-lock", helpdesk1).status == .noContent)
        }
    }

    /// Webhooks keep the scope of their admin: a site admin lists, reads, creates and deletes only its own
    /// site's (another site's and every site's are not found, asking for them is forbidden); a global admin
    /// manages all.
    @Test func siteAdminsManageOnlyTheirSitesWebhooks() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        func siteAdmin(_ site: String) async throws -> String {
            let admin = NewOperator(name: "admin of \(site)", role: .admin, site: SiteName(site))
            return try await fixture.store.createOperator(admin, by: nil).1.value
        }
        let admin1 = try await siteAdmin("site-1"), admin2 = try await siteAdmin("site-2")
        try await fixture.application().test(.router) { client in
            func call(
                _ method: HTTPRequest.Method, _ path: String, _ token: String, _ body: String? = nil
            ) async throws -> TestResponse {
                try await client.execute(
                    uri: path, method: method, headers: HTTPFixture.headers(token, json: body != nil),
                    body: body.map { ByteBuffer(string: $0) })
            }
            func create(_ token: String, _ siteField: String = "") async throws -> TestResponse {
                try await call(.post, "/v1/webhooks", token, #"{"url": "https://192.0.2.10/hook"\#(siteField)}"#)
            }
            func listed(_ token: String) async throws -> Set<WebhookID> {
                Set(try await call(.get, "/v1/webhooks", token).decode(WebhookList.self).items.map(\.id))
            }

            let everySite = try await create(fixture.adminToken).decode(WebhookView.self)
            #expect(everySite.site == nil)
            let forSite2 = try await create(fixture.adminToken, #", "site": "site-2""#).decode(WebhookView.self)
            #expect(forSite2.site == SiteName("site-2"))
            let created = try await create(admin1)
            #expect(created.status == .created)
            let ofSite1 = try created.decode(WebhookView.self)
            #expect(ofSite1.site == SiteName("site-1"), "a site admin's webhook is its site's")
            #expect(try await create(admin1, #", "site": "site-1""#).status == .created)
            for field in [#", "site": "site-2""#, #", "site": null"#] {
                let refused = try await create(admin1, field)
                #expect(refused.status == .forbidden && refused.problemCode == "forbidden", "\(field)")
            }

            let site1Hooks = try await listed(admin1)
            #expect(site1Hooks.count == 2 && site1Hooks.contains(ofSite1.id))
            #expect(try await listed(admin2) == [forSite2.id])
            #expect(try await listed(fixture.adminToken).isSuperset(of: [everySite.id, forSite2.id, ofSite1.id]))
            for other in [everySite.id, forSite2.id] {
                for (method, path) in [(HTTPRequest.Method.get, ""), (.get, "/deliveries"), (.delete, "")] {
                    let response = try await call(method, "/v1/webhooks/\(other)\(path)", admin1)
                    let found = response.status == .notFound && response.problemCode == "not_found"
                    #expect(found, "\(method) \(other)\(path)")
                }
            }
            #expect(try await call(.get, "/v1/webhooks/\(ofSite1.id)/deliveries", admin1).status == .ok)
            #expect(try await call(.delete, "/v1/webhooks/\(ofSite1.id)", admin2).status == .notFound)
            #expect(try await call(.delete, "/v1/webhooks/\(ofSite1.id)", admin1).status == .noContent)
            #expect(try await call(.delete, "/v1/webhooks/\(forSite2.id)", fixture.adminToken).status == .noContent)
            let remaining = try await listed(fixture.adminToken)
            #expect(remaining.contains(everySite.id), "the global webhook outlived every site admin's try")
        }
    }
}
