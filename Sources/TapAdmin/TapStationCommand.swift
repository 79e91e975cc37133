import ArgumentParser
import Foundation
import TapCore
import TapHTTP

/// `tapstation`: the service and its local administration.
public struct TapStationCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tapstation",
        abstract: "Temporary access passes for device enrollment and FIDO2 key registration.",
        version: ServiceFacts.tapStationVersion,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, OperatorCommand.self, AuditCommand.self, BackupCommand.self,
            RestoreCommand.self, SecretCommand.self, SessionCommand.self, UserCommand.self, WebAuthnCommand.self,
            EntraCommand.self, MetadataCommand.self, CopyToPostgresCommand.self,
        ])

    public init() {}

    /// Runs the command line with the exit codes of API.md: 0 success, 1 a problem found, 2 usage or
    /// configuration error.
    public static func runMain(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("tapstation: \(error.description)\n".utf8))
            return 2
        } catch let error as RemoteError {
            FileHandle.standardError.write(Data("tapstation: \(error.description)\n".utf8))
            return 1
        } catch let error as ExitCode {
            return error.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            FileHandle.standardError.write(Data("\(fullMessage(for: error))\n".utf8))
            // Parsing and validation errors are usage errors (2), whatever ArgumentParser's own code says.
            return code == .validationFailure || code.rawValue == 64 ? 2 : 1
        }
    }
}

/// Options every command that works on the data directory shares.
struct LocalOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default ./tapstation-data, or TAPSTATION_DATA_DIR).")
    var dataDirectory: String?

    @Option(name: .customLong("config"), help: "Config file (KEY=value lines; see docs/configuration.md).")
    var configFile: String?

    /// The settings of the config file and environment, and the data directory they (or the flag) name.
    func resolve() throws -> (ConfigurationSource, DataDirectory) {
        let settings = try ConfigurationSource.server(explicitPath: configFile)
        return (settings, DataDirectory(flag: dataDirectory, settings: settings))
    }
}

/// Writes one message to standard error, with any terminal-active character replaced: messages quote files
/// and the service's answers, which must not drive the operator's terminal.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("\(TerminalText.sanitized(message))\n".utf8))
}
