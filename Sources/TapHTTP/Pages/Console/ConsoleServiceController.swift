import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// The service page, for admins and auditors: is it up and ready, which pass authority it drives (local, or
/// Entra with its tenant, credential and the watcher's last Graph round), how big the database and its WAL are,
/// when the last backup was written, the version, and whether the audit anchor is kept. Nothing on it is a
/// secret.
struct ConsoleServiceController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/service", .anyone, handler: page)
    }

    /// The metadata BLOB in force, and whether it is past its next update (it still counts: a key is judged by
    /// the newest metadata there is).
    static func metadataFacts(_ store: some MetadataStore, now: Date) async throws -> [ServiceFacts.Fact] {
        guard let (summary, importedAt) = try await store.metadataInForce() else {
            return [ServiceFacts.Fact("Metadata BLOB", "none imported (tapstation mds import FILE)")]
        }
        let day = String(UTCTime.rfc3339(summary.nextUpdate).prefix(10))
        return [
            ServiceFacts.Fact(
                "Metadata BLOB",
                "no \(summary.number), \(summary.entries) models, imported \(ConsolePages.age(of: importedAt, now: now))"
            ),
            ServiceFacts.Fact(
                "Next update",
                summary.nextUpdate < now
                    ? "\(day): stale, past its next update; import a newer BLOB" : "\(day), in time"),
        ]
    }

    @Sendable func page(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, [.admin, .auditor], to: "see the service")
        let facts = services.facts
        let now = services.world.now()
        var readiness: [ServiceFacts.Fact]
        do {
            let ready = try await services.store.readiness()
            readiness = [ServiceFacts.Fact("Readiness", "ready"), ServiceFacts.Fact("Database", ready.engine)]
            readiness += ready.facts.sorted { $0.key < $1.key }.map { ServiceFacts.Fact(Self.words($0.key), $0.value) }
        } catch {
            readiness = [ServiceFacts.Fact("Readiness", "not ready: the database does not answer")]
        }
        var authority = facts.passAuthority
        if let round = facts.lastGraphRound() {
            authority.append(
                ServiceFacts.Fact("Last Graph round", "\(ConsolePages.age(of: round.at, now: now)): \(round.outcome)"))
        } else if services.authority.mode != .local {
            authority.append(ServiceFacts.Fact("Last Graph round", "none yet since the start"))
        }
        let anchored: String
        switch Result(catching: { try facts.auditAnchor() }) {
        case .success(let anchor): anchored = anchor == nil ? "none kept" : "kept outside the database"
        case .failure: anchored = "unreadable: verify the chain from the audit page"
        }
        let storage =
            facts.storageFiles() + [
                facts.backupsElsewhere.map { ServiceFacts.Fact("Backups", $0) }
                    ?? ServiceFacts.Fact(
                        "Last backup",
                        facts.lastBackup().map { "\(UTCTime.text($0)) UTC (\(ConsolePages.age(of: $0, now: now)))" }
                            ?? "none recorded (tapstation backup)"),
                ServiceFacts.Fact("Audit anchor", anchored),
            ]
        let html = ConsolePages.service(
            sections: [
                ("Health", [ServiceFacts.Fact("Live", "yes")] + readiness),
                ("Pass authority", authority),
                ("FIDO metadata", try await Self.metadataFacts(services.store, now: now)),
                ("Storage", storage),
                ("Version", [ServiceFacts.Fact("TapStation", facts.version)]),
            ], person: gate.person(session))
        return PageResponse.html(html, status: .ok)
    }
}

extension ConsoleServiceController {
    /// A fact's API name in words: `journalMode` → "Journal mode".
    static func words(_ name: String) -> String {
        var text = ""
        for character in name {
            if character.isUppercase, !text.isEmpty {
                text += " " + character.lowercased()
            } else {
                text.append(character)
            }
        }
        return text.prefix(1).uppercased() + text.dropFirst()
    }
}

extension ConsolePages {
    static func service(sections: [(String, [ServiceFacts.Fact])], person: Person) -> String {
        var main = "<h1>Service</h1>\n"
        for (index, (title, facts)) in sections.enumerated() {
            main += "<section aria-labelledby=\"service-\(index)\"><h2 id=\"service-\(index)\">"
            main += "\(HTMLText.escape(title))</h2>\n<dl class=\"facts\">\n"
            for fact in facts {
                main += "<dt>\(HTMLText.escape(fact.name))</dt><dd>\(HTMLText.escape(fact.value))</dd>\n"
            }
            main += "</dl></section>\n"
        }
        return layout(title: "Service", person: person, main: main)
    }
}
