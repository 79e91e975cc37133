import ArgumentParser
import Foundation
import TapAPI
import TapCore

/// `tapstation session …`: sessions on a running service.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Sessions on a running service.", subcommands: [Show.self, Import.self])

    /// `tapstation session show ID`: the issuance trail.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show who asked, who approved, how the person was identified, where the pass was used and when it died."
        )

        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The session id.") var id: String
        @Flag(help: "Print the trail as JSON.") var json = false

        func validate() throws {
            guard SessionID(id) != nil else { throw ValidationError("\(id) is not a session id") }
        }

        func run() async throws {
            let trail = try await runRemote {
                try await remote.client().send("GET", "v1/sessions/\(id)/trail", as: IssuanceTrail.self)
            }
            if json {
                print(TrailText.escapingActive(String(decoding: try WireJSON.encoder().encode(trail), as: UTF8.self)))
            } else {
                print(TrailText.render(trail))
            }
        }
    }
}

/// `tapstation user …`: the help desk's incident tools.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Incident tools for one user on a running service.",
        subcommands: [Revoke.self, Lock.self, Unlock.self])

    /// `tapstation user revoke UPN --reason R`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel every open session of a user: their passes and session tokens die.")
        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The user principal name.") var user: String
        @Option(help: "Why (kept in the audit log).") var reason: String

        func validate() throws { try validateUser(user) }

        func run() async throws {
            let answer = try await runRemote {
                try await remote.client().send(
                    "POST", "v1/users/\(user)/revoke", body: RevokeUserRequest(reason: reason),
                    as: RevokeUserResponse.self)
            }
            print("cancelled \(answer.cancelledSessions.count) session(s) of \(user)")
            for id in answer.cancelledSessions { print("  \(id)") }
        }
    }

    /// `tapstation user lock UPN --minutes N --reason R`.
    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse new passes for a user for a while.")
        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The user principal name.") var user: String
        @Option(help: "How long, in minutes (1-43200).") var minutes: Int
        @Option(help: "Why (kept in the audit log).") var reason: String

        func validate() throws { try validateUser(user) }

        func run() async throws {
            let answer = try await runRemote {
                try await remote.client().send(
                    "PUT", "v1/users/\(user)/issuance-lock",
                    body: IssuanceLockRequest(minutes: minutes, reason: reason),
                    as: IssuanceLockView.self)
            }
            print("issuance for \(answer.userPrincipalName) is locked until \(WireJSON.formatTime(answer.lockedUntil))")
        }
    }

    /// `tapstation user unlock UPN`.
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a user's issuance lock.")
        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The user principal name.") var user: String

        func validate() throws { try validateUser(user) }

        func run() async throws {
            _ = try await runRemote {
                try await remote.client().send("DELETE", "v1/users/\(user)/issuance-lock", as: Empty.self)
            }
            print("issuance for \(user) is unlocked")
        }
    }
}

private func validateUser(_ text: String) throws {
    guard UserPrincipalName(text) != nil else { throw ValidationError("\(text) is not a user principal name") }
}

/// An empty answer (204).
struct Empty: Decodable {
    init(from decoder: any Decoder) throws {}
}

/// Runs a remote call; a refusal or an unreachable service prints one line and exits 1.
func runRemote<Answer>(_ call: () async throws -> Answer) async throws -> Answer {
    do {
        return try await call()
    } catch let error as RemoteError {
        printError("tapstation: \(error.description)")
        throw ExitCode(1)
    }
}

/// The issuance trail as text for a terminal.
enum TrailText {
    static func render(_ trail: IssuanceTrail) -> String {
        let session = trail.session
        func who(_ actor: ActorSummary) -> String {
            guard let name = actor.name else { return actor.id }
            let details = [actor.role?.rawValue, actor.userPrincipalName?.value, actor.site.map { "site \($0)" }]
                .compactMap { $0 }
            return details.isEmpty ? name : "\(name) (\(details.joined(separator: ", ")))"
        }
        var lines = [
            "session    \(session.id)  \(session.scenario.rawValue)  \(session.state.rawValue)  site \(session.site)",
            "user       \(session.userPrincipalName)\(session.privilegedSubject ? "  (privileged)" : "")",
            "asked by   \(who(trail.requestedBy)) at \(WireJSON.formatTime(session.createdDateTime))",
        ]
        if let reason = session.reason { lines.append("reason     \(reason)") }
        if let device = session.device {
            lines.append(
                "device     \(device.serialNumber) \(device.platform.rawValue)  \(device.enrollmentState.rawValue)")
        }
        if let proofing = session.proofing {
            let parts = [proofing.method.rawValue, proofing.reference, proofing.checkedBy.map { "checked by \($0)" }]
                .compactMap { $0 }
            lines.append("identified \(parts.joined(separator: "; "))")
        } else {
            lines.append("identified (no proofing record)")
        }
        if let approval = session.approval {
            let decision = approval.decision?.rawValue ?? "waiting until \(WireJSON.formatTime(approval.deadline))"
            lines.append("approval   \(decision)\(approval.reason.map { ": \($0)" } ?? "")")
        }
        lines.append("steps")
        for step in trail.steps {
            var facts: [String] = []
            if case .object(let members) = step.data {
                for key in ["clientAddress", "usesRemaining", "reason", "proofingMethod", "by"] {
                    if case .string(let value)? = members[key] { facts.append("\(key) \(value)") }
                    if case .number(let value)? = members[key] { facts.append("\(key) \(Int(value))") }
                }
            }
            lines.append(
                "  \(WireJSON.formatTime(step.time))  \(step.type.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(who(step.actor))\(facts.isEmpty ? "" : "  [\(facts.joined(separator: ", "))]")"
            )
        }
        // Names, reasons and proofing notes come from the service (and an old database): nothing of theirs may
        // drive the terminal or start a line of its own.
        return lines.map(TerminalText.sanitized).joined(separator: "\n")
    }

    /// JSON text with every terminal-active character inside its strings written as a `\u` escape: the same
    /// value for a parser, nothing a terminal acts on (the encoder leaves C1 controls and bidi marks raw).
    static func escapingActive(_ json: String) -> String {
        guard TerminalText.containsActive(json) else { return json }
        var out = ""
        for scalar in json.unicodeScalars {
            if TerminalText.isActive(scalar), scalar != "\n" {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
