import Foundation
import Testing

@testable import TapKiosk

@Suite("Rendering")
struct RenderingTests {
    let screen = Screen(
        title: "Enroll C02XK1ZZJG5H",
        body: [.text("Temporary access pass:"), .pass("K7QM-3XRP-HV9T"), .choice(key: "1", title: "Menu")],
        notice: "Something happened", prompt: "Choose:")

    @Test func theBannerFitsEightyColumnsAndWrapsByGroups() throws {
        let wide = try #require(PassBanner.rows(for: "K7QM-3XRP-HV9T", width: 78))
        #expect(wide.count == PassBanner.height)
        #expect(wide.allSatisfy { $0.count <= 78 })
        let narrow = try #require(PassBanner.rows(for: "K7QM-3XRP-HV9T", width: 38))
        #expect(narrow.count == 3 * PassBanner.height + 2)
        #expect(PassBanner.rows(for: "K7QM-3XRP-HV9T", width: 20) == nil)
        #expect(PassBanner.rows(for: "K7QM-0OOO", width: 78) == nil, "no glyph outside the pass alphabet")
    }

    @Test func everySymbolOfThePassAlphabetHasAGlyph() {
        for symbol in "23456789ABCDEFGHJKMNPQRSTUVWXYZ" {
            #expect(PassBanner.font[symbol]?.count == PassBanner.height)
            #expect(PassBanner.font[symbol]?.allSatisfy { $0.count == 5 } == true)
        }
    }

    @Test func plainOutputHasNoEscapeSequenceAndSkipsRefreshes() throws {
        let renderer = ScreenRenderer(style: .plain)
        let text = try #require(renderer.render(screen, width: 80))
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("! Something happened"))
        #expect(renderer.render(screen, width: 80, isRefresh: true) == nil)
        #expect(renderer.wipe() == String(repeating: "\n", count: ScreenRenderer.plainWipeLines))
    }

    @Test func ansiClearsAndWipesTheScrollback() throws {
        let text = try #require(ScreenRenderer(style: .ansi).render(screen, width: 80, isRefresh: true))
        #expect(text.hasPrefix("\u{1B}[H\u{1B}[2J"))
        #expect(ScreenRenderer(style: .ansi).wipe().contains("\u{1B}[3J"))
        let monochrome = try #require(ScreenRenderer(style: .monochrome).render(screen, width: 80))
        #expect(!monochrome.contains("\u{1B}[1;33m"), "NO_COLOR: no colour, only clearing and reverse video")
    }

    @Test func longWordsAreCutAndLinesWrapped() {
        let renderer = ScreenRenderer(style: .plain)
        #expect(renderer.wrap("aaaa bbbb cccc", width: 9) == ["aaaa bbbb", "cccc"])
        #expect(renderer.wrap(String(repeating: "x", count: 25), width: 10) == ["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"])
    }
}

@Suite("Configuration")
struct KioskConfigurationTests {
    @Test func flagsBeatEnvironmentBeatsTheFile() throws {
        let file = try KioskConfiguration.parseFile(
            """
            # kiosk at the Helsinki bench
            TAPKIOSK_SERVER="https://file.example"
            TAPKIOSK_IDLE_TIMEOUT_SECONDS=60
            TAPSTATION_PORT=8080
            TAPKIOSK_SCANNER_PREFIXES=#S#, ]Q1
            """, name: "kiosk.conf")
        let environment = ["TAPKIOSK_SERVER": "https://env.example", "NO_COLOR": "1"]
        let fromEnvironment = try KioskConfiguration.resolve(flags: .init(), environment: environment, file: file)
        #expect(fromEnvironment.server.absoluteString == "https://env.example")
        #expect(fromEnvironment.idleTimeout == 60)
        #expect(fromEnvironment.style == .monochrome)
        #expect(fromEnvironment.scanner.prefixes == ["#S#", "]Q1"])
        #expect(fromEnvironment.enrollmentPageURL == "https://env.example/enroll")
        #expect(fromEnvironment.tokenFile == KioskConfiguration.defaultTokenFile)
        let fromFlags = try KioskConfiguration.resolve(
            flags: .init(server: "http://flag.example:8080/", tokenFile: "/tmp/t", plain: true),
            environment: environment, file: file)
        #expect(fromFlags.server.absoluteString == "http://flag.example:8080/")
        #expect(fromFlags.enrollmentPageURL == "http://flag.example:8080/enroll")
        #expect(fromFlags.style == .plain)
        #expect(fromFlags.tokenFile == "/tmp/t")
    }

    @Test(arguments: [
        ("TAPKIOSK_SERVR=https://x", "kiosk.conf:1: unknown key TAPKIOSK_SERVR"),
        ("just words", "kiosk.conf:1: not a KEY=value line"),
        (
            "\nTAPKIOSK_ENROLMENT_CODE=ABCD",
            "kiosk.conf:2: an enrolment code does not belong in a file; type it at the kiosk"
        ),
    ])
    func fileMistakesNameTheLine(text: String, message: String) {
        #expect(throws: KioskConfiguration.Problem(message)) {
            try KioskConfiguration.parseFile(text, name: "kiosk.conf")
        }
    }

    @Test(arguments: [
        ([String: String](), "no server"),
        (["TAPKIOSK_SERVER": "ftp://x"], "TAPKIOSK_SERVER must be"),
        (
            ["TAPKIOSK_SERVER": "https://x", "TAPKIOSK_DISPLAY_TIMEOUT_SECONDS": "0"],
            "TAPKIOSK_DISPLAY_TIMEOUT_SECONDS must be"
        ),
        (["TAPKIOSK_SERVER": "https://x", "TAPKIOSK_PLAIN": "maybe"], "TAPKIOSK_PLAIN must be true or false"),
    ])
    func badSettingsAreRefusedReadably(environment: [String: String], start: String) {
        do {
            _ = try KioskConfiguration.resolve(flags: .init(), environment: environment, file: [:])
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.description.hasPrefix(start), "\(error.description)")
        }
    }

    @Test func theDefaultFileIsReadOnlyWhenItExists() {
        #expect(KioskConfiguration.configFile(flags: .init(), environment: [:], exists: { _ in false }) == nil)
        #expect(
            KioskConfiguration.configFile(flags: .init(), environment: [:], exists: { _ in true })
                == KioskConfiguration.defaultConfigFile)
        #expect(
            KioskConfiguration.configFile(
                flags: .init(config: "/a"), environment: ["TAPKIOSK_CONFIG": "/b"], exists: { _ in true }) == "/a")
    }

    @Test func theTokenFileIsWrittenPrivatelyAndReadBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapkiosk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = TokenFile(path: directory.appendingPathComponent("state/token").path)
        #expect(try file.read() == nil)
        try file.write("")
        #expect(try file.read() == nil)
        let token = "tso_" + String(repeating: "a", count: 32)
        try file.write(token)
        #expect(try file.read() == token)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try "not a token".write(toFile: file.path, atomically: true, encoding: .utf8)
        #expect(throws: TokenFile.Problem.self) { try file.read() }
    }
}
