import ArgumentParser
import FIDOMetadata
import Foundation
import Logging
import TapCore
import TapCrypto
import TapHTTP
import TapStorage
import WebAuthn

/// `tapstation mds`: the FIDO Metadata Service BLOB, imported from a file (sites without network access download
/// it elsewhere, from https://mds3.fidoalliance.org/) and shown.
struct MetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mds", abstract: "FIDO Metadata Service: import a metadata BLOB, show the one in force.",
        subcommands: [Import.self, Status.self, Flagged.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a metadata BLOB file and put it in force.",
            discussion: """
                The BLOB's x5c chain must end at FIDO's root (GlobalSign Root CA - R3, shipped) or at a --trust-root, \
                its signature must verify, its no must be greater than the BLOB in force, and every entry must be \
                well formed. A refused BLOB changes nothing; the refusal is audited (metadata.refused) and exits 1.
                """)

        @OptionGroup var local: LocalOptions
        @Argument(help: "The BLOB file (the JWT as FIDO serves it).") var file: String
        @Option(help: "A PEM file of roots to trust instead of FIDO's (a private metadata service, or tests).")
        var trustRoot: String?
        @Option(
            name: .customLong("crl"),
            help: "A revocation list (DER or PEM) of the BLOB's chain, downloaded beside it; repeat for each CA.")
        var revocationFiles: [String] = []

        func run() async throws {
            let (settings, dataDirectory) = try local.resolve()
            let roots =
                try trustRoot.map { try MetadataFeedSettings.readRoots($0, key: "--trust-root") } ?? MetadataRoots.fido
            let lists = try revocationFiles.map { path in
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ConfigurationError("--crl: \(path) cannot be read")
                }
                do { return try RevocationList(fileContents: Array(data)) } catch {
                    throw ConfigurationError("--crl: \(path) is not a revocation list (\(error))")
                }
            }
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw ConfigurationError("\(file) cannot be read")
            }
            // Read one byte past the limit, so that an oversized file is refused as such, not read whole.
            let bytes = Array(try handle.read(upToCount: MetadataVerifier.maximumBytes + 1) ?? Data())
            try handle.close()
            let store = try await ConfiguredStore.open(
                settings: settings, dataDirectory: dataDirectory, mode: .existing, logger: .localCommand
            ).store
            let outcome: MetadataImport.Outcome
            do {
                outcome = try await MetadataImport.run(
                    bytes, roots: roots, revocations: lists, source: URL(fileURLWithPath: file).lastPathComponent,
                    by: "cli", store: store, now: Date())
            } catch let error as MetadataRefusal {
                printError("tapstation: \(file): refused (\(error.reason.rawValue)): \(error.detail)")
                printError("the metadata in force is unchanged")
                throw ExitCode(1)
            }
            guard case .accepted(let summary, let keys) = outcome else {
                printError("tapstation: \(file): a BLOB with this no or a greater one was put in force meanwhile")
                throw ExitCode(1)
            }
            print(
                "metadata in force: no \(summary.number), \(summary.entries) entries, next update \(Self.day(summary.nextUpdate))"
            )
            let flagged = keys.filter { $0.flaggedStatus != nil }
            if !keys.isEmpty {
                print(
                    "registered keys re-judged: \(flagged.count) flagged, \(keys.count - flagged.count) cleared "
                        + "(tapstation mds flagged lists them)")
            }
        }

        /// `2026-12-24`.
        static func day(_ date: Date) -> String { String(UTCTime.rfc3339(date).prefix(10)) }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the metadata BLOB in force; exits 1 when there is none or it is past its next update.")

        @OptionGroup var local: LocalOptions

        func run() async throws {
            let (opened, _, _) = try await local.openStore()
            let store = opened.store
            guard let stored = try await store.acceptedMetadata() else {
                print("no metadata imported (tapstation mds import FILE)")
                throw ExitCode(1)
            }
            let summary = stored.summary
            let stale = summary.nextUpdate < Date()
            print(
                "no \(summary.number), \(summary.entries) entries, next update \(Import.day(summary.nextUpdate))"
                    + (stale ? " (stale: past its next update)" : ""))
            if stale { throw ExitCode(1) }
        }
    }

    struct Flagged: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the registered keys whose model FIDO reports with a status the policy refuses.",
            discussion: "One line per key: user, key id, model AAGUID, the status, since when. Exits 0 either way.")

        @OptionGroup var local: LocalOptions

        func run() async throws {
            let (opened, _, _) = try await local.openStore()
            let store = opened.store
            let names = try await store.acceptedMetadata().flatMap { try? MetadataVerifier.readAccepted($0.blob) }
                .map(MetadataCatalog.init)
            // The command runs on the server's own files: it sees every site, as a global auditor would.
            let everySite = OperatorIdentity(
                id: OperatorID(time: Date(), random: Array(repeating: 0, count: 10)), name: "cli", role: .auditor,
                site: nil)
            var cursor: SecurityKeyID?
            var count = 0
            repeat {
                let page = try await store.securityKeys(
                    user: nil, flaggedOnly: true, visibleTo: everySite, after: cursor, limit: 200)
                for key in page.items {
                    guard let flag = key.flag else { continue }
                    // The name is FIDO's text: nothing in it may drive the terminal.
                    let model = TerminalText.sanitized(names?.model(aaguid: key.key.aaguid)?.name ?? key.key.aaguid)
                    let since = Import.day(flag.since)
                    print("\(key.userPrincipalName)\t\(key.id)\t\(model)\t\(flag.status)\tsince \(since)")
                    count += 1
                }
                cursor = page.nextCursor.flatMap(SecurityKeyID.init)
            } while cursor != nil
            printError("\(count) flagged key\(count == 1 ? "" : "s")")
        }
    }
}
