import Foundation
import Logging
import ServiceLifecycle
import TapStorage

/// Checks, every `interval`, whether the store holds newer FIDO metadata than this process judges keys with
/// (another process ran `tapstation mds import`, or another instance fetched it), and loads it; with a feed,
/// fetches FIDO's BLOB when it is due first.
struct MetadataRefresher: Service {
    let store: any TapStore
    let metadata: LiveMetadata
    let feed: MetadataFeed?
    let interval: Duration
    let logger: Logger
    /// The fetch's turn among instances (each loads what any of them fetched); `nil` for the database's only one.
    var lease: JobLease? = nil

    func run() async throws {
        // On shutdown the loop is cancelled between rounds or while sleeping.
        await cancelWhenGracefulShutdown {
            var nextFetch = ContinuousClock.now
            while !Task.isCancelled {
                if let feed, ContinuousClock.now >= nextFetch, await lease?.hold() ?? true {
                    await feed.fetchAndImport(store: store, logger: logger)
                    nextFetch = ContinuousClock.now + feed.every
                }
                do {
                    try await metadata.refresh(from: store, logger: logger)
                } catch {
                    logger.warning("mds.refresh.failed", metadata: ["error.type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        await lease?.release()
    }
}
