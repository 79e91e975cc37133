import ArgumentParser
import Foundation
import TapCore
import TapCrypto
import TapHTTP
import TapStorage

/// `tapstation backup --to FILE`: a consistent copy while the service runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the database to a file while the service keeps running.")

    @OptionGroup var local: LocalOptions
    @Option(help: "The backup file to create (must not exist).") var to: String
    @Flag(
        help:
            "Put the server secret inside the backup: needed to verify passes, tokens and the audit chain elsewhere, and makes the file itself a secret."
    )
    var includeSecret = false

    func run() async throws {
        let (settings, dataDirectory) = try local.resolve()
        try refuseOnPostgres(settings, "back up a PostgreSQL database with its own tools (`pg_dump -Fc`)")
        let (store, _) = try dataDirectory.openStore(mode: .existing)
        let secretText = includeSecret ? try ServerSecret.load(at: dataDirectory.secretPath).fileText : nil
        do {
            try store.backup(to: to, secretFileText: secretText, auditAnchor: try dataDirectory.readAuditAnchor())
        } catch let error as StorageError {
            throw ConfigurationError(error.description)
        }
        let inspection = try EnrollmentStore.inspectBackup(at: to)
        guard inspection.isIntact else {
            printError("the backup at \(to) failed its integrity check; do not rely on it")
            throw ExitCode(1)
        }
        dataDirectory.noteBackup(at: Date())
        print("backup written to \(to) (integrity ok, mode 0600)")
        if includeSecret {
            print(
                "The server secret IS inside this backup: anyone with the file can verify and forge passes, tokens and audit MACs. Store it like a key."
            )
        } else {
            print(
                "The server secret is NOT inside this backup. Keep \(dataDirectory.secretPath) safe separately: without it the backup's passes, tokens and audit chain cannot be verified."
            )
        }
    }
}

/// `tapstation restore --from FILE`: checks a backup, then puts it in place of the database.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Check a backup's integrity and audit chain, then make it the database (the service must be stopped)."
    )

    @OptionGroup var local: LocalOptions
    @Option(help: "The backup file made by `tapstation backup`.") var from: String

    func run() async throws {
        let (settings, dataDirectory) = try local.resolve()
        try refuseOnPostgres(settings, "restore a PostgreSQL database with its own tools (`pg_restore`)")
        try dataDirectory.create()
        let lock = try dataDirectory.lock(purpose: "restoring")
        defer { withExtendedLifetime(lock) {} }
        guard FileManager.default.fileExists(atPath: from) else { throw ConfigurationError("no backup at \(from)") }

        let inspection = try EnrollmentStore.inspectBackup(at: from)
        guard inspection.isIntact else { return try refuse("the backup failed SQLite's integrity check") }
        guard inspection.unknownMigrations.isEmpty else {
            return try refuse(
                "the backup was made by a newer TapStation (migrations \(inspection.unknownMigrations.joined(separator: ", ")))"
            )
        }
        let secret: ServerSecret
        if let text = inspection.secretFileText {
            secret = try ServerSecret.parse(text)
        } else if FileManager.default.fileExists(atPath: dataDirectory.secretPath) {
            secret = try ServerSecret.load(at: dataDirectory.secretPath)
        } else {
            throw ConfigurationError(
                "the backup holds no server secret and \(dataDirectory.secretPath) does not exist: restore needs the secret the backup was made under"
            )
        }

        // Work on a copy beside the database, so a refusal leaves the current database untouched.
        let staging = dataDirectory.databasePath + ".restoring"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.copyItem(atPath: from, toPath: staging)
        let store = try EnrollmentStore(path: staging, world: .live, keyring: .live(secret: secret), mode: .migrate)
        let verification = try await store.verifyAudit(anchor: inspection.auditAnchor)
        guard case .intact(let events) = verification else {
            try store.close()
            try? FileManager.default.removeItem(atPath: staging)
            if case .broken(let sequence, let reason) = verification {
                return try refuse("the backup's audit chain is broken at event \(sequence): \(reason)")
            }
            return
        }
        try await store.removeBackupSecret()
        let restoredAnchor = try await store.currentAuditAnchor()
        try store.close()

        let stamp = Int(Date().timeIntervalSince1970)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: dataDirectory.databasePath) {
            let aside = dataDirectory.databasePath + ".before-restore-\(stamp)"
            try fileManager.moveItem(atPath: dataDirectory.databasePath, toPath: aside)
            for suffix in ["-wal", "-shm"] { try? fileManager.removeItem(atPath: dataDirectory.databasePath + suffix) }
            print("the previous database is kept at \(aside)")
        }
        for suffix in ["-wal", "-shm"] { try? fileManager.removeItem(atPath: staging + suffix) }
        try fileManager.moveItem(atPath: staging, toPath: dataDirectory.databasePath)
        if inspection.secretFileText != nil {
            if fileManager.fileExists(atPath: dataDirectory.secretPath) {
                try fileManager.moveItem(
                    atPath: dataDirectory.secretPath, toPath: dataDirectory.secretPath + ".before-restore-\(stamp)")
            }
            try secret.write(to: dataDirectory.secretPath)
        }
        // The restored chain is shorter than the one the old anchor saw: the anchor starts again from it.
        try dataDirectory.writeAuditAnchor(restoredAnchor)
        print("restored \(from): integrity ok, audit chain intact (\(events) events)")
    }

    private func refuse(_ reason: String) throws {
        printError("restore refused: \(reason); nothing was changed")
        throw ExitCode(1)
    }
}

/// `tapstation secret rotate`: a new current secret version; old versions stay to verify what they made.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Server secret tools.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new server secret version (the service must be stopped; restart it afterwards).")

        @OptionGroup var local: LocalOptions

        /// Every instance on PostgreSQL holds a copy of the secret, so there the rotation runs with all of them
        /// stopped (no live lease says one runs), and the new file goes to each before it starts; one started with
        /// the old file refuses, because the chain's head is then MACed with a version that file lacks.
        func run() async throws {
            let (settings, dataDirectory) = try local.resolve()
            let onPostgres = try DatabaseSettings.postgres(settings) != nil
            // On SQLite a running `serve` holds the data directory's lock.
            let lock = onPostgres ? nil : try dataDirectory.lock(purpose: "rotating the secret")
            defer { withExtendedLifetime(lock) {} }
            let old = try ServerSecret.load(at: dataDirectory.secretPath)
            let new = try old.rotated()
            let before = try await ConfiguredStore.open(
                settings: settings, dataDirectory: dataDirectory, mode: .existing, logger: .localCommand, secret: old)
            if onPostgres, let lease = try await before.store.liveLeases().first {
                try before.close()
                printError(
                    "rotation refused: an instance is running (\(lease.holder) holds the \(lease.job) lease until "
                        + "\(UTCTime.text(lease.expiresAt)) UTC); stop every instance first")
                throw ExitCode(1)
            }
            // Check the chain under the old secret first: rotating over a broken chain would hide the break.
            let verdict = try await before.store.verifyAudit(anchor: try dataDirectory.readAuditAnchor())
            try before.close()
            guard case .intact = verdict else {
                printError("rotation refused: the audit chain does not verify now; run `tapstation audit verify`")
                throw ExitCode(1)
            }
            try new.write(to: dataDirectory.secretPath)
            let copyIt = "copy \(dataDirectory.secretPath) into every instance's data directory before starting it"
            do {
                let after = try await ConfiguredStore.open(
                    settings: settings, dataDirectory: dataDirectory, mode: .existing, logger: .localCommand,
                    secret: new)
                defer { try? after.close() }
                try await after.store.recordSecretRotation(from: old.currentVersion, to: new.currentVersion)
            } catch {
                // The file holds every old version too, so what was made before still verifies; the event is missing.
                printError(
                    "tapstation: the new secret (version \(new.currentVersion)) is written to "
                        + "\(dataDirectory.secretPath), but its audit event is not: \(error). "
                        + (onPostgres ? "\(copyIt), or run" : "Run")
                        + " `secret rotate` again once the database answers.")
                throw ExitCode(1)
            }
            print(
                "server secret rotated to version \(new.currentVersion); versions \(old.versions.map(String.init).joined(separator: ", ")) stay to verify existing passes, tokens and audit events"
            )
            if onPostgres { print("\(copyIt): an instance with the old file refuses to start") }
        }
    }
}

/// Refuses a command that works on the data directory's SQLite file when the configuration names PostgreSQL, with
/// what to do instead: it would otherwise act on a file the service does not use.
func refuseOnPostgres(_ settings: ConfigurationSource, _ instead: String) throws {
    guard let database = try DatabaseSettings.postgres(settings) else { return }
    throw ConfigurationError("TAPSTATION_DATABASE_URL names \(database.description): \(instead) (docs/postgres.md)")
}
