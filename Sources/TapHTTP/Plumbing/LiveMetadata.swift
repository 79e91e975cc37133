import FIDOMetadata
import Foundation
import Logging
import NIOConcurrencyHelpers
import TapCore
import TapStorage
import WebAuthn

/// The FIDO metadata this process judges keys with: the catalog of models, and the attestation anchors with
/// each model's roots scoped to its AAGUID. Swapped whole when a newer BLOB is in force in the store, whichever
/// process imported it, so that an import counts without a restart.
public final class LiveMetadata: Sendable {
    /// What one registration reads, consistent with itself.
    public struct Snapshot: Sendable {
        /// The models; `nil` until a BLOB is imported.
        public var catalog: MetadataCatalog?
        /// The configured anchors plus each model's roots.
        public var anchors: TrustAnchors
    }

    private let configuredAnchors: TrustAnchors
    private let state: NIOLockedValueBox<Snapshot>

    /// Starts with the configured anchors and no metadata.
    public init(configuredAnchors: TrustAnchors) {
        self.configuredAnchors = configuredAnchors
        state = NIOLockedValueBox(Snapshot(catalog: nil, anchors: configuredAnchors))
    }

    /// The metadata in force now.
    public var snapshot: Snapshot { state.withLockedValue { $0 } }

    /// The model of `aaguid`, as shown beside a key.
    public func model(aaguid: String) -> AuthenticatorModel? { snapshot.catalog?.model(aaguid: aaguid) }

    /// The models of `keys` the metadata names, by lower-case AAGUID.
    func models(of keys: [SecurityKey]) -> [String: AuthenticatorModel] {
        guard let catalog = snapshot.catalog else { return [:] }
        var models: [String: AuthenticatorModel] = [:]
        for key in keys {
            let aaguid = key.key.aaguid.lowercased()
            if models[aaguid] == nil, let model = catalog.model(aaguid: aaguid) { models[aaguid] = model }
        }
        return models
    }

    /// Puts `blob` in force in this process.
    public func install(_ blob: MetadataBLOB) {
        let snapshot = Snapshot(catalog: MetadataCatalog(blob), anchors: blob.addingModelRoots(to: configuredAnchors))
        state.withLockedValue { $0 = snapshot }
    }

    /// Loads the store's BLOB when it is not the one in force here. Re-judging the registered keys is not done
    /// here: the import that put the BLOB in force did it (``MetadataImport``), once for every instance.
    /// Returns whether the metadata changed.
    @discardableResult
    public func refresh(from store: some MetadataStore, logger: Logger) async throws -> Bool {
        guard let summary = try await store.metadataInForce()?.summary,
            summary.number != snapshot.catalog?.number,
            let stored = try await store.acceptedMetadata()
        else { return false }
        let blob: MetadataBLOB
        do {
            blob = try MetadataVerifier.readAccepted(stored.blob)
        } catch {
            // Cannot happen for a BLOB this code verified; if the row was edited, the format roots still hold.
            logger.error("mds.unreadable", metadata: ["mds.refusal": "\(error)"])
            return false
        }
        install(blob)
        logger.info("mds.loaded", metadata: ["mds.no": "\(blob.number)", "mds.entries": "\(blob.entries.count)"])
        if blob.nextUpdate < Date() {
            logger.warning("mds.stale", metadata: ["mds.nextUpdate": "\(UTCTime.rfc3339(blob.nextUpdate))"])
        }
        return true
    }
}

/// How a serving process keeps its FIDO metadata current.
public struct MetadataSettings: Sendable {
    /// The metadata in force in this process, loaded from the store before the server starts.
    public var live: LiveMetadata
    /// FIDO's service, fetched on a schedule; `nil` for a site that imports files.
    public var feed: MetadataFeed?
    /// How often the store is checked for a BLOB another process imported.
    public var checkInterval: Duration

    /// Makes settings.
    public init(live: LiveMetadata, feed: MetadataFeed? = nil, checkInterval: Duration = .seconds(60)) {
        self.live = live
        self.feed = feed
        self.checkInterval = checkInterval
    }
}
