import ArgumentParser
import Foundation
import TapAPI
import TapCore
import TapCrypto
import TapStorage

/// `tapstation operator ...`: local token administration (works while `serve` runs).
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator", abstract: "Manage operator tokens.", subcommands: [Create.self, Invite.self])

    /// `tapstation operator create`: prints the new token alone on stdout, once.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an operator token and print it (only once) on standard output.")

        @OptionGroup var local: LocalOptions
        @Option(help: "A name people recognise (\"bench 3\", \"Ada, help desk\").") var name: String
        @Option(help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option(help: "The site the token belongs to (required except for admin, helpdesk, auditor).") var site: String?
        @Option(help: "The person's user principal name, for a person's token.") var upn: String?
        @Option(name: .customLong("allow-subject"), help: "A subject pattern this token may issue for (repeatable).")
        var allowedSubjects: [String] = []
        @Option(
            name: .customLong("allow-source"), help: "An address or CIDR block the token may be used from (repeatable)."
        )
        var allowedSources: [String] = []
        @Option(name: .customLong("expires-in-days"), help: "Days until the token expires (default: never).")
        var expiresInDays: Int?
        @Flag(
            name: .customLong("enrolment-code"),
            help:
                "For a kiosk: print a one-time enrolment code (valid 1 hour) instead of the token; the kiosk exchanges it."
        )
        var enrolmentCode = false

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let site, SiteName(site) == nil {
                throw ValidationError("--site must be 1-64 letters, digits, '-', '_', '.'")
            }
            if let upn, UserPrincipalName(upn) == nil { throw ValidationError("--upn must be a user principal name") }
            for pattern in allowedSubjects where SubjectPattern(pattern) == nil {
                throw ValidationError("--allow-subject \(pattern) is not a subject pattern")
            }
            if let days = expiresInDays, !(1...3650).contains(days) {
                throw ValidationError("--expires-in-days must be 1-3650")
            }
            if enrolmentCode, role != Role.kiosk.rawValue {
                throw ValidationError("--enrolment-code is only for --role kiosk")
            }
        }

        func run() async throws {
            let (opened, _, _) = try await local.openStore()
            let store = opened.store
            let request = NewOperator(
                name: name, role: Role(rawValue: role)!, site: site.flatMap(SiteName.init),
                userPrincipalName: upn.flatMap(UserPrincipalName.init),
                allowedSubjects: allowedSubjects.compactMap(SubjectPattern.init), allowedSources: allowedSources,
                expiresAt: expiresInDays.map { Date().addingTimeInterval(TimeInterval($0) * 86_400) })
            do {
                if enrolmentCode {
                    let grant = try await store.createKioskOperator(
                        request, enrolmentCodeLifetime: StoreLimits.enrolmentCodeLifetime, by: nil)
                    printError(
                        "created kiosk operator \(grant.operator.identity.id); type this code at the kiosk before "
                            + "\(grant.expiresAt.formatted(Date.ISO8601FormatStyle())); it is shown only now")
                    print(grant.code)
                    return
                }
                let (record, token) = try await store.createOperator(request, by: nil)
                printError(
                    "created \(record.identity.role.rawValue) operator \(record.identity.id); the token is shown only now"
                )
                print(token.value)
            } catch let error as EnrollmentError {
                if case .invalidRequest(let field, let reason) = error {
                    throw ConfigurationError("\(field) \(reason)")
                }
                throw error
            }
        }
    }
}

/// `tapstation audit verify`: exit 0 when the chain is intact, 1 when it is broken.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Audit log tools.", subcommands: [Verify.self, Export.self, Cut.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit chain for edited, deleted or cut-off events.")

        @OptionGroup var local: LocalOptions

        func run() async throws {
            let (opened, _, dataDirectory) = try await local.openStore()
            let store = opened.store
            switch try await store.verifyAudit(anchor: try dataDirectory.readAuditAnchor()) {
            case .intact(let events):
                print("audit chain intact: \(events) events")
            case .broken(let sequence, let reason):
                print("audit chain BROKEN at event \(sequence): \(reason)")
                throw ExitCode(1)
            }
        }
    }

    /// `tapstation audit cut`: retention's cut of the chain, for the database's owner where the role that serves
    /// may not delete audit events (PostgreSQL's least-privilege role).
    struct Cut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cut the audit chain's prefix past retention, behind a checkpoint.",
            discussion: """
                Retention in the service does this itself where its role may delete audit events. On PostgreSQL \
                with the least-privilege role it cannot: run this as the database's owner, with the same number \
                of days as TAPSTATION_RETENTION_DAYS.
                """)

        @OptionGroup var local: LocalOptions
        @Option(help: "Cut events older than this many days that belong to no kept session.")
        var olderThanDays: Int

        func validate() throws {
            guard (2...36_500).contains(olderThanDays) else {
                throw ValidationError("--older-than-days must be between 2 and 36500")
            }
        }

        func run() async throws {
            let (opened, _, _) = try await local.openStore()
            do {
                let report = try await opened.store.cutAuditChain(olderThanDays: olderThanDays)
                print("audit events cut: \(report.auditEvents)")
            } catch let refused as AuditCutNotPermitted {
                printError("tapstation: \(refused)")
                throw ExitCode(1)
            }
        }
    }

    /// `tapstation audit export`: the chain as JSON lines for a SIEM, oldest first.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write audit events as JSON lines (seq, time, type, sessionId, actor, data, mac, keyVersion) to stdout.",
            discussion: "Pass the last exported seq as --after to continue where a previous export stopped.")

        @OptionGroup var local: LocalOptions
        @Option(help: "Export only events after this sequence number.") var after: Int64 = 0

        func validate() throws {
            guard after >= 0 else { throw ValidationError("--after must be 0 or more") }
        }

        func run() async throws {
            let (opened, _, _) = try await local.openStore()
            let store = opened.store
            var last = after
            let out = FileHandle.standardOutput
            while true {
                let page = try await store.auditExport(after: last, limit: 1000)
                var text = ""
                for record in page { text += Self.line(record) + "\n" }
                out.write(Data(text.utf8))
                guard let final = page.last, page.count == 1000 else { break }
                last = final.sequence
            }
        }

        static func line(_ record: AuditExportRecord) -> String {
            let data = (try? JSONDecoder().decode(JSONValue.self, from: Data(record.data.utf8))) ?? .string(record.data)
            let object: [String: JSONValue] = [
                "seq": .number(Double(record.sequence)), "time": .string(UTCTime.rfc3339(record.time)),
                "type": .string(record.type), "sessionId": record.sessionID.map(JSONValue.string) ?? .null,
                "actor": .string(record.actor), "data": data, "mac": .string(Crypto.hex(record.mac)),
                "keyVersion": .number(Double(record.keyVersion)),
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(object)) ?? Data(), as: UTF8.self)
        }
    }
}
