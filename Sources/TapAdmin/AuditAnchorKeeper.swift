import Foundation
import Logging
import ServiceLifecycle
import TapStorage

/// Keeps the data directory's audit anchor (see ``AuditAnchor``) close behind the chain while `serve` runs:
/// every few seconds when the chain grew, and once more at shutdown. It may lag the chain, never lead it, so a
/// kill -9 leaves an anchor the chain still reaches.
struct AuditAnchorKeeper: Service {
    let dataDirectory: DataDirectory
    let store: any AuditStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let keeper = self
        let written = await cancelWhenGracefulShutdown { () async -> Int64? in
            var written: Int64?
            while !Task.isCancelled {
                written = await keeper.keep(after: written)
                try? await Task.sleep(for: keeper.interval)
            }
            return written
        }
        _ = await keep(after: written ?? nil)
    }

    /// Writes the anchor when the chain grew past `written`; returns the sequence the file now holds.
    private func keep(after written: Int64?) async -> Int64? {
        do {
            guard let anchor = try await store.currentAuditAnchor(), anchor.sequence != written else { return written }
            try dataDirectory.writeAuditAnchor(anchor)
            return anchor.sequence
        } catch {
            logger.warning("audit.anchor.failed", metadata: ["error.type": "\(type(of: error))"])
            return written
        }
    }
}
