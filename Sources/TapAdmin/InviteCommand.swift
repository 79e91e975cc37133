import ArgumentParser
import Foundation
import Logging
import TapCore
import TapStorage

extension OperatorCommand {
    /// `tapstation operator invite`: a person for the operator console, with a one-time invitation code.
    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite a person to the operator console and print their one-time invitation code.",
            discussion: """
                The person opens /console/invitation, types the code and registers a passkey; after that they \
                sign in with the passkey alone. The code is printed alone on standard output, once.
                """)

        @OptionGroup var local: LocalOptions
        @Option(help: "The person's user principal name (ada@contoso.example).") var upn: String
        @Option(help: "One of: admin, helpdesk, auditor.") var role: String
        @Option(help: "The one site they work for (default: every site).") var site: String?
        @Option(help: "A name people recognise (default: the user principal name).") var name: String?
        @Option(
            name: .customLong("valid-hours"),
            help: "Hours the code may be used (1-168; default TAPSTATION_CONSOLE_INVITATION_HOURS, or 24).")
        var validHours: Int?

        func validate() throws {
            guard let role = Role(rawValue: role), role.isPerson else {
                throw ValidationError("--role must be one of: admin, helpdesk, auditor (people use the console)")
            }
            if let site, SiteName(site) == nil {
                throw ValidationError("--site must be 1-64 letters, digits, '-', '_', '.'")
            }
            guard UserPrincipalName(upn) != nil else { throw ValidationError("--upn must be a user principal name") }
            if let validHours, !(1...168).contains(validHours) {
                throw ValidationError("--valid-hours must be 1-168")
            }
        }

        func run() async throws {
            let (settings, dataDirectory) = try local.resolve()
            let hours =
                try settings.integer("TAPSTATION_CONSOLE_INVITATION_HOURS", in: 1...168, flag: validHours) ?? 24
            let store = try await ConfiguredStore.open(
                settings: settings, dataDirectory: dataDirectory, mode: .existing, logger: .localCommand
            ).store
            let request = NewOperator(
                name: name ?? upn, role: Role(rawValue: role)!, site: site.flatMap(SiteName.init),
                userPrincipalName: UserPrincipalName(upn))
            do {
                let invitation = try await store.invitePerson(
                    request, codeLifetime: TimeInterval(hours * 3600), by: nil)
                let origin =
                    settings.value("TAPSTATION_WEBAUTHN_ORIGINS", flag: nil)?.split(separator: ",").first.map {
                        $0.trimmingCharacters(in: .whitespaces)
                    } ?? ""
                printError(
                    "invited \(invitation.operator.identity.role.rawValue) \(upn) (operator "
                        + "\(invitation.operator.identity.id)); they register a passkey at \(origin)/console/invitation "
                        + "with this code before \(invitation.expiresAt.formatted(Date.ISO8601FormatStyle())); "
                        + "it is shown only now")
                print(invitation.code)
            } catch let error as EnrollmentError {
                if case .invalidRequest(let field, let reason) = error {
                    throw ConfigurationError("\(field) \(reason)")
                }
                throw error
            }
        }
    }
}
