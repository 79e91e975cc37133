import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TapAPI
import TapCore
import TapTestSupport
import Testing

@testable import TapHTTP

/// Token rotation over HTTP (issue 21, item 12): a token in its grace period may still act, but not rotate.
@Suite("Token rotation")
struct TokenRotationTests {
    @Test func onlyTheNewestTokenMayRotate() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let old = try await fixture.token(.kiosk)
        try await fixture.application().test(.router) { client in
            func rotate(_ token: String, _ path: String = "/v1/operators/me/rotate") async throws -> TestResponse {
                try await client.execute(
                    uri: path, method: .post, headers: HTTPFixture.headers(token),
                    body: ByteBuffer(string: #"{"graceMinutes": 60}"#))
            }
            let first = try await rotate(old)
            #expect(first.status == .ok)
            let newest = try first.decode(CreatedOperator.self).token
            // The old token, in its grace period, tries to rotate again: that would leave the newest token's
            // holder with a token that dies in an hour.
            let again = try await rotate(old)
            #expect(again.status == .conflict)
            #expect(again.problemCode == "newer_token_exists")
            #expect(!again.text.contains(newest))
            for token in [newest, old] {
                let me = try await client.execute(
                    uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(token, json: false))
                #expect(me.status == .ok, "the refused rotation changed who may act")
            }
            #expect(try await rotate(newest).status == .ok)
        }
    }

    @Test func anAdminsGraceTokenMayNotRotateThroughTheIDRouteEither() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let me = try await client.execute(
                uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(fixture.adminToken, json: false))
            let id = try me.decode(OperatorView.self).id
            let path = "/v1/operators/\(id)/rotate"
            let first = try await client.execute(
                uri: path, method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: "{}"))
            #expect(first.status == .ok)
            let again = try await client.execute(
                uri: path, method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: "{}"))
            #expect(again.status == .conflict)
            #expect(again.problemCode == "newer_token_exists")
        }
    }
}
