import FIDOMetadata
import Foundation
import TapCore
import TapCrypto
import TapStorage

/// Verifying a FIDO metadata BLOB and putting it in force: one path for `tapstation mds import`, the online
/// feed and the tests. A refusal is audited and leaves the metadata in force; an acceptance re-judges every
/// registered key by the new statuses.
public enum MetadataImport {
    /// What became of a BLOB that verified.
    public enum Outcome: Sendable, Equatable {
        /// In force now; `keys` are the keys flagged or cleared by it.
        case accepted(MetadataSummary, keys: [KeyStatusChange])
        /// Another import put this number or a greater one in force meanwhile.
        case overtaken
    }

    /// Verifies `bytes` against `roots` and `revocations` at `now` and puts the BLOB in force; throws the
    /// ``MetadataRefusal`` after auditing it as `metadata.refused` from `source` by `actor`. With
    /// `quietWhenInForce`, the BLOB in force fetched again is thrown without an audit event (a feed's usual day).
    public static func run(
        _ bytes: [UInt8], roots: [Certificate], revocations: [RevocationList], source: String, by actor: String,
        store: some MetadataStore, now: Date, quietWhenInForce: Bool = false
    ) async throws -> Outcome {
        let lastNumber = try await store.metadataInForce()?.summary.number
        let blob: MetadataBLOB
        do {
            blob = try MetadataVerifier.verify(
                bytes, roots: roots, revocations: revocations, lastNumber: lastNumber, now: now)
        } catch {
            if quietWhenInForce && error.isInForce { throw error }
            try await store.refuseMetadata(
                reason: error.reason.rawValue, detail: error.detail, source: source, by: actor)
            throw error
        }
        let summary = MetadataSummary(number: blob.number, nextUpdate: blob.nextUpdate, entries: blob.entries.count)
        guard try await store.acceptMetadata(bytes, summary: summary, source: source, by: actor) else {
            return .overtaken
        }
        let changes = try await store.rejudgeKeys(models: MetadataCatalog(blob).models)
        return .accepted(summary, keys: changes)
    }
}
