import Foundation

/// A configuration or usage problem: exit code 2, with a message that names the key (or the file and line) and
/// says what is wrong.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The message, fit for a person to act on; never holds a secret.
    public let description: String

    /// Makes an error with its message.
    public init(_ description: String) { self.description = description }
}

/// The keys one program reads, and how its config file is found.
public struct ConfigurationKeys: Sendable {
    /// The program's own key prefix (`TAPSTATION_`); an unknown key with it is a typo and refused.
    public let prefix: String
    /// Every key the program reads.
    public let known: Set<String>
    /// Prefixes of the other program's keys, which one shared file may hold; they are kept, not checked.
    public let otherPrefixes: [String]
    /// Keys that may come from the environment but never from a file, with the reason given on refusal.
    public let notInFile: [String: String]
    /// The key (and environment variable) that names the config file.
    public let fileKey: String
    /// The config file read when none is named and it exists.
    public let defaultFile: String

    /// Describes a program's keys.
    public init(
        prefix: String, known: Set<String>, otherPrefixes: [String], notInFile: [String: String] = [:], fileKey: String,
        defaultFile: String
    ) {
        self.prefix = prefix
        self.known = known
        self.otherPrefixes = otherPrefixes
        self.notInFile = notInFile
        self.fileKey = fileKey
        self.defaultFile = defaultFile
    }
}

/// Settings as both programs read them: a flag beats the environment, which beats the config file; callers supply
/// the defaults. The file is `KEY=value` lines named like the environment variables, `#` comment lines and optional
/// double quotes, so that one file also serves as a systemd `EnvironmentFile=` (docs/configuration.md).
public struct ConfigurationSource: Sendable {
    /// The process environment (or a test's).
    public let environment: [String: String]
    /// The config file's settings; empty when no file is read.
    public let file: [String: String]

    /// Makes a source from settings already read.
    public init(environment: [String: String], file: [String: String] = [:]) {
        self.environment = environment
        self.file = file
    }

    /// Reads the config file named by `explicitPath`, else by the environment, else the default when it exists.
    public init(
        keys: ConfigurationKeys, explicitPath: String?, environment: [String: String],
        exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) throws(ConfigurationError) {
        self.environment = environment
        let path = Self.configFile(keys: keys, flag: explicitPath, environment: environment, exists: exists)
        file = try path.map { path throws(ConfigurationError) in try Self.readFile(at: path, keys: keys) } ?? [:]
    }

    /// The value for `key`: the flag if given, else the environment, else the file.
    public func value(_ key: String, flag: String? = nil) -> String? {
        flag ?? environment[key] ?? file[key]
    }

    /// The value without surrounding spaces, or `nil` when the key is unset or empty: an empty setting means
    /// what an absent one does.
    public func nonEmptyValue(_ key: String) -> String? {
        guard let text = value(key)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    /// A whole number within `range`, or `nil` when the key is not set.
    public func integer(_ key: String, in range: ClosedRange<Int>, flag: Int? = nil) throws(ConfigurationError) -> Int?
    {
        guard let text = value(key, flag: flag.map(String.init)) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError(
                "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return number
    }

    /// The value looked up (lowercased) in `choices`, or `nil` when the key is not set; `expected` says what to set.
    public func choice<Value>(
        _ key: String, _ choices: [String: Value], expected: String
    ) throws(ConfigurationError)
        -> Value?
    {
        guard let text = value(key) else { return nil }
        guard let chosen = choices[text.lowercased()] else {
            throw ConfigurationError("\(key) must be \(expected), got \(text)")
        }
        return chosen
    }

    /// The comma-separated items of a key, trimmed, empty ones dropped; `nil` when the key is not set.
    public func list(_ key: String) -> [String]? {
        value(key).map { text in
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// The config file to read: the flag, the environment's `fileKey`, or the default when it exists.
    public static func configFile(
        keys: ConfigurationKeys, flag: String?, environment: [String: String], exists: (String) -> Bool
    ) -> String? {
        if let named = flag ?? environment[keys.fileKey] { return named }
        return exists(keys.defaultFile) ? keys.defaultFile : nil
    }

    /// Reads and parses a config file.
    public static func readFile(at path: String, keys: ConfigurationKeys) throws(ConfigurationError) -> [String: String]
    {
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data(),
            let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError("cannot read the config file \(path)")
        }
        return try parse(text, name: path, keys: keys)
    }

    /// Parses config file text; a malformed line, an unknown key or a key that does not belong in a file is
    /// refused with the file's name and the line number.
    public static func parse(
        _ text: String, name: String, keys: ConfigurationKeys
    ) throws(ConfigurationError)
        -> [String: String]
    {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let place = "\(name):\(index + 1)"
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError("\(place): not a KEY=value line")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = String(value.dropFirst().dropLast())
            }
            // Keys are echoed to a terminal: a long one is cut, so a stray binary file cannot flood it.
            let shown = key.prefix(60)
            if key.hasPrefix(keys.prefix) {
                guard keys.known.contains(key) else { throw ConfigurationError("\(place): unknown key \(shown)") }
                if let reason = keys.notInFile[key] { throw ConfigurationError("\(place): \(reason)") }
            } else if !keys.otherPrefixes.contains(where: key.hasPrefix) {
                let prefixes = ([keys.prefix] + keys.otherPrefixes).joined(separator: " or ")
                throw ConfigurationError("\(place): unknown key \(shown) (keys start with \(prefixes))")
            }
            values[key] = value
        }
        return values
    }
}
