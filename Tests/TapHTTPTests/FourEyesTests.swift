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

@Suite("Four-eyes issuance over HTTP")
struct FourEyesTests {
    /// A helpdesk person with a token, created by the fixture's admin.
    static func helpdesk(
        _ client: some TestClientProtocol, _ fixture: HTTPFixture, site: String? = nil, _ name: String, _ upn: String
    ) async throws -> CreatedOperator {
        let siteMember = site.map { #", "site": "\#($0)""# } ?? ""
        let body = #"{"name": "\#(name)", "role": "helpdesk"\#(siteMember), "userPrincipalName": "\#(upn)"}"#
        return try await client.call(.post, "/v1/operators", fixture.adminToken, body).decode(CreatedOperator.self)
    }

    @Test func twoPeopleIssueAPassAndTheTrailShowsWhoDidWhat() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let rita = try await Self.helpdesk(client, fixture, "Rita at the help desk", "rita@contoso.example")
            let abe = try await Self.helpdesk(client, fixture, "Abe, help desk lead", "abe@contoso.example")
            let kiosk = try await fixture.token(.kiosk)
            fixture.clock.advance(minutes: 61)  // one admin made both people: two only after the approval window
            let policy = try await client.execute(
                uri: "/v1/policy", method: .patch, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: #"{"defaults": {"approvalRequired": true, "proofingRequired": true}}"#))
            #expect(policy.status == .ok)

            let ask =
                #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example", "reason": "lost key", "proofing": {"method": "callback", "reference": "directory number, ending 4821"}}"#
            let created = try await client.call(.post, "/v1/sessions", rita.token, ask)
            #expect(created.status == .created)
            let session = try created.decode(SessionView.self)
            #expect(session.state == .awaitingApproval)
            #expect(session.pass == nil)
            #expect(!created.text.contains("temporaryAccessPass"))

            let waiting = try await client.call(.get, "/v1/approvals", abe.token).decode(SessionList.self)
            #expect(waiting.items.map(\.id) == [session.id])
            #expect(
                try await client.call(.post, "/v1/approvals/\(session.id)/approve", rita.token, "{}").problemCode
                    == "self_approval")
            #expect(
                try await client.call(.post, "/v1/approvals/\(session.id)/approve", kiosk, "{}").problemCode
                    == "forbidden")
            #expect(
                try await client.call(.post, "/v1/sessions/\(session.id)/pass", rita.token).problemCode
                    == "approval_required")

            let approved = try await client.call(.post, "/v1/approvals/\(session.id)/approve", abe.token, "{}")
            #expect(approved.status == .ok)
            #expect(try approved.decode(SessionView.self).pass == nil, "the approver never sees a pass")
            #expect(
                try await client.call(.post, "/v1/approvals/\(session.id)/approve", abe.token, "{}").problemCode
                    == "invalid_state_transition")
            #expect(
                try await client.call(.post, "/v1/sessions/\(session.id)/pass", abe.token).problemCode
                    == "not_the_requester")

            let collected = try await client.call(.post, "/v1/sessions/\(session.id)/pass", rita.token)
            #expect(collected.status == .created)
            let pass = try #require(try collected.decode(SessionView.self).pass?.temporaryAccessPass)
            let redeem = try await client.call(
                .post, "/v1/redeem", nil,
                #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "\#(pass)"}"#)
            #expect(redeem.status == .ok)

            let trail = try await client.call(.get, "/v1/sessions/\(session.id)/trail", fixture.adminToken).decode(
                IssuanceTrail.self)
            #expect(trail.requestedBy.name == "Rita at the help desk")
            #expect(trail.session.proofing?.method == .callback)
            #expect(trail.session.approval?.decidedBy == abe.operator.id)
            #expect(
                trail.steps.map(\.type.rawValue) == ["session.created", "session.approved", "pass.issued", "pass.used"])
            #expect(
                trail.steps.map { $0.actor.name ?? $0.actor.id } == [
                    "Rita at the help desk", "Abe, help desk lead", "Rita at the help desk", "redeem",
                ])
            #expect(trail.steps[3].data.objectValue?["clientAddress"] != nil)
            let body = try await client.call(.get, "/v1/sessions/\(session.id)/trail", fixture.adminToken).text
            #expect(!body.contains(pass))
        }
    }

    @Test func refusalsOfTrustedIssuanceHaveTheirOwnCodes() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> TestResponse
            {
                try await client.execute(
                    uri: path, method: method, headers: HTTPFixture.headers(fixture.adminToken),
                    body: body.map { ByteBuffer(string: $0) })
            }
            _ = try await call(
                .patch, "/v1/policy",
                #"{"defaults": {"proofingRequired": true, "acceptedProofingMethods": ["inPerson"], "passesPerSitePerDay": 1}}"#
            )
            let base = #"{"scenario": "fido2Registration", "userPrincipalName": "ada@contoso.example""#
            #expect(try await call(.post, "/v1/sessions", base + "}").problemCode == "proofing_required")
            #expect(
                try await call(
                    .post, "/v1/sessions", base + #", "proofing": {"method": "ticket", "reference": "INC-1"}}"#
                ).problemCode
                    == "proofing_method_not_accepted")
            let fullNumber = try await call(
                .post, "/v1/sessions",
                base + #", "proofing": {"method": "inPerson", "reference": "passport 123456789"}}"#)
            #expect(fullNumber.problemCode == "proofing_id_number_refused")
            #expect(try fullNumber.decode(Problem.self).detail.contains("last digits"))
            let good = base + #", "proofing": {"method": "inPerson", "reference": "passport, last digits 6789"}}"#
            #expect(try await call(.post, "/v1/sessions", good).status == .created)
            let capped = try await call(.post, "/v1/sessions", good.replacingOccurrences(of: "ada@", with: "bob@"))
            #expect(capped.status == .tooManyRequests)
            #expect(capped.problemCode == "issuance_cap_reached")

            let locked = try await call(
                .put, "/v1/users/carol@contoso.example/issuance-lock",
                #"{"minutes": 60, "reason": "under investigation"}"#)
            #expect(locked.status == .ok)
            _ = try await call(.patch, "/v1/policy", #"{"defaults": {"passesPerSitePerDay": 0}}"#)
            let refused = try await call(.post, "/v1/sessions", good.replacingOccurrences(of: "ada@", with: "carol@"))
            #expect(refused.status.code == 423)
            #expect(refused.problemCode == "issuance_locked")
            #expect(try await call(.delete, "/v1/users/carol@contoso.example/issuance-lock").status == .noContent)
            #expect(
                try await call(.post, "/v1/sessions", good.replacingOccurrences(of: "ada@", with: "carol@")).status
                    == .created)
            let revoked = try await call(
                .post, "/v1/users/carol@contoso.example/revoke", #"{"reason": "caller failed the callback"}"#)
            #expect(try revoked.decode(RevokeUserResponse.self).cancelledSessions.count == 1)
            #expect(
                try await call(.post, "/v1/users/not-a-user/revoke", #"{"reason": "x"}"#).problemCode
                    == "invalid_request")
        }
    }

    /// An approval covers one collection, within the approval timeout: no issuer (the approver, the requester,
    /// a kiosk of the site) gets a further pass for the session without a new approval.
    @Test func anApprovalCoversOneCollectionWithinItsTimeout() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let rita = try await Self.helpdesk(client, fixture, site: "bench-1", "Rita", "rita@contoso.example")
            let abe = try await Self.helpdesk(client, fixture, site: "bench-1", "Abe", "abe@contoso.example")
            let kiosk = try await fixture.token(.kiosk)
            let policy = #"{"defaults": {"approvalRequired": true, "approvalTimeoutInMinutes": 30}}"#
            #expect(try await client.call(.patch, "/v1/policy", fixture.adminToken, policy).status == .ok)
            fixture.clock.advance(minutes: 31)  // one admin made both people: two only after the approval window
            func approvedSession(for user: String) async throws -> String {
                let ask =
                    #"{"scenario": "fido2Registration", "userPrincipalName": "\#(user)", "site": "bench-1", "reason": "lost key"}"#
                let created = try await client.call(.post, "/v1/sessions", rita.token, ask)
                #expect(created.status == .created)
                let id = try created.decode(SessionView.self).id
                #expect(try await client.call(.post, "/v1/approvals/\(id)/approve", abe.token, "{}").status == .ok)
                return "\(id)"
            }

            let first = try await approvedSession(for: "ada@contoso.example")
            #expect(try await client.call(.post, "/v1/sessions/\(first)/pass", rita.token).status == .created)
            for token in [abe.token, rita.token, kiosk, fixture.adminToken] {
                let again = try await client.call(.post, "/v1/sessions/\(first)/pass", token)
                #expect(again.problemCode == "approval_required")
                #expect(try again.decode(Problem.self).detail.contains("covers one pass"))
            }
            fixture.clock.advance(minutes: 120)  // the pass expired unused: still no reissue without approval
            #expect(
                try await client.call(.post, "/v1/sessions/\(first)/pass", rita.token).problemCode
                    == "approval_required")

            let second = try await approvedSession(for: "bob@contoso.example")
            fixture.clock.advance(minutes: 31)
            let late = try await client.call(.post, "/v1/sessions/\(second)/pass", rita.token)
            #expect(late.problemCode == "approval_required")
            #expect(try late.decode(Problem.self).detail.contains("approval timeout"))
            #expect(try await client.call(.post, "/v1/sessions/\(second)/cancel", rita.token, "{}").status == .ok)
        }
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }
}
