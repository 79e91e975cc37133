import ArgumentParser
import FIDOMetadata
import Foundation
import Logging
import TapCore
import TapCrypto
import TapStorage
import WebAuthn

/// `tapstation mds`: the FIDO Metadata Service BLOB, imported from a file (sites without network access download
/// it elsewhere, from https://mds3.fidoalliance.org/) and shown.
struct MetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mds", abstract: "FIDO Metadata Service: import a metadata BLOB, show the one in force.",
        subcommands: [Import.self, Status.self])

    /// `anchors` with the roots of each model in the metadata in force (read at start-up: a BLOB imported while
    /// the service runs counts from its next start). Stale metadata still counts, with a warning.
    static func anchorsWithModelRoots(
        _ anchors: TrustAnchors, store: some MetadataStore, logger: Logger
    ) async throws -> TrustAnchors {
        guard let stored = try await store.acceptedMetadata() else { return anchors }
        let blob: MetadataBLOB
        do {
            blob = try MetadataVerifier.readAccepted(stored.blob)
        } catch {
            // Cannot happen for a BLOB this code verified; if the row was edited, the format roots still hold.
            logger.error("mds.unreadable", metadata: ["mds.refusal": "\(error)"])
            return anchors
        }
        let withModels = blob.addingModelRoots(to: anchors)
        logger.info(
            "mds.loaded",
            metadata: [
                "mds.no": "\(blob.number)", "mds.entries": "\(blob.entries.count)",
                "mds.models": "\(withModels.byAAGUID.count - anchors.byAAGUID.count)",
            ])
        if blob.nextUpdate < Date() {
            logger.warning("mds.stale", metadata: ["mds.nextUpdate": "\(Import.day(blob.nextUpdate))"])
        }
        return withModels
    }

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

        func run() async throws {
            let (_, dataDirectory) = try local.resolve()
            let roots: [Certificate]
            if let trustRoot {
                guard let text = try? String(contentsOfFile: trustRoot, encoding: .utf8),
                    let parsed = try? Certificate.parsePEMBundle(text), !parsed.isEmpty
                else { throw ConfigurationError("--trust-root: \(trustRoot) holds no PEM certificate") }
                roots = parsed
            } else {
                roots = MetadataRoots.fido
            }
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw ConfigurationError("\(file) cannot be read")
            }
            // Read one byte past the limit, so that an oversized file is refused as such, not read whole.
            let bytes = Array(try handle.read(upToCount: MetadataVerifier.maximumBytes + 1) ?? Data())
            try handle.close()
            let (store, _) = try dataDirectory.openStore(mode: .existing)
            let source = URL(fileURLWithPath: file).lastPathComponent
            let blob: MetadataBLOB
            do {
                blob = try MetadataVerifier.verify(
                    bytes, roots: roots, lastNumber: try await store.metadataInForce()?.summary.number, now: Date())
            } catch let error as MetadataRefusal {
                try await store.refuseMetadata(
                    reason: error.reason.rawValue, detail: error.detail, source: source, by: "cli")
                printError("tapstation: \(file): refused (\(error.reason.rawValue)): \(error.detail)")
                printError("the metadata in force is unchanged")
                throw ExitCode(1)
            }
            let summary = MetadataSummary(
                number: blob.number, nextUpdate: blob.nextUpdate, entries: blob.entries.count)
            guard try await store.acceptMetadata(bytes, summary: summary, source: source, by: "cli") else {
                printError("tapstation: \(file): a BLOB with this no or a greater one was put in force meanwhile")
                throw ExitCode(1)
            }
            print(
                "metadata in force: no \(blob.number), \(blob.entries.count) entries, next update \(Self.day(blob.nextUpdate))"
            )
        }

        /// `2026-12-24`.
        static func day(_ date: Date) -> String { String(UTCTime.rfc3339(date).prefix(10)) }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the metadata BLOB in force; exits 1 when there is none or it is past its next update.")

        @OptionGroup var local: LocalOptions

        func run() async throws {
            let (_, dataDirectory) = try local.resolve()
            let (store, _) = try dataDirectory.openStore(mode: .existing)
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
}
