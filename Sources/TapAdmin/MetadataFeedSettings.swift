import FIDOMetadata
import Foundation
import TapCore
import TapCrypto

/// `TAPSTATION_MDS_*`: how `serve` keeps FIDO metadata current (docs/webauthn.md). Without a URL the service
/// only loads what `tapstation mds import` put in the store; with one it also fetches FIDO's BLOB on a schedule.
struct MetadataFeedSettings: Sendable {
    static let keys: Set<String> = [
        "TAPSTATION_MDS_URL", "TAPSTATION_MDS_FETCH_HOURS", "TAPSTATION_MDS_CRLS", "TAPSTATION_MDS_TRUST_ROOT",
        "TAPSTATION_MDS_CHECK_SECONDS",
    ]

    /// FIDO's service (`https://mds3.fidoalliance.org/`), or `nil` offline.
    var url: String?
    var fetchInterval: Duration = .seconds(24 * 3600)
    /// URLs or files of the revocation lists of the BLOB's chain.
    var revocationSources: [String] = []
    /// The roots the BLOB's chain must end at: FIDO's unless a PEM file names others.
    var roots: [Certificate] = MetadataRoots.fido
    /// How often the store is checked for metadata another process imported.
    var checkInterval: Duration = .seconds(60)

    static func load(_ settings: ConfigurationSource) throws -> MetadataFeedSettings {
        func value(_ key: String) -> String? { settings.nonEmptyValue(key) }
        var feed = MetadataFeedSettings()
        if let url = value("TAPSTATION_MDS_URL") {
            guard let parsed = URL(string: url), ["https", "http"].contains(parsed.scheme ?? ""), parsed.host != nil
            else { throw ConfigurationError("TAPSTATION_MDS_URL must be an http(s) URL, got \(url)") }
            feed.url = url
        }
        if let hours = try settings.integer("TAPSTATION_MDS_FETCH_HOURS", in: 1...720) {
            feed.fetchInterval = .seconds(hours * 3600)
        }
        if let seconds = try settings.integer("TAPSTATION_MDS_CHECK_SECONDS", in: 1...3600) {
            feed.checkInterval = .seconds(seconds)
        }
        if let text = value("TAPSTATION_MDS_CRLS") {
            feed.revocationSources = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        if let path = value("TAPSTATION_MDS_TRUST_ROOT") {
            feed.roots = try readRoots(path, key: "TAPSTATION_MDS_TRUST_ROOT")
        }
        return feed
    }

    /// The PEM certificates of `path`, refused with `key`'s name when there are none.
    static func readRoots(_ path: String, key: String) throws -> [Certificate] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let parsed = try? Certificate.parsePEMBundle(text), !parsed.isEmpty
        else { throw ConfigurationError("\(key): \(path) holds no PEM certificate") }
        return parsed
    }
}
