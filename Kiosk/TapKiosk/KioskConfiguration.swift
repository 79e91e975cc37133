import Foundation
import TapCore

/// The kiosk's configuration, read once at start from flags, `TAPKIOSK_*` environment variables and the config
/// file (in that order of precedence) through TapCore's ``ConfigurationSource``, and checked before anything is
/// shown. The token is never a flag or a file setting: it lives in the token file, which the kiosk writes itself
/// after exchanging an enrolment code.
public struct KioskConfiguration: Sendable, Equatable {
    /// The service's base URL.
    public var server: URL
    /// Where the kiosk's operator token is kept (mode 0600).
    public var tokenFile: String
    /// No escape sequences at all (serial lines).
    public var plain: Bool
    /// Clear screens but no colour.
    public var noColor: Bool
    public var displayTimeout: TimeInterval
    public var idleTimeout: TimeInterval
    public var pollInterval: TimeInterval
    /// The address users open to register a key: the service's public URL + `/enroll`.
    public var enrollmentPageURL: String
    public var isEntraMode: Bool
    public var scanner: ScannedValue

    /// The config file read when none is named and it exists.
    public static let defaultConfigFile = "/etc/tapstation/kiosk.conf"
    /// Where the token is kept when no file is named.
    public static let defaultTokenFile = "/var/lib/tapkiosk/token"

    /// Every key the file and environment may hold.
    static var keys: Set<String> { configurationKeys.known }

    /// The kiosk's keys for the shared reader: `TAPSTATION_` keys in the same file belong to the service.
    static let configurationKeys = ConfigurationKeys(
        prefix: "TAPKIOSK_", known: knownKeys, otherPrefixes: ["TAPSTATION_"],
        notInFile: ["TAPKIOSK_ENROLMENT_CODE": "an enrolment code does not belong in a file; type it at the kiosk"],
        fileKey: "TAPKIOSK_CONFIG", defaultFile: defaultConfigFile)

    private static let knownKeys: Set<String> = [
        "TAPKIOSK_CONFIG", "TAPKIOSK_SERVER", "TAPKIOSK_TOKEN_FILE", "TAPKIOSK_PLAIN",
        "TAPKIOSK_DISPLAY_TIMEOUT_SECONDS",
        "TAPKIOSK_IDLE_TIMEOUT_SECONDS", "TAPKIOSK_POLL_INTERVAL_SECONDS", "TAPKIOSK_PUBLIC_URL", "TAPKIOSK_ENTRA_MODE",
        "TAPKIOSK_SCANNER_PREFIXES", "TAPKIOSK_SCANNER_SUFFIXES", "TAPKIOSK_USER_DOMAIN", "TAPKIOSK_ENROLMENT_CODE",
    ]

    /// What the command line gave.
    public struct Flags: Sendable, Equatable {
        public var server: String?
        public var tokenFile: String?
        public var config: String?
        public var plain: Bool

        /// Makes flags.
        public init(server: String? = nil, tokenFile: String? = nil, config: String? = nil, plain: Bool = false) {
            self.server = server
            self.tokenFile = tokenFile
            self.config = config
            self.plain = plain
        }
    }

    /// A configuration mistake, said so that the person at the kiosk can fix it (exit code 2).
    public typealias Problem = ConfigurationError

    /// The name of the config file to read: the flag, `TAPKIOSK_CONFIG`, or the default when it exists.
    public static func configFile(flags: Flags, environment: [String: String], exists: (String) -> Bool) -> String? {
        ConfigurationSource.configFile(
            keys: configurationKeys, flag: flags.config, environment: environment, exists: exists)
    }

    /// Reads the settings of a config file; `TAPSTATION_` keys belong to the service and are not checked here.
    public static func parseFile(_ text: String, name: String) throws(Problem) -> [String: String] {
        try ConfigurationSource.parse(text, name: name, keys: configurationKeys)
    }

    /// The configuration from the flags, the environment and the config file they name (or the default one).
    public static func load(flags: Flags, environment: [String: String]) throws(Problem) -> KioskConfiguration {
        let source = try ConfigurationSource(
            keys: configurationKeys, explicitPath: flags.config, environment: environment)
        return try resolve(flags: flags, environment: environment, file: source.file)
    }

    /// The configuration from flags, environment and file settings.
    public static func resolve(
        flags: Flags, environment: [String: String], file: [String: String]
    ) throws(Problem) -> KioskConfiguration {
        let source = ConfigurationSource(environment: environment, file: file)
        func setting(_ key: String) -> String? { source.value(key) }
        guard let serverText = flags.server ?? setting("TAPKIOSK_SERVER") else {
            throw Problem("no server: set TAPKIOSK_SERVER in \(defaultConfigFile) or pass --server URL")
        }
        guard let server = URL(string: serverText), server.scheme == "http" || server.scheme == "https",
            server.host != nil
        else {
            throw Problem("TAPKIOSK_SERVER must be the service's http(s) URL, e.g. https://tap.contoso.example")
        }
        func seconds(
            _ key: String, default value: TimeInterval, range: ClosedRange<Int>
        ) throws(Problem) -> TimeInterval {
            try source.integer(key, in: range).map(TimeInterval.init) ?? value
        }
        let truths = [
            "1": true, "true": true, "yes": true, "on": true, "0": false, "false": false, "no": false, "off": false,
            "": false,
        ]
        func flag(_ key: String) throws(Problem) -> Bool {
            try source.choice(key, truths, expected: "true or false") ?? false
        }
        func list(_ key: String) -> [String] { source.list(key) ?? [] }
        var publicURL = setting("TAPKIOSK_PUBLIC_URL") ?? serverText
        while publicURL.hasSuffix("/") { publicURL.removeLast() }
        guard let parsedPublic = URL(string: publicURL), parsedPublic.scheme == "http" || parsedPublic.scheme == "https"
        else {
            throw Problem("TAPKIOSK_PUBLIC_URL must be an http(s) URL")
        }
        let domain = setting("TAPKIOSK_USER_DOMAIN").flatMap { $0.isEmpty ? nil : $0 }
        let plainSetting = try flag("TAPKIOSK_PLAIN")
        return KioskConfiguration(
            server: server, tokenFile: flags.tokenFile ?? setting("TAPKIOSK_TOKEN_FILE") ?? defaultTokenFile,
            plain: flags.plain || plainSetting || environment["TERM"] == "dumb",
            noColor: environment["NO_COLOR"].map { !$0.isEmpty } ?? false,
            displayTimeout: try seconds("TAPKIOSK_DISPLAY_TIMEOUT_SECONDS", default: 300, range: 5...3600),
            idleTimeout: try seconds("TAPKIOSK_IDLE_TIMEOUT_SECONDS", default: 120, range: 5...3600),
            pollInterval: try seconds("TAPKIOSK_POLL_INTERVAL_SECONDS", default: 5, range: 1...300),
            enrollmentPageURL: publicURL + "/enroll", isEntraMode: try flag("TAPKIOSK_ENTRA_MODE"),
            scanner: ScannedValue(
                prefixes: list("TAPKIOSK_SCANNER_PREFIXES"), suffixes: list("TAPKIOSK_SCANNER_SUFFIXES"),
                defaultDomain: domain))
    }

    /// The settings of the flow.
    public var settings: KioskSettings {
        KioskSettings(
            serverName: server.host ?? server.absoluteString, enrollmentPageURL: enrollmentPageURL,
            isEntraMode: isEntraMode,
            displayTimeout: displayTimeout, idleTimeout: idleTimeout, pollInterval: pollInterval, scanner: scanner,
            showsQRCode: !plain)
    }

    /// How screens are drawn.
    public var style: ScreenRenderer.Style { plain ? .plain : noColor ? .monochrome : .ansi }
}
