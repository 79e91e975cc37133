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

@Suite("Device enrollment over HTTP")
struct EnrollmentFlowTests {
    @Test func benchWalkthroughFromCreateToAuditTimeline() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let created = try await client.call(
                .post, "/v1/sessions", fixture.adminToken, HTTPFixture.deviceSessionBody)
            #expect(created.status == .created)
            let session = try created.decode(SessionView.self)
            let pass = try #require(session.pass?.temporaryAccessPass)
            #expect(session.state == .active)
            #expect(session.pass?.maxUses == 2)

            let redeem =
                #"{"userPrincipalName": "ADA@contoso.example", "temporaryAccessPass": "\#(pass.lowercased())"}"#
            var sessionToken = ""
            for _ in 0..<2 {
                let response = try await client.execute(
                    uri: "/v1/redeem", method: .post, headers: HTTPFixture.headers(nil),
                    body: ByteBuffer(string: redeem))
                #expect(response.status == .ok)
                sessionToken = try response.decode(RedeemResponse.self).sessionToken
            }
            let third = try await client.execute(
                uri: "/v1/redeem", method: .post, headers: HTTPFixture.headers(nil), body: ByteBuffer(string: redeem))
            #expect(third.status == .unauthorized)
            #expect(third.problemCode == "invalid_pass")

            let checkIn = try await client.execute(
                uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(sessionToken),
                body: ByteBuffer(string: #"{"serialNumber": "C02XK1ZZJG5H", "mdmDeviceId": "mdm-42"}"#))
            #expect(checkIn.status == .ok)
            #expect(try checkIn.decode(RedeemedSession.self).state == .completed)

            let read = try await client.execute(
                uri: "/v1/sessions/\(session.id)", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            let final = try read.decode(SessionView.self)
            #expect(final.state == .completed)
            #expect(final.device?.enrollmentState == .enrolled)
            #expect(final.pass?.methodUsabilityReason == .revoked)
            #expect(final.pass?.temporaryAccessPass == nil)

            let audit = try await client.execute(
                uri: "/v1/audit?sessionId=\(session.id)", method: .get, headers: HTTPFixture.headers(fixture.adminToken)
            )
            #expect(
                try audit.decode(AuditList.self).items.map(\.type.rawValue) == [
                    "session.created", "pass.issued", "pass.used", "pass.used", "device.enrolled", "session.completed",
                    "pass.revoked",
                ])
            #expect(!audit.text.contains(pass))
        }
    }

    @Test func sixtyFourConcurrentRedeemsOfATwoUsePassAdmitExactlyTwo() async throws {
        // Throttle limits high enough that every request reaches the store: this is about atomicity.
        let fixture = try await HTTPFixture(
            redeemLimits: RedeemThrottle.Limits(
                perClientAndUser: 1000, perUser: 1000, perUserBeforeDelay: 1000, perClient: 1000))
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let http = LoopbackClient(port: try #require(client.port))
            let (status, data) = try await http.send(
                "POST", "/v1/sessions", token: fixture.adminToken, body: HTTPFixture.deviceSessionBody)
            #expect(status == 201)
            let pass = try #require(
                try WireJSON.decoder().decode(SessionView.self, from: data).pass?.temporaryAccessPass)
            let body = #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "\#(pass)"}"#
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<64 { group.addTask { try await http.send("POST", "/v1/redeem", body: body).0 } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 2)
            #expect(statuses.filter { $0 == 401 }.count == 62)
        }
    }

    @Test func idempotentCreateReplaysWithoutThePass() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let headers = HTTPFixture.headers(fixture.adminToken, extra: [.idempotencyKey: "bench-7-row-3"])
            let first = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: headers,
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            let retry = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: headers,
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            #expect(first.status == .created)
            #expect(retry.status == .created)
            #expect(retry.headers[.idempotentReplayed] == "true")
            #expect(try retry.decode(SessionView.self).id == first.decode(SessionView.self).id)
            #expect(try first.decode(SessionView.self).pass?.temporaryAccessPass != nil)
            #expect(try retry.decode(SessionView.self).pass?.temporaryAccessPass == nil)
            let other = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: headers,
                body: ByteBuffer(
                    string: HTTPFixture.deviceSessionBody.replacingOccurrences(of: "new starter", with: "other")))
            #expect(other.status == .unprocessableContent)
            #expect(other.problemCode == "idempotency_conflict")
        }
    }

    @Test func reissueAfterExpiryGivesANewWorkingPass() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let created = try await client.call(
                .post, "/v1/sessions", fixture.adminToken, HTTPFixture.deviceSessionBody)
            let session = try created.decode(SessionView.self)
            fixture.clock.advance(minutes: 61)
            let read = try await client.execute(
                uri: "/v1/sessions/\(session.id)", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try read.decode(SessionView.self).state == .expired)
            #expect(try read.decode(SessionView.self).pass?.methodUsabilityReason == .expired)
            let reissued = try await client.execute(
                uri: "/v1/sessions/\(session.id)/pass", method: .post, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(reissued.status == .created)
            let pass = try #require(try reissued.decode(SessionView.self).pass?.temporaryAccessPass)
            #expect(try await client.redeem(pass).status == .ok)
        }
    }

    @Test func revokingYourselfOrTheLastAdminIsAConflict() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let me = try await client.execute(
                uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            let myID = try me.decode(OperatorView.self).id
            let selfRevoke = try await client.execute(
                uri: "/v1/operators/\(myID)", method: .delete, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(selfRevoke.status == .conflict)
            let created = try await client.execute(
                uri: "/v1/operators", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"name": "second admin", "role": "admin"}"#))
            #expect(created.status == .created)
            let second = try created.decode(CreatedOperator.self)
            let revokeFirst = try await client.execute(
                uri: "/v1/operators/\(myID)", method: .delete, headers: HTTPFixture.headers(second.token))
            #expect(revokeFirst.status == .ok)
            let revoked = try await client.execute(
                uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(revoked.problemCode == "token_revoked")
        }
    }

    @Test func policyPatchIsValidatedAndAudited() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            func patch(_ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/policy", method: .patch,
                    headers: HTTPFixture.headers(
                        fixture.adminToken, json: false, extra: [.contentType: "application/merge-patch+json"]),
                    body: ByteBuffer(string: body))
            }
            let good = try await patch(
                #"{"defaults": {"defaultLength": 16}, "overrides": {"bench-1": {"deviceEnrollment": {"defaultMaxUses": 2}}}}"#
            )
            #expect(good.status == .ok)
            #expect(try good.decode(Policy.self).defaults.defaultLength == 16)
            let typo = try await patch(#"{"defaults": {"defaultLenght": 16}}"#)
            #expect(typo.problemCode == "invalid_request")
            let outOfRange = try await patch(#"{"defaults": {"defaultLength": 60}}"#)
            #expect(outOfRange.problemCode == "policy_violation")
            #expect(try outOfRange.decode(Problem.self).bound == "between 8 and 48")
            let audit = try await client.execute(
                uri: "/v1/audit?type=policy.changed", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            #expect(try audit.decode(AuditList.self).items.count == 1)
        }
    }
}
