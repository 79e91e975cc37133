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

/// Server-sent events over real HTTP: replay, resume, live delivery, site filtering and refusals.
@Suite("Event streams")
struct EventStreamTests {
    /// Parses `text/event-stream`: the events' `id`, `event` and decoded `data`, checking they agree.
    static func events(in text: String) throws -> [StreamEventWire] {
        try text.components(separatedBy: "\n\n").compactMap { block -> StreamEventWire? in
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                let parts = line.split(separator: ":", maxSplits: 1)
                fields[String(parts[0])] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            }
            guard let data = fields["data"] else { return nil }
            let event = try WireJSON.decoder().decode(StreamEventWire.self, from: Data(data.utf8))
            #expect(fields["id"] == event.id)
            #expect(fields["event"] == event.type.rawValue)
            return event
        }
    }

    /// Creates a device session, uses its pass and checks the device in: a completed session.
    static func completedSession(_ client: some TestClientProtocol, token: String) async throws -> (SessionView, String)
    {
        let created = try await client.execute(
            uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(token),
            body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
        let session = try created.decode(SessionView.self)
        let pass = try #require(session.pass?.temporaryAccessPass)
        let redeemed = try await client.execute(
            uri: "/v1/redeem", method: .post, headers: HTTPFixture.headers(nil),
            body: ByteBuffer(
                string: #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "\#(pass)"}"#))
        let sessionToken = try redeemed.decode(RedeemResponse.self).sessionToken
        let checkIn = try await client.execute(
            uri: "/v1/enrollment/device", method: .post, headers: HTTPFixture.headers(sessionToken),
            body: ByteBuffer(string: #"{"serialNumber": "C02XK1ZZJG5H"}"#))
        #expect(checkIn.status == .ok)
        return (session, pass)
    }

    @Test func aClosedSessionReplaysItsHistoryThenEndsAndResumesAfterLastEventID() async throws {
        let fixture = try await HTTPFixture(eventStreamLifetime: .seconds(30))
        defer { fixture.cleanUp() }
        try await fixture.application().test(.router) { client in
            let (session, pass) = try await Self.completedSession(client, token: fixture.adminToken)
            let stream = try await client.execute(
                uri: "/v1/sessions/\(session.id)/events", method: .get,
                headers: HTTPFixture.headers(fixture.adminToken, json: false))
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType] == "text/event-stream")
            let events = try Self.events(in: stream.text)
            #expect(
                events.map(\.type.rawValue) == [
                    "session.created", "pass.issued", "pass.used", "device.enrolled", "session.completed",
                    "pass.revoked",
                ])
            #expect(events.allSatisfy { $0.sessionId == session.id && $0.state == .completed })
            #expect(events.map { Int64($0.id)! } == events.map { Int64($0.id)! }.sorted())
            #expect(!stream.text.contains(pass) && !stream.text.contains(pass.replacingOccurrences(of: "-", with: "")))

            var resume = HTTPFixture.headers(fixture.adminToken, json: false)
            resume[HTTPField.Name("Last-Event-ID")!] = events[2].id
            let rest = try await client.execute(uri: "/v1/sessions/\(session.id)/events", method: .get, headers: resume)
            #expect(try Self.events(in: rest.text).map(\.id) == events.dropFirst(3).map(\.id))
        }
    }

    @Test func aStreamOpenedBeforeTheDeviceActsDeliversEachStepLiveAndEndsAtCompletion() async throws {
        let fixture = try await HTTPFixture(eventStreamLifetime: .seconds(30))
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(fixture.adminToken),
                body: ByteBuffer(string: HTTPFixture.deviceSessionBody))
            let session = try created.decode(SessionView.self)
            let pass = try #require(session.pass?.temporaryAccessPass)
            let http = LoopbackClient(port: try #require(client.port))
            let follower = Task {
                try await http.send("GET", "/v1/sessions/\(session.id)/events", token: fixture.adminToken)
            }
            try await Self.waitUntil { fixture.store.feed.listenerCount == 1 }

            let redeem = #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "\#(pass)"}"#
            let (_, redeemed) = try await http.send("POST", "/v1/redeem", body: redeem)
            let token = try WireJSON.decoder().decode(RedeemResponse.self, from: redeemed).sessionToken
            _ = try await http.send(
                "POST", "/v1/enrollment/device", token: token, body: #"{"serialNumber": "C02XK1ZZJG5H"}"#)

            let (status, body) = try await follower.value
            #expect(status == 200)
            let events = try Self.events(in: String(decoding: body, as: UTF8.self))
            #expect(
                events.map(\.type.rawValue) == [
                    "session.created", "pass.issued", "pass.used", "device.enrolled", "session.completed",
                    "pass.revoked",
                ])
            try await Self.waitUntil { fixture.store.feed.listenerCount == 0 }
        }
    }

    @Test func aSiteStreamCarriesOnlyItsSitesSessionsFromNowOn() async throws {
        // The stream ends at its lifetime, and both creates must land inside it: two seconds was too short
        // for the ThreadSanitizer run, where every suite runs at once ten times slower.
        let fixture = try await HTTPFixture(eventStreamLifetime: .seconds(6))
        defer { fixture.cleanUp() }
        let kiosk = try await fixture.token(.kiosk, site: "bench-1")
        let board = try await fixture.token(.board, site: "bench-1")
        try await fixture.application().test(.live) { client in
            let http = LoopbackClient(port: try #require(client.port))
            // Before the stream opens: not part of a stream that starts now.
            _ = try await http.send("POST", "/v1/sessions", token: kiosk, body: Self.fido2Body("early"))
            let follower = Task { try await http.send("GET", "/v1/events", token: board) }
            try await Self.waitUntil { fixture.store.feed.listenerCount == 1 }
            let (_, mine) = try await http.send("POST", "/v1/sessions", token: kiosk, body: Self.fido2Body("mine"))
            let (_, other) = try await http.send(
                "POST", "/v1/sessions", token: fixture.adminToken, body: Self.fido2Body("other", site: "bench-2"))
            let mineID = try WireJSON.decoder().decode(SessionView.self, from: mine).id
            let otherID = try WireJSON.decoder().decode(SessionView.self, from: other).id

            let (status, body) = try await follower.value  // ends when its two-second lifetime is over
            #expect(status == 200)
            let events = try Self.events(in: String(decoding: body, as: UTF8.self))
            #expect(events.map(\.type.rawValue) == ["session.created", "pass.issued"])
            #expect(events.allSatisfy { $0.sessionId == mineID })
            #expect(!events.contains { $0.sessionId == otherID })
        }
    }

    @Test func refusals() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let kiosk = try await fixture.token(.kiosk, site: "bench-1")
        let otherKiosk = try await fixture.token(.kiosk, site: "bench-2")
        let board = try await fixture.token(.board, site: "bench-1")
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: HTTPFixture.headers(kiosk),
                body: ByteBuffer(string: Self.fido2Body("x")))
            let id = try created.decode(SessionView.self).id

            for bad in ["abc", "-1", "1.5", "99999999999999999999", ""] {
                var headers = HTTPFixture.headers(kiosk, json: false)
                headers[HTTPField.Name("Last-Event-ID")!] = bad
                let response = try await client.execute(
                    uri: "/v1/sessions/\(id)/events", method: .get, headers: headers)
                #expect(
                    response.status == .badRequest && response.problemCode == "invalid_request", "Last-Event-ID \(bad)")
            }
            let foreign = try await client.execute(
                uri: "/v1/sessions/\(id)/events", method: .get, headers: HTTPFixture.headers(otherKiosk, json: false))
            #expect(foreign.status == .notFound)
            let otherSite = try await client.execute(
                uri: "/v1/events?site=bench-2", method: .get, headers: HTTPFixture.headers(kiosk, json: false))
            #expect(otherSite.status == .forbidden && otherSite.problemCode == "forbidden")
            let badSite = try await client.execute(
                uri: "/v1/events?site=%00", method: .get, headers: HTTPFixture.headers(fixture.adminToken, json: false))
            #expect(badSite.status == .badRequest)
            let boardOnSession = try await client.execute(
                uri: "/v1/sessions/\(id)/events", method: .get, headers: HTTPFixture.headers(board, json: false))
            #expect(boardOnSession.status == .forbidden)
        }
    }

    static func fido2Body(_ user: String, site: String? = nil) -> String {
        let siteField = site.map { #", "site": "\#($0)""# } ?? ""
        return #"{"scenario": "fido2Registration", "userPrincipalName": "\#(user)@contoso.example"\#(siteField)}"#
    }

    /// Polls a condition that another task makes true, failing after five seconds.
    static func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within 5 s")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
