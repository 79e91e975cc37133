import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import TapTestSupport
import Testing

@testable import TapHTTP

/// Raw bytes over a real socket: a body larger than the limit from a client that writes it all before reading,
/// and bodies the HTTP parser cannot frame. ``LingeringCloseHandler`` and ``JSONBody`` answer them.
@Suite("Answers before the body ended, and bodies the parser cannot frame")
struct LingeringCloseTests {
    static let head = "POST /v1/redeem HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"

    /// Python's urllib with `Connection: close` writes the whole body, then reads. The server answers 413 after
    /// the first 64 KiB; before the lingering close it stopped reading there, the client's writes stalled, and
    /// after the 30 s idle timeout it got a reset instead of its 413. A keep-alive client gets the same: the answer
    /// says `Connection: close`, and the rest of the body is read and dropped (no longer drained in full).
    @Test(arguments: ["Connection: close\r\n", ""])
    func aTenMegabyteBodyWrittenWholeBeforeReadingGetsItsAnswer(_ connectionHeader: String) async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            let size = 10 * 1024 * 1024
            try connection.send(Self.head + "Content-Length: \(size)\r\n\(connectionHeader)\r\n")
            // Throws if the server stops reading for 10 s (the socket's send timeout) or resets the connection.
            try await connection.sendAll([UInt8](repeating: UInt8(ascii: "a"), count: size))
            let answer = try await connection.readUntilClosed()
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(answer.contains("\"payload_too_large\""))
            #expect(answer.lowercased().contains("connection: close"))
        }
    }

    /// A transfer coding the parser does not know, and a chunk size that overflows, on an unauthenticated route:
    /// each was a 500 with an error in the log; now a 400 `invalid_request`, logged at debug only.
    @Test(arguments: [
        "Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n",
    ])
    func aBodyTheParserCannotFrameIsA400LoggedAtDebug(_ framing: String) async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let lines = NIOLockedValueBox<[(Logger.Level, String)]>([])
        var logger = Logger(label: "lingering-close-test") { _ in
            RecordingLogHandler { line in lines.withLockedValue { $0.append((line.level, line.message)) } }
        }
        logger.logLevel = .trace
        let (router, _) = buildRouter(
            configuration: fixture.configuration, store: fixture.store, keyring: fixture.keyring, world: fixture.world)
        let app = Application(
            router: router, server: httpServer(fixture.configuration),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            try connection.send(Self.head + framing)
            let answer = try await connection.readUntilClosed()
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(answer.contains("\"invalid_request\""))
            #expect(answer.lowercased().contains("connection: close"))
        }
        let logged = lines.withLockedValue { $0 }
        #expect(!logged.contains { $0.0 >= .warning }, "\(logged.filter { $0.0 >= .warning })")
        #expect(logged.contains { $0.0 == .debug && $0.1 == "request.refused" })
    }
}
