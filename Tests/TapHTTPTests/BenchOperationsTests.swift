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

@Suite("Batches over HTTP")
struct BatchHTTPTests {
    static func batchBody(_ count: Int, badPlatformAt bad: Int? = nil) -> String {
        let rows = (0..<count).map { index in
            #"{"scenario": "deviceEnrollment", "userPrincipalName": "cart\#(index)@contoso.example", "#
                + #""device": {"serialNumber": "CART-\#(index)", "platform": "\#(index == bad ? "toaster" : "ipados")"}, "#
                + #""pass": {"preset": "apple-ade"}}"#
        }
        return #"{"sessions": ["# + rows.joined(separator: ",") + "]}"
    }

    @Test func aBatchAnswers207PerRowAndAReplaySendsNoPass() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.token(.bench)
        try await fixture.application().test(.router) { client in
            let headers = HTTPFixture.headers(bench, extra: [.idempotencyKey: "cart-1"])
            let first = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers,
                body: ByteBuffer(string: Self.batchBody(5, badPlatformAt: 3)))
            #expect(first.status.code == 207)
            let answer = try first.decode(SessionBatchResponse.self)
            #expect(answer.items.map(\.index) == [0, 1, 2, 3, 4])
            #expect(answer.items.map(\.status) == [201, 201, 201, 400, 201])
            #expect(answer.items[3].problem?.code == "invalid_request")
            #expect(answer.items[3].problem?.field == "device.platform")
            #expect(answer.items.filter { $0.session?.pass?.temporaryAccessPass != nil }.count == 4)
            #expect(answer.items[0].session?.pass?.maxUses == 2, "the apple-ade preset")

            let retry = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers,
                body: ByteBuffer(string: Self.batchBody(5, badPlatformAt: 3)))
            #expect(retry.status.code == 207)
            #expect(retry.headers[.idempotentReplayed] == "true")
            let replayed = try retry.decode(SessionBatchResponse.self)
            #expect(replayed.items.map(\.status) == [201, 201, 201, 400, 201])
            #expect(replayed.items.allSatisfy { $0.session?.pass?.temporaryAccessPass == nil })
            #expect(replayed.items.map { $0.session?.id } == answer.items.map { $0.session?.id })
            #expect(!retry.text.contains(answer.items[0].session!.pass!.temporaryAccessPass!))

            let list = try await client.execute(
                uri: "/v1/sessions?limit=200", method: .get, headers: HTTPFixture.headers(bench, json: false))
            #expect(try list.decode(SessionList.self).items.count == 4)

            let other = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: headers, body: ByteBuffer(string: Self.batchBody(2)))
            #expect(other.status == .unprocessableContent)
            #expect(other.problemCode == "idempotency_conflict")
        }
    }

    @Test func batchesAreBoundedAndAKioskCannotSendOne() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.token(.bench)
        let kiosk = try await fixture.token(.kiosk)
        try await fixture.application().test(.router) { client in
            let tooMany = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: Self.batchBody(501)))
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.problemCode == "invalid_request")
            let empty = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: #"{"sessions": []}"#))
            #expect(empty.status == .badRequest)
            let full = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: Self.batchBody(500)))
            #expect(full.status.code == 207)
            #expect(try full.decode(SessionBatchResponse.self).items.filter { $0.status == 201 }.count == 500)
            let byKiosk = try await client.execute(
                uri: "/v1/sessions/batch", method: .post, headers: HTTPFixture.headers(kiosk),
                body: ByteBuffer(string: Self.batchBody(1)))
            #expect(byKiosk.status == .forbidden)
        }
    }
}

@Suite("MDM check-in over HTTP")
struct MDMCheckInHTTPTests {
    @Test func anMDMTokenCompletesItsSitesDeviceBySerialAndNoOtherSites() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let bench = try await fixture.token(.bench, site: "site-1")
        let mdm = try await fixture.token(.mdm, site: "site-1")
        let otherMDM = try await fixture.token(.mdm, site: "site-2")
        let kiosk = try await fixture.token(.kiosk, site: "site-1")
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            #expect(created.status == .created)
            let session = try created.decode(SessionView.self)
            let body = ByteBuffer(string: #"{"serialNumber": "c02xk1zzjg5h", "mdmDeviceId": "intune-7"}"#)
            let elsewhere = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(otherMDM), body: body)
            #expect(elsewhere.status == .notFound)
            let byKiosk = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(kiosk), body: body)
            #expect(byKiosk.status == .forbidden)
            let reported = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(mdm), body: body)
            #expect(reported.status == .ok)
            #expect(try reported.decode(RedeemedSession.self).state == .completed)
            let after = try await fixture.store.session(session.id, visibleTo: nil)
            #expect(after?.storedState == .completed)
            #expect(after?.device?.mdmDeviceID == "intune-7")
        }
    }
}

@Suite("Metrics")
struct MetricsTests {
    @Test func metricsNeedAMetricsTokenFromAfarAndCountWhatHappened() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let metricsToken = try await fixture.token(.metrics)
        let bench = try await fixture.token(.bench)
        try await fixture.application().test(.router) { client in
            _ = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            _ = try await client.execute(
                uri: "/v1/redeem", method: .post, headers: HTTPFixture.headers(nil),
                body: ByteBuffer(
                    string: #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "2222-3333-4444"}"#))
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .unauthorized, "the router test client is not on loopback")
            let byBench = try await client.execute(
                uri: "/metrics", method: .get, headers: HTTPFixture.headers(bench, json: false))
            #expect(byBench.status == .forbidden)
            let scraped = try await client.execute(
                uri: "/metrics", method: .get, headers: HTTPFixture.headers(metricsToken, json: false))
            #expect(scraped.status == .ok)
            let text = scraped.text
            #expect(text.contains(#"tapstation_sessions{state="active",scenario="deviceEnrollment"} 1"#))
            #expect(text.contains(#"tapstation_redeems_total{outcome="refused"} 1"#))
            #expect(text.contains(#"tapstation_request_duration_seconds_count{method="POST",route="/v1/sessions"} 1"#))
            #expect(text.contains("tapstation_sweeper_lag_seconds "))
            #expect(text.contains("tapstation_webhook_backlog 0"))
            #expect(text.contains("tapstation_lockouts_total 0"))
        }
    }

    /// Issue 27: stale FIDO metadata is visible, and still counts.
    @Test func theMetadataInForceAndItsStalenessAreScraped() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let metricsToken = try await fixture.token(.metrics)
        try await fixture.application().test(.router) { client in
            func scrape() async throws -> String {
                try await client.execute(
                    uri: "/metrics", method: .get, headers: HTTPFixture.headers(metricsToken, json: false)
                ).text
            }
            var text = try await scrape()
            #expect(text.contains("tapstation_mds_imported 0"))
            #expect(!text.contains("tapstation_mds_stale"))
            let summary = MetadataSummary(
                number: 42, nextUpdate: fixture.clock.now.addingTimeInterval(-86_400), entries: 3)
            #expect(try await fixture.store.acceptMetadata([1, 2, 3], summary: summary, source: "test", by: "test"))
            text = try await scrape()
            #expect(text.contains("tapstation_mds_imported 1"))
            #expect(text.contains("tapstation_mds_stale 1"))
            #expect(text.contains("tapstation_mds_next_update_seconds -86400"))
            let facts = try await ConsoleServiceController.metadataFacts(fixture.store, now: fixture.clock.now)
            #expect(facts.map(\.value).joined().contains("stale, past its next update"))
        }
    }

    @Test func aScraperOnLoopbackNeedsNoToken() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let proxied = try await client.execute(
                uri: "/metrics", method: .get, headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"])
            #expect(proxied.status == .unauthorized)
        }
    }
}

@Suite("The bench board")
struct BoardTests {
    @Test func aBoardTokenSignsInOnceAndTheBoardShowsItsSiteWithoutPasses() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let board = try await fixture.token(.board, site: "bench-1")
        let bench = try await fixture.token(.bench, site: "bench-1")
        let otherBench = try await fixture.token(.bench, site: "bench-2")
        let kiosk = try await fixture.token(.kiosk, site: "bench-1")
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(bench),
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            let pass = try #require(try created.decode(SessionView.self).pass?.temporaryAccessPass)
            _ = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(otherBench),
                body: ByteBuffer(
                    string: HTTPFixture.deviceSessionBody.replacingOccurrences(of: "C02XK1ZZJG5H", with: "ELSEWHERE-1"))
            )

            let form = try await client.execute(uri: "/board", method: .get)
            #expect(form.status == .ok)
            #expect(form.text.contains("<form method=\"post\" action=\"/board\""))
            let csp = try #require(form.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"))

            let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(
                uri: "/board", method: .post, headers: formHeaders, body: ByteBuffer(string: "token=\(kiosk)"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil, "only a board token signs the board in")
            let signedIn = try await client.execute(
                uri: "/board", method: .post, headers: formHeaders, body: ByteBuffer(string: "token=\(board)"))
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/board")
            let cookie = try #require(signedIn.headers[.setCookie])
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/board"] {
                #expect(cookie.contains(attribute))
            }
            let cookieHeader: HTTPFields = [.cookie: String(cookie.prefix { $0 != ";" })]

            let page = try await client.execute(uri: "/board", method: .get, headers: cookieHeader)
            #expect(page.text.contains("<tbody id=\"rows\">") && page.text.contains("bench-1"))
            #expect(page.text.contains("src=\"/board/board.js\""))
            let data = try await client.execute(uri: "/board/sessions", method: .get, headers: cookieHeader)
            #expect(data.status == .ok)
            #expect(data.text.contains("C02XK1ZZJG5H"))
            #expect(!data.text.contains("ELSEWHERE-1"), "another site's device")
            #expect(!data.text.contains(pass) && !data.text.contains(pass.replacingOccurrences(of: "-", with: "")))
            #expect(!data.text.contains("ada@contoso.example"), "only the name before the @")
            #expect(data.text.contains(#""lastStep":"pass.issued""#))
            let noCookie = try await client.execute(
                uri: "/board/sessions", method: .get, headers: HTTPFixture.headers(board, json: false))
            #expect(noCookie.status == .unauthorized, "a bearer header is not the board's way in")
            let script = try await client.execute(uri: "/board/board.js", method: .get)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(!script.text.contains("innerHTML"))
        }
    }
}
