import Foundation
import Testing

@testable import TapKiosk

/// deploy/kiosk.conf.example must parse and resolve as the kiosk reads it, and name every kiosk key.
@Suite("Deploy example kiosk config")
struct DeployKioskConfigTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/kiosk.conf.example").path

    @Test func theExampleResolvesAndMentionsEveryKey() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let file = try KioskConfiguration.parseFile(text, name: "kiosk.conf.example")
        let configuration = try KioskConfiguration.resolve(flags: .init(), environment: [:], file: file)
        #expect(configuration.tokenFile == KioskConfiguration.defaultTokenFile)
        #expect(configuration.server.scheme == "https")
        let missing = KioskConfiguration.keys.filter { !text.contains($0) }
        #expect(missing.isEmpty, "deploy/kiosk.conf.example lacks \(missing.sorted())")
    }
}
