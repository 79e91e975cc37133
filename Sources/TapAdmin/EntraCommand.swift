import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import TapCore
import TapCrypto
import TapGraph

/// `tapstation entra`: Entra mode's administration.
struct EntraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entra", abstract: "Entra ID mode: check the app registration and Graph access.",
        subcommands: [Check.self])

    /// `tapstation entra check`: gets a token, reads the TAP policy and prints what it found, or exactly
    /// what is wrong. Exit 0 when Entra mode can work, 1 when a check failed, 2 for a configuration error.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Get a token, read the Temporary Access Pass policy, report.")

        @Option(name: .customLong("config"), help: "Config file (KEY=value lines; see docs/configuration.md).")
        var configFile: String?

        func run() async throws {
            let settings = try EntraSettings.load(try ConfigurationSource.server(explicitPath: configFile))
            let http = HTTPClient(
                eventLoopGroupProvider: .singleton,
                // No redirects: a bearer token goes to the configured hosts and nowhere else.
                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
            let report = await EntraCheck.run(settings.graph, http: http)
            try? await http.shutdown()
            // Lines quote Microsoft's error messages: nothing of theirs may drive the terminal.
            for line in report.lines { print(TerminalText.sanitized(line)) }
            if !report.isHealthy { throw ExitCode(1) }
        }
    }
}

/// What `tapstation entra check` found, line by line.
struct EntraCheck {
    var lines: [String] = []
    var isHealthy = true

    /// Runs the checks: configuration, token, TAP policy (which also proves the Graph host and permission).
    static func run(
        _ configuration: GraphConfiguration, http: HTTPClient, now: @escaping @Sendable () -> Date = Date.init
    ) async -> EntraCheck {
        var report = EntraCheck()
        report.lines.append("tenant:         \(configuration.tenant)")
        report.lines.append("client id:      \(configuration.clientID)")
        switch configuration.credential {
        case .secret:
            report.lines.append("credential:     client secret (from TAPSTATION_ENTRA_CLIENT_SECRET_FILE)")
        case .certificate(_, let certificate):
            let thumbprint =
                (try? Crypto.sha1(certificate.derEncoded))?.map { String(format: "%02X", $0) }.joined() ?? "?"
            report.lines.append(
                "credential:     certificate, SHA-1 thumbprint \(thumbprint) (upload it to the app registration)")
            if let notAfter = certificate.notAfter, notAfter < now().addingTimeInterval(30 * 86_400) {
                report.lines.append("warning:        the certificate expires \(notAfter); upload a new one before then")
            }
        }
        report.lines.append("token endpoint: \(configuration.tokenURL)")
        report.lines.append("graph:          \(GraphConfiguration.trimmed(configuration.graphHost))")
        let tokens = TokenClient(configuration: configuration, http: http, now: now)
        do {
            _ = try await tokens.token()
            report.lines.append("token:          ok (app-only, scope \(configuration.scope))")
        } catch let error as GraphError {
            report.fail("token:          FAILED: \(error)", hint: hint(for: error))
            return report
        } catch {
            report.fail("token:          FAILED: \(type(of: error))", hint: nil)
            return report
        }
        var logger = Logger(label: "tapstation.entra-check")
        logger.logLevel = .critical
        let graph = GraphClient(configuration: configuration, http: http, tokens: tokens, logger: logger)
        do {
            let policy = try await graph.temporaryAccessPassPolicy()
            let limits = policy.limits
            report.lines.append(
                "TAP policy:     \(policy.state); lifetime \(limits.minimumLifetimeInMinutes)-\(limits.maximumLifetimeInMinutes) min"
                    + " (default \(policy.defaultLifetimeInMinutes.map(String.init) ?? "?")), length \(policy.defaultLength.map(String.init) ?? "?")"
                    + ", one-time only: \(policy.isUsableOnce == true ? "yes" : "no")")
            if !limits.isEnabled {
                report.fail(
                    "TAP policy:     the Temporary Access Pass method is disabled",
                    hint:
                        "enable it: Entra admin center > Protection > Authentication methods > Temporary Access Pass, and target the users"
                )
            }
        } catch let error as GraphError {
            report.fail(
                "TAP policy:     FAILED: \(error)",
                hint: hint(for: error, permission: "Policy.Read.AuthenticationMethod"))
        } catch {
            report.fail("TAP policy:     FAILED: \(type(of: error))", hint: nil)
        }
        report.lines.append(report.isHealthy ? "result:         ok" : "result:         problems found")
        return report
    }

    mutating func fail(_ line: String, hint: String?) {
        isHealthy = false
        lines.append(line)
        if let hint { lines.append("  fix:          \(hint)") }
    }

    static func hint(for error: GraphError, permission: String? = nil) -> String? {
        switch error {
        case .authentication(_, let code, let message):
            if message.contains("AADSTS7000215") || message.contains("AADSTS7000222") {
                return
                    "the client secret is wrong or expired: make a new one and put it in TAPSTATION_ENTRA_CLIENT_SECRET_FILE"
            }
            if message.contains("AADSTS700027") || message.contains("AADSTS700024") {
                return "upload this certificate to the app registration (Certificates & secrets), and check the clock"
            }
            if message.contains("AADSTS700016") {
                return "no app with this client id in the tenant: check TAPSTATION_ENTRA_CLIENT_ID"
            }
            if message.contains("AADSTS90002") { return "no such tenant: check TAPSTATION_ENTRA_TENANT_ID" }
            return "the token endpoint refused the app (\(code)); check the tenant, client id and credential"
        case .refused(403, _, _):
            return "grant the application permission \(permission ?? "needed") and grant admin consent"
        case .refused(401, _, _):
            return
                "the token was refused by Graph: check TAPSTATION_ENTRA_GRAPH_HOST matches the cloud of the authority host"
        case .unavailable, .throttled:
            return
                "check TAPSTATION_ENTRA_AUTHORITY_HOST / TAPSTATION_ENTRA_GRAPH_HOST and outbound HTTPS from this machine"
        case .refused, .malformedResponse:
            return nil
        }
    }
}
