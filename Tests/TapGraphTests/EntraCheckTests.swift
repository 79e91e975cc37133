import Foundation
import TapCore
import TapGraph
import TapGraphEmulator
import TapTestSupport
import Testing

@testable import TapAdmin

@Suite("tapstation entra check")
struct EntraCheckTests {
    @Test func reportsThePolicyWhenEverythingWorks() async throws {
        let fixture = try await EntraFixture()
        let settings = try Self.settings(fixture, secret: fixture.secret)
        let report = await EntraCheck.run(settings.graph, http: fixture.http, now: { fixture.clock.now })
        #expect(report.isHealthy)
        #expect(report.lines.contains("token:          ok (app-only, scope \(fixture.emulator.baseURL)/.default)"))
        #expect(
            report.lines.contains(
                "TAP policy:     enabled; lifetime 60-480 min (default 60), length 8, one-time only: no"))
        #expect(!report.lines.joined().contains(fixture.secret))
        await fixture.cleanUp()
    }

    @Test func saysExactlyWhatIsWrong() async throws {
        let fixture = try await EntraFixture()
        let wrong = try Self.settings(fixture, secret: "not-the-secret")
        let refused = await EntraCheck.run(wrong.graph, http: fixture.http, now: { fixture.clock.now })
        #expect(!refused.isHealthy)
        #expect(refused.lines.contains { $0.contains("AADSTS7000215") })
        #expect(refused.lines.contains { $0.contains("the client secret is wrong or expired") })
        #expect(!refused.lines.joined().contains("not-the-secret"))

        fixture.emulator.fail(.policy, status: 403)
        let denied = await EntraCheck.run(
            try Self.settings(fixture, secret: fixture.secret).graph, http: fixture.http, now: { fixture.clock.now })
        #expect(!denied.isHealthy)
        #expect(
            denied.lines.contains(
                "  fix:          grant the application permission Policy.Read.AuthenticationMethod and grant admin consent"
            ))

        fixture.emulator.policy["state"] = "disabled"
        let disabled = await EntraCheck.run(
            try Self.settings(fixture, secret: fixture.secret).graph, http: fixture.http, now: { fixture.clock.now })
        #expect(!disabled.isHealthy)
        #expect(disabled.lines.contains("TAP policy:     the Temporary Access Pass method is disabled"))
        await fixture.cleanUp()
    }

    @Test func configurationErrorsNameTheKey() throws {
        let directory = temporaryDirectory("entra-settings")
        defer { try? FileManager.default.removeItem(at: directory) }
        func load(_ environment: [String: String]) throws -> EntraSettings {
            try EntraSettings.load(
                try ConfigurationSource.server(
                    explicitPath: nil, environment: environment.merging(["TAPSTATION_CONFIG": "/dev/null"]) { $1 }))
        }
        let base = [
            "TAPSTATION_PASS_AUTHORITY": "entra", "TAPSTATION_ENTRA_TENANT_ID": "contoso.onmicrosoft.com",
            "TAPSTATION_ENTRA_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
        ]
        #expect(throws: ConfigurationError.self) { try load(base) }
        #expect(throws: ConfigurationError.self) {
            try load(base.merging(["TAPSTATION_ENTRA_CLIENT_SECRET_FILE": "/nonexistent"]) { $1 })
        }
        let secretPath = directory.appendingPathComponent("secret").path
        try "  the-secret \n".write(toFile: secretPath, atomically: true, encoding: .utf8)
        do {
            _ = try load(base.merging(["TAPSTATION_ENTRA_CLIENT_SECRET_FILE": secretPath]) { $1 })
            Issue.record("a client secret other users can read was accepted")
        } catch let error as ConfigurationError {
            #expect(
                error.description.hasPrefix(
                    "TAPSTATION_ENTRA_CLIENT_SECRET_FILE: \(secretPath) can be read by other users (mode 644)"))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretPath)
        // Through a link, as systemd credentials and mounted secrets are: the file's own mode is what counts.
        let linkPath = directory.appendingPathComponent("secret-link").path
        try FileManager.default.createSymbolicLink(atPath: linkPath, withDestinationPath: secretPath)
        #expect(
            try load(base.merging(["TAPSTATION_ENTRA_CLIENT_SECRET_FILE": linkPath]) { $1 }).graph.tokenURL.hasSuffix(
                "/token"))
        let loaded = try load(base.merging(["TAPSTATION_ENTRA_CLIENT_SECRET_FILE": secretPath]) { $1 })
        #expect(loaded.graph.tokenURL == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token")
        #expect(loaded.rule == .enrolled)
        do {
            _ = try load(
                base.merging([
                    "TAPSTATION_ENTRA_CLIENT_SECRET_FILE": secretPath,
                    "TAPSTATION_ENTRA_GRAPH_HOST": "http://graph.example",
                ]) { $1 })
            Issue.record("plain HTTP to another host was accepted")
        } catch let error as ConfigurationError {
            #expect(error.description == "TAPSTATION_ENTRA_GRAPH_HOST must use https, got http://graph.example")
        }
        let keyPath = directory.appendingPathComponent("key.pem").path,
            certificatePath = directory.appendingPathComponent("cert.pem").path
        try TestKey.rsa.privateKeyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: keyPath)
        let der = CertificateSpec(subject: [("2.5.4.3", "other")]).issue(for: TestKey.rsaOther)
        let pem =
            "-----BEGIN CERTIFICATE-----\n\(Data(der).base64EncodedString(options: .lineLength64Characters))\n-----END CERTIFICATE-----\n"
        try pem.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        do {
            _ = try load(
                base.merging([
                    "TAPSTATION_ENTRA_CERTIFICATE_FILE": certificatePath, "TAPSTATION_ENTRA_PRIVATE_KEY_FILE": keyPath,
                ]) { $1 })
            Issue.record("a private key its group can read was accepted")
        } catch let error as ConfigurationError {
            #expect(
                error.description.hasPrefix(
                    "TAPSTATION_ENTRA_PRIVATE_KEY_FILE: \(keyPath) can be read by other users (mode 640)"))
        }
        // The certificate is public: its mode is not checked.
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: keyPath)
        do {
            _ = try load(
                base.merging([
                    "TAPSTATION_ENTRA_CERTIFICATE_FILE": certificatePath, "TAPSTATION_ENTRA_PRIVATE_KEY_FILE": keyPath,
                ]) { $1 })
            Issue.record("a key of another certificate was accepted")
        } catch let error as ConfigurationError {
            #expect(
                error.description
                    == "TAPSTATION_ENTRA_PRIVATE_KEY_FILE is not the key of TAPSTATION_ENTRA_CERTIFICATE_FILE")
        }
    }

    static func settings(_ fixture: EntraFixture, secret: String) throws -> EntraSettings {
        let path = fixture.directory.appendingPathComponent("client-secret-\(UUID().uuidString)").path
        try secret.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let environment = [
            "TAPSTATION_CONFIG": "/dev/null", "TAPSTATION_PASS_AUTHORITY": "entra",
            "TAPSTATION_ENTRA_TENANT_ID": fixture.emulator.tenant,
            "TAPSTATION_ENTRA_CLIENT_ID": fixture.emulator.clientID,
            "TAPSTATION_ENTRA_CLIENT_SECRET_FILE": path, "TAPSTATION_ENTRA_AUTHORITY_HOST": fixture.emulator.baseURL,
            "TAPSTATION_ENTRA_GRAPH_HOST": fixture.emulator.baseURL,
        ]
        return try EntraSettings.load(try ConfigurationSource.server(explicitPath: nil, environment: environment))
    }
}
