import Foundation
import TapCore
import Testing

/// The one reader behind `tapstation` and `tapkiosk` settings: file format, precedence and readable refusals.
@Suite("Configuration source")
struct ConfigurationSourceTests {
    static let keys = ConfigurationKeys(
        prefix: "APP_", known: ["APP_PORT", "APP_MODE", "APP_CODE", "APP_CONFIG"], otherPrefixes: ["PEER_"],
        notInFile: ["APP_CODE": "a code does not belong in a file"], fileKey: "APP_CONFIG", defaultFile: "/etc/app.conf"
    )

    @Test func readsKeyValueLinesCommentsAndQuotes() throws {
        let values = try ConfigurationSource.parse(
            "# comment\n\n  APP_PORT = \"8080\"\nPEER_ANYTHING=kept\nAPP_MODE=\"\n", name: "a.conf", keys: Self.keys)
        #expect(values == ["APP_PORT": "8080", "PEER_ANYTHING": "kept", "APP_MODE": "\""])
    }

    @Test(arguments: [
        ("APP_PROT=1", "a.conf:2: unknown key APP_PROT"),
        ("words", "a.conf:2: not a KEY=value line"),
        ("OTHER=1", "a.conf:2: unknown key OTHER (keys start with APP_ or PEER_)"),
        ("APP_CODE=1234", "a.conf:2: a code does not belong in a file"),
    ])
    func refusalsNameTheFileAndLine(line: String, message: String) {
        #expect(throws: ConfigurationError(message)) {
            try ConfigurationSource.parse("# ok\n\(line)", name: "a.conf", keys: Self.keys)
        }
    }

    @Test func flagBeatsEnvironmentBeatsFile() throws {
        let source = ConfigurationSource(environment: ["APP_PORT": "2"], file: ["APP_PORT": "3", "APP_MODE": "on"])
        #expect(source.value("APP_PORT", flag: "1") == "1")
        #expect(source.value("APP_PORT") == "2")
        #expect(source.value("APP_MODE") == "on")
        #expect(source.value("APP_CODE") == nil)
    }

    @Test func typedValuesSayWhichKeyAndWhy() throws {
        let source = ConfigurationSource(environment: ["APP_PORT": "eighty", "APP_MODE": "Maybe"])
        #expect(throws: ConfigurationError("APP_PORT must be a whole number from 1 to 9, got eighty")) {
            try source.integer("APP_PORT", in: 1...9)
        }
        #expect(try source.integer("APP_PORT", in: 1...9, flag: 7) == 7)
        #expect(throws: ConfigurationError("APP_MODE must be on or off, got Maybe")) {
            try source.choice("APP_MODE", ["on": true, "off": false], expected: "on or off")
        }
        #expect(
            try ConfigurationSource(environment: ["APP_MODE": "ON"]).choice("APP_MODE", ["on": 1], expected: "on") == 1)
        #expect(ConfigurationSource(environment: ["APP_MODE": " a, ,b "]).list("APP_MODE") == ["a", "b"])
    }

    @Test func theFileIsTheFlagThenTheEnvironmentThenAnExistingDefault() throws {
        let pick = { (flag: String?, environment: [String: String], exists: Bool) in
            ConfigurationSource.configFile(
                keys: Self.keys, flag: flag, environment: environment, exists: { _ in exists })
        }
        #expect(pick("/a", ["APP_CONFIG": "/b"], true) == "/a")
        #expect(pick(nil, ["APP_CONFIG": "/b"], true) == "/b")
        #expect(pick(nil, [:], true) == "/etc/app.conf")
        #expect(pick(nil, [:], false) == nil)
        #expect(throws: ConfigurationError("cannot read the config file /nonexistent/app.conf")) {
            try ConfigurationSource(keys: Self.keys, explicitPath: "/nonexistent/app.conf", environment: [:])
        }
    }
}
