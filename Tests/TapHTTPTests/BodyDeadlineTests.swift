import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import TapHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// A client that sends the head of a request and then its body slowly, or not at all, over a real socket:
/// the server's body deadline (``RequestBodyDeadlineHandler``) is what answers it.
@Suite("A request body that does not arrive in time")
struct BodyDeadlineTests {
    static let head = "POST /v1/redeem HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    static let body = #"{"userPrincipalName": "ada@contoso.example", "temporaryAccessPass": "ABCD-EFGH-JKLM"}"#

    @Test func aBodyThatStopsHalfWayIsAnswered408AndTheConnectionCloses() async throws {
        let fixture = try await HTTPFixture(bodyTimeout: .seconds(1))
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            let start = ContinuousClock.now
            try connection.send(Self.head + "Content-Length: \(Self.body.utf8.count)\r\n\r\n" + Self.body.prefix(20))
            let answer = try await connection.readUntilClosed()
            let waited = ContinuousClock.now - start
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains("\"request_timeout\""))
            #expect(waited >= .milliseconds(900) && waited < .seconds(10), "answered after \(waited)")
        }
    }

    /// The case the idle timeout cannot catch: every byte resets it, so only a deadline on the whole body does.
    /// The client drips the whole body, a byte every 100 ms (9 s in all, against a 1 s deadline), until the
    /// server answers. Without the deadline the body would complete and be judged (401). No wall-clock bound:
    /// under ThreadSanitizer the drip itself runs slower than its sleeps say.
    @Test func aBodyDrippedAByteAtATimeIsCutOffBeforeItEnds() async throws {
        let fixture = try await HTTPFixture(bodyTimeout: .seconds(1))
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            try connection.send(Self.head + "Content-Length: \(Self.body.utf8.count)\r\n\r\n")
            var dripped = 0
            for character in Self.body where !connection.hasSomethingToRead() {
                guard (try? connection.send(String(character))) != nil else { break }  // closed by the server
                dripped += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            let answer = try await connection.readUntilClosed()
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(dripped < Self.body.utf8.count, "the whole body arrived before the server answered")
        }
    }

    /// A body in pieces that ends in time is read whole; the deadline is disarmed with it, so the same connection
    /// still serves a request sent after the first one's deadline would have passed.
    @Test func aBodyInPiecesWithinTheDeadlineIsReadAndTheConnectionStaysUsable() async throws {
        // The pause between the pieces is a tenth of the deadline: under ThreadSanitizer on a loaded pool, a
        // 300 ms sleep beside a 1 s deadline overslept it.
        let fixture = try await HTTPFixture(bodyTimeout: .seconds(2))
        defer { fixture.cleanUp() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            let request = Self.head + "Content-Length: \(Self.body.utf8.count)\r\n\r\n" + Self.body
            let split = request.index(request.endIndex, offsetBy: -30)
            try connection.send(String(request[..<split]))
            try await Task.sleep(for: .milliseconds(200))
            try connection.send(String(request[split...]))
            // No such pass: the body was read and judged, not timed out.
            #expect(try await connection.readResponse().hasPrefix("HTTP/1.1 401"))

            try await Task.sleep(for: .milliseconds(2500))
            try connection.send(request)
            #expect(try await connection.readResponse().hasPrefix("HTTP/1.1 401"))
        }
    }
}

/// A blocking TCP connection to the test server, with send and receive timeouts so that a test cannot hang.
/// Reads (and large sends) block a thread of their own: on the concurrency pool they would starve the server in
/// the same process.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawConnectionError.failed("socket") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { close(socket); throw RawConnectionError.failed("connect") }
    }

    deinit { close(socket) }

    /// Whether the server has sent something (or closed) that a read would return now.
    func hasSomethingToRead() -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw RawConnectionError.failed("send") }
    }

    /// Sends all of `bytes` from a thread of its own; throws if the server stops reading for 10 s or resets.
    func sendAll(_ bytes: [UInt8]) async throws {
        _ = try await onOwnThread {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes {
                    Glibc.send(self.socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                guard sent > 0 else {
                    throw RawConnectionError.failed("send stalled or failed after \(offset) bytes (errno \(errno))")
                }
                offset += sent
            }
            return ""
        }
    }

    /// What the server sends until `marker` has arrived; throws if it has not within 10 s.
    func readUntil(_ marker: String) async throws -> String {
        try await onOwnThread {
            var received: [UInt8] = []
            while !String(decoding: received, as: UTF8.self).contains(marker) {
                let chunk = try self.receive()
                guard !chunk.isEmpty else {
                    throw RawConnectionError.failed(
                        "closed before \(marker): \(String(decoding: received, as: UTF8.self))")
                }
                received += chunk
            }
            return String(decoding: received, as: UTF8.self)
        }
    }

    /// Closes the connection from this side.
    func shutDown() { shutdown(socket, Int32(SHUT_RDWR)) }

    /// Everything the server sends until it closes the connection; throws if it has not closed within 10 s.
    func readUntilClosed() async throws -> String {
        try await onOwnThread { try self.blockingReadUntilClosed() }
    }

    /// One response: its head and a body of its Content-Length.
    func readResponse() async throws -> String {
        try await onOwnThread { try self.blockingReadResponse() }
    }

    private func onOwnThread(_ body: @escaping @Sendable () throws -> String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private func blockingReadUntilClosed() throws -> String {
        var received: [UInt8] = []
        while true {
            let chunk: [UInt8]
            do { chunk = try receive() } catch {
                throw RawConnectionError.failed("not closed; received: \(String(decoding: received, as: UTF8.self))")
            }
            if chunk.isEmpty { return String(decoding: received, as: UTF8.self) }
            received += chunk
        }
    }

    private func blockingReadResponse() throws -> String {
        var received: [UInt8] = []
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let length =
                    text[..<end.lowerBound].split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text[..<end.upperBound].utf8.count >= length { return text }
            }
            let chunk = try receive()
            guard !chunk.isEmpty else { throw RawConnectionError.failed("closed before a whole response: \(text)") }
            received += chunk
        }
    }

    private func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw RawConnectionError.failed("recv (errno \(errno))") }
        return Array(buffer.prefix(count))
    }
}

enum RawConnectionError: Error {
    case failed(String)
}
