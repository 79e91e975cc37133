import Foundation
import TapAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Options of commands that talk to a running service over its API.
struct RemoteOptions: ParsableArgumentsWithDefaults {
    @Option(help: "The service's base URL (or TAPSTATION_SERVER), e.g. https://tap.contoso.example.") var server: String?
    @Option(name: .customLong("token-file"), help: "A file holding an operator token (or TAPSTATION_TOKEN_FILE); never pass a token on the command line.")
    var tokenFile: String?

    /// A client for the configured service, with the token read from its file.
    func client() throws -> RemoteClient {
        let environment = ProcessInfo.processInfo.environment
        guard let server = server ?? environment["TAPSTATION_SERVER"], let base = URL(string: server),
            base.scheme == "http" || base.scheme == "https"
        else { throw ConfigurationError("--server (or TAPSTATION_SERVER) must be the service's http(s) URL") }
        guard let path = tokenFile ?? environment["TAPSTATION_TOKEN_FILE"] else {
            throw ConfigurationError("--token-file (or TAPSTATION_TOKEN_FILE) must name a file holding an operator token")
        }
        guard let data = FileManager.default.contents(atPath: path),
            let token = String(data: data, encoding: .utf8)?.split(whereSeparator: \.isNewline).first.map(String.init),
            token.hasPrefix("tso_")
        else { throw ConfigurationError("\(path) does not hold an operator token (tso_…)") }
        return RemoteClient(base: base, token: token.trimmingCharacters(in: .whitespaces))
    }
}

import ArgumentParser

/// Marker so the options group reads as one thing in help output.
protocol ParsableArgumentsWithDefaults: ParsableArguments {}

/// A small JSON client for the TapStation API: the CLI's remote commands use it.
struct RemoteClient: Sendable {
    let base: URL
    let token: String

    /// Sends a request and decodes a 2xx answer; a problem answer becomes a readable error (exit 1).
    func send<Answer: Decodable>(
        _ method: String, _ path: String, body: (some Encodable)? = nil as String?, headers: [String: String] = [:],
        timeout: TimeInterval = 30, as: Answer.Type
    ) async throws -> Answer {
        var request = URLRequest(url: base.appendingPathComponent(path))
        request.httpMethod = method
        request.timeoutInterval = timeout
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = try WireJSON.encoder().encode(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw RemoteError("cannot reach \(base.absoluteString): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
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
    init(_ description: String) { self.description = description }
}
