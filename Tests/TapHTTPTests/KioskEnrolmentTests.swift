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

@Suite("Kiosk provisioning with a one-time enrolment code")
struct KioskEnrolmentTests {
    static let createKiosk = #"{"name": "kiosk 3", "role": "kiosk", "site": "hel-1", "withEnrolmentCode": true}"#

    @Test func theCodeExchangesOnceForAWorkingTokenAndIsAuditedWithoutTheCode() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/operators", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: Self.createKiosk))
            #expect(created.status == .created)
            #expect(!created.text.contains("tso_"), "no token is handed to the admin")
            let grant = try created.decode(CreatedKioskOperator.self)
            #expect(
                grant.enrolmentCode.wholeMatch(of: /[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}/) != nil)
            #expect(grant.enrolmentCodeExpirationDateTime == fixture.clock.now.addingTimeInterval(3600))

            // Typed by a person: lower case, spaces instead of dashes.
            let typed = grant.enrolmentCode.lowercased().replacingOccurrences(of: "-", with: " ")
            let body = ByteBuffer(string: #"{"enrolmentCode": "\#(typed)"}"#)
            let enrolled = try await client.execute(
                uri: "/v1/kiosk/enrol", method: .post, headers: HTTPFixture.headers(nil), body: body)
            #expect(enrolled.status == .ok)
            let answer = try enrolled.decode(KioskEnrolmentResponse.self)
            #expect(answer.operator.id == grant.operator.id)
            let me = try await client.execute(
                uri: "/v1/operators/me", method: .get, headers: HTTPFixture.headers(answer.token))
            #expect(me.status == .ok)
            #expect(try me.decode(OperatorView.self).role == .kiosk)

            let again = try await client.execute(
                uri: "/v1/kiosk/enrol", method: .post, headers: HTTPFixture.headers(nil), body: body)
            #expect(again.status == .unauthorized)
            #expect(again.problemCode == "invalid_enrolment_code")

            let audit = try await client.execute(
                uri: "/v1/audit", method: .get, headers: HTTPFixture.headers(fixture.adminToken))
            let events = try audit.decode(AuditList.self).items.filter {
                $0.type == .operatorCreated || $0.type == .operatorRotated
            }
            #expect(events.map(\.type).suffix(2) == [.operatorCreated, .operatorRotated])
            let normalized = grant.enrolmentCode.replacingOccurrences(of: "-", with: "")
            #expect(
                !audit.text.contains(grant.enrolmentCode) && !audit.text.contains(normalized)
                    && !audit.text.contains(answer.token))
        }
    }

    @Test func anExpiredCodeOrOneOfARevokedKioskIsRefusedLikeAWrongOne() async throws {
        // Five refusals from one address: above the default per-address limit (3), which is not what this is about.
        let fixture = try await HTTPFixture(redeemLimits: RedeemThrottle.Limits(perClientAndUser: 5))
        defer { fixture.cleanUp() }
        let admin = try #require(try await fixture.store.operators().first?.identity)
        let expired = try await fixture.store.createKioskOperator(
            NewOperator(name: "k1", role: .kiosk, site: SiteName("hel-1")), enrolmentCodeLifetime: 60, by: admin)
        let revoked = try await fixture.store.createKioskOperator(
            NewOperator(name: "k2", role: .kiosk, site: SiteName("hel-1")), enrolmentCodeLifetime: 3600, by: admin)
        _ = try await fixture.store.revokeOperator(revoked.operator.identity.id, by: admin)
        fixture.clock.advance(seconds: 61)
        try await fixture.application().test(.router) { client in
            for code in [expired.code, revoked.code, "2222-3333-4444", "not a code at all", ""] {
                let response = try await client.execute(
                    uri: "/v1/kiosk/enrol", method: .post, headers: HTTPFixture.headers(nil),
                    body: ByteBuffer(string: #"{"enrolmentCode": "\#(code)"}"#))
                #expect(response.status == .unauthorized, "\(code)")
                #expect(response.problemCode == "invalid_enrolment_code")
            }
        }
    }

    @Test func guessingIsThrottledPerAddressBeforeAnyWork() async throws {
        let fixture = try await HTTPFixture(
            redeemLimits: RedeemThrottle.Limits(perClientAndUser: 3, perUser: 100, perClient: 100))
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 {
                let response = try await client.execute(
                    uri: "/v1/kiosk/enrol", method: .post, headers: HTTPFixture.headers(nil),
                    body: ByteBuffer(string: #"{"enrolmentCode": "2222-3333-4444"}"#))
                statuses.append(response.status)
            }
            #expect(statuses.prefix(3).allSatisfy { $0 == .unauthorized })
            #expect(statuses.last == .tooManyRequests)
        }
    }

    @Test func onlyKioskTokensComeWithACode() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/operators", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(
                    string: #"{"name": "bench", "role": "bench", "site": "hel-1", "withEnrolmentCode": true}"#))
            #expect(response.status == .badRequest)
            #expect(response.text.contains("withEnrolmentCode"))
        }
    }
}
