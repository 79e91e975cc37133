import Foundation
import TapCore
import Testing

@testable import TapAdmin

/// deploy/tapstation.conf.example is what an admin copies to /etc: it must parse, give a configuration the
/// service accepts, and mention every key the service reads, so a new setting cannot ship undocumented there.
@Suite("Deploy example config")
struct DeployConfigTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/tapstation.conf.example").path

    @Test func theExampleParsesIntoAConfigurationTheServiceAccepts() throws {
        let settings = try ConfigurationSource.server(explicitPath: Self.examplePath, environment: [:])
        let configuration = try ServeSettings.serverConfiguration(settings: settings, host: nil, port: nil)
        #expect(configuration.host == "127.0.0.1")
        #expect(!configuration.trustedProxies.isEmpty, "nginx in front must be believed")
        #expect(DataDirectory(flag: nil, settings: settings).path == "/var/lib/tapstation")
    }

    @Test func theExampleMentionsEveryServerKey() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let missing = ServeSettings.keys.known.filter { key in
            !text.split(separator: "\n").contains { line in
                let trimmed = line.drop { $0 == "#" || $0 == " " }
                return trimmed.hasPrefix("\(key)=")
            }
        }
        #expect(missing.isEmpty, "deploy/tapstation.conf.example lacks \(missing.sorted())")
    }
}
