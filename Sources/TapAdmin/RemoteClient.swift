import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TapAPI
import TapCore

/// Options of commands that talk to a running service over its API.
struct RemoteOptions: ParsableArgumentsWithDefaults {
    @Option(help: "The service's base URL (or TAPSTATION_SERVER), e.g. https://tap.contoso.example.") var server:
        String?
    @Option(
        name: .customLong("token-file"),
        help: "A file holding an operator token (or TAPSTATION_TOKEN_FILE); never pass a token on the command line.")
    var tokenFile: String?

    /// A client for the configured service, with the token read from its file.
    func client() throws -> RemoteClient {
        let environment = ProcessInfo.processInfo.environment
        guard let server = server ?? environment["TAPSTATION_SERVER"], let base = URL(string: server),
            base.scheme == "http" || base.scheme == "https"
        else { throw ConfigurationError("--server (or TAPSTATION_SERVER) must be the service's http(s) URL") }
        guard let path = tokenFile ?? environment["TAPSTATION_TOKEN_FILE"] else {
            throw ConfigurationError(
                "--token-file (or TAPSTATION_TOKEN_FILE) must name a file holding an operator token")
        }
        guard let data = FileManager.default.contents(atPath: path),
            let token = String(data: data, encoding: .utf8)?.split(whereSeparator: \.isNewline).first.map(String.init),
            token.hasPrefix("tso_")
        else { throw ConfigurationError("\(path) does not hold an operator token (tso_…)") }
        return RemoteClient(base: base, token: token.trimmingCharacters(in: .whitespaces))
    }
}

/// Marker so the options group reads as one thing in help output.
protocol ParsableArgumentsWithDefaults: ParsableArguments {}

/// A small JSON client for the TapStation API: the CLI's remote commands use it.
struct RemoteClient: Sendable {
    let base: URL
    let token: String

    /// Largest answer read; the API's biggest (a page of sessions, a batch's items) is far smaller.
    static let maximumAnswerBytes = 16 * 1024 * 1024

    /// Sends a request and decodes a 2xx answer; a problem answer becomes a readable error (exit 1).
    func send<Answer: Decodable>(
        _ method: String, _ path: String, body: (some Encodable)? = nil as String?, headers: [String: String] = [:],
        timeout: Int64 = 30, as: Answer.Type
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: base.appendingPathComponent(path).absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try WireJSON.encoder().encode(body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let status: Int, data: Data
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
            status = Int(response.status.code)
            data = Data(try await response.body.collect(upTo: Self.maximumAnswerBytes).readableBytesView)
        } catch {
            throw RemoteError("cannot reach \(base.absoluteString): \(error)")
        }
        guard (200..<300).contains(status) else {
            if let problem = try? WireJSON.decoder().decode(Problem.self, from: data) {
                throw RemoteError("\(status) \(problem.code): \(problem.detail)")
            }
            throw RemoteError("the service answered \(status)")
        }
        return try WireJSON.decoder().decode(Answer.self, from: data)
    }
}

/// A refusal or failure from the remote service (exit code 1).
struct RemoteError: Error, CustomStringConvertible {
    let description: String
    // It quotes the service's problem details: sanitised once here, however it is printed.
    init(_ description: String) { self.description = TerminalText.sanitized(description) }
}
