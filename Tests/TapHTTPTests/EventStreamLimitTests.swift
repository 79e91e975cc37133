import Foundation
import Hummingbird
import HummingbirdTesting
import TapAPI
import TapCore
import TapTestSupport
import Testing

@testable import TapHTTP

/// Event streams cannot take the service down: capped per operator and in total (429 `too_many_streams` with
/// `Retry-After` beyond), and a stream ends as soon as its token stops working.
@Suite("Event stream limits")
struct EventStreamLimitTests {
    /// A stream lifetime far beyond what ending on revocation or expiry takes (about a second, one token check):
    /// a stream that closes in under half of it was ended by the token, even on a loaded CI machine, where a
    /// 5-second bound once failed at 5.7 s.
    static let longLifetime: Duration = .seconds(60)

    /// The fixture's application with stream settings of the test's choosing.
    static func application(
        _ fixture: HTTPFixture, perOperator: Int = 8, total: Int = 256, heartbeat: Duration = .seconds(15)
    ) -> some ApplicationProtocol {
        var configuration = fixture.configuration
        configuration.maximumEventStreamsPerOperator = perOperator
        configuration.maximumEventStreams = total
        configuration.eventHeartbeat = heartbeat
        let (router, _) = buildRouter(
            configuration: configuration, store: fixture.store, keyring: fixture.keyring, world: fixture.world)
        return Application(
            router: router, server: httpServer(configuration),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
    }

    static func request(_ token: String, close: Bool = false) -> String {
        "GET /v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
            + (close ? "Connection: close\r\n" : "") + "\r\n"
    }

    /// Opens a site stream and waits for its opening comment.
    static func openStream(port: Int, token: String, close: Bool = false) async throws -> RawConnection {
        let connection = try RawConnection(port: port)
        try connection.send(request(token, close: close))
        let opening = try await connection.readUntil(": connected")
        #expect(opening.hasPrefix("HTTP/1.1 200"), "\(opening)")
        return connection
    }

    /// One more stream than the cap allows: its answer, which must be the 429.
    static func expectRefused(port: Int, token: String) async throws {
        let connection = try RawConnection(port: port)
        try connection.send(request(token))
        let answer = try await connection.readResponse()
        #expect(answer.hasPrefix("HTTP/1.1 429"), "\(answer)")
        #expect(answer.contains("\"too_many_streams\""))
        #expect(answer.lowercased().contains("retry-after: 30"))
    }

    @Test func anOperatorPastItsCapIsRefusedWhileAnotherStillConnects() async throws {
        let fixture = try await HTTPFixture(eventStreamLifetime: .seconds(30))
        defer { fixture.cleanUp() }
        let board = try await fixture.token(.board, site: "bench-1")
        let otherBoard = try await fixture.token(.board, site: "bench-2")
        try await Self.application(fixture, perOperator: 2).test(.live) { client in
            let port = try #require(client.port)
            let held = [
                try await Self.openStream(port: port, token: board),
                try await Self.openStream(port: port, token: board),
            ]
            try await Self.expectRefused(port: port, token: board)
            let other = try await Self.openStream(port: port, token: otherBoard)
            #expect(fixture.store.feed.listenerCount == 3)
            withExtendedLifetime((held, other)) {}
        }
    }

    /// The total cap holds across operators; a stream whose client left gives its place back (noticed at the next
    /// heartbeat it cannot write).
    @Test func theServerPastItsTotalCapIsRefusedUntilAStreamEnds() async throws {
        let fixture = try await HTTPFixture(eventStreamLifetime: .seconds(30))
        defer { fixture.cleanUp() }
        let first = try await fixture.token(.board, site: "bench-1")
        let second = try await fixture.token(.kiosk, site: "bench-1")
        let app = Self.application(fixture, perOperator: 2, total: 3, heartbeat: .milliseconds(200))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let firstStreams = [
                try await Self.openStream(port: port, token: first),
                try await Self.openStream(port: port, token: first),
            ]
            let secondStream = try await Self.openStream(port: port, token: second)
            try await Self.expectRefused(port: port, token: second)

            firstStreams[0].shutDown()
            try await EventStreamTests.waitUntil { fixture.store.feed.listenerCount == 2 }
            let again = try await Self.openStream(port: port, token: second)
            withExtendedLifetime((firstStreams, secondStream, again)) {}
        }
    }

    /// Revoking an operator ends its open streams at once; before, they kept receiving events for up to an hour.
    @Test func aRevokedOperatorsStreamEndsAtOnce() async throws {
        let fixture = try await HTTPFixture(eventStreamLifetime: Self.longLifetime)
        defer { fixture.cleanUp() }
        let board = try await fixture.token(.board, site: "bench-1")
        try await Self.application(fixture).test(.live) { client in
            let port = try #require(client.port)
            let http = LoopbackClient(port: port)
            let (_, me) = try await http.send("GET", "/v1/operators/me", token: board)
            let id = try WireJSON.decoder().decode(OperatorView.self, from: me).id
            let stream = try await Self.openStream(port: port, token: board, close: true)

            let (status, _) = try await http.send("DELETE", "/v1/operators/\(id)", token: fixture.adminToken)
            #expect(status == 200)
            let start = ContinuousClock.now
            let rest = try await stream.readUntilClosed()
            #expect(ContinuousClock.now - start < Self.longLifetime / 2, "only the revocation ends it this soon")
            #expect(rest.hasSuffix("0\r\n\r\n"), "the stream ended cleanly: \(rest)")
            try await EventStreamTests.waitUntil { fixture.store.feed.listenerCount == 0 }
        }
    }

    /// An expiring token's stream ends within about a second of its expiry, without any event to wake it.
    @Test func anExpiredTokensStreamEndsWithinSeconds() async throws {
        let fixture = try await HTTPFixture(eventStreamLifetime: Self.longLifetime)
        defer { fixture.cleanUp() }
        let expiry = fixture.clock.now.addingTimeInterval(3600)
        let board = try await fixture.token(.board, site: "bench-1", expiresAt: expiry)
        try await Self.application(fixture).test(.live) { client in
            let stream = try await Self.openStream(port: try #require(client.port), token: board, close: true)
            let start = ContinuousClock.now
            fixture.clock.advance(seconds: 3601)
            _ = try await stream.readUntilClosed()
            #expect(ContinuousClock.now - start < Self.longLifetime / 2, "only the expiry ends it this soon")
        }
    }
}
