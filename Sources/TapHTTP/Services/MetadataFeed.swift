import AsyncHTTPClient
import FIDOMetadata
import Foundation
import Logging
import NIOCore
import TapCrypto
import TapStorage

/// FIDO's metadata fetched over the network on a schedule, for sites that can reach it (docs/webauthn.md): the
/// BLOB from `url`, and the revocation lists of its chain from `revocationSources` (URLs or files), each
/// verified as `tapstation mds import` does. A BLOB whose number is already in force is the usual answer
/// between FIDO's monthly updates, and is not a refusal.
public struct MetadataFeed: Sendable {
    /// `https://mds3.fidoalliance.org/` for FIDO's service.
    public var url: String
    /// How often to fetch.
    public var every: Duration
    /// The roots the BLOB's chain must end at.
    public var roots: [Certificate]
    /// Where the chain's revocation lists are: `http(s)://` URLs or file paths.
    public var revocationSources: [String]
    let http: HTTPClient

    /// Makes a feed that fetches with `http` (which must not follow redirects to arbitrary hosts).
    public init(url: String, every: Duration, roots: [Certificate], revocationSources: [String], http: HTTPClient) {
        self.url = url
        self.every = every
        self.roots = roots
        self.revocationSources = revocationSources
        self.http = http
    }

    /// Fetches and imports once; failures are logged (and refusals audited), never thrown: the metadata in force
    /// stays, and the next round tries again.
    func fetchAndImport(store: some MetadataStore, logger: Logger) async {
        do {
            let bytes = try await fetch(url, limit: MetadataVerifier.maximumBytes + 1)
            var lists: [RevocationList] = []
            for source in revocationSources {
                lists.append(try RevocationList(fileContents: try await read(source)))
            }
            let outcome = try await MetadataImport.run(
                bytes, roots: roots, revocations: lists, source: url, by: "system", store: store, now: Date(),
                quietWhenInForce: true)
            if case .accepted(let summary, let keys) = outcome {
                logger.notice(
                    "mds.fetched",
                    metadata: ["mds.no": "\(summary.number)", "mds.keysChanged": "\(keys.count)"])
            }
        } catch let refusal as MetadataRefusal where refusal.isInForce {
            logger.debug("mds.unchanged")
        } catch let refusal as MetadataRefusal {
            logger.warning("mds.refused", metadata: ["mds.reason": "\(refusal.reason.rawValue)"])
        } catch {
            logger.warning("mds.fetch.failed", metadata: ["mds.url": "\(url)", "error": "\(error)"])
        }
    }

    private func read(_ source: String) async throws -> [UInt8] {
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            return try await fetch(source, limit: 16 << 20)
        }
        guard let data = FileManager.default.contents(atPath: source) else {
            throw FeedError("\(source) cannot be read")
        }
        return Array(data)
    }

    private func fetch(_ address: String, limit: Int) async throws -> [UInt8] {
        let response = try await http.execute(HTTPClientRequest(url: address), timeout: .seconds(60))
        guard response.status == .ok else { throw FeedError("\(address) answered \(response.status.code)") }
        return Array(buffer: try await response.body.collect(upTo: limit))
    }
}

struct FeedError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
