import Foundation
import TapCore

/// The FIDO metadata in force: the last BLOB an import verified and accepted, kept whole so that the service
/// reads the same models after a restart. The store checks nothing of the BLOB but its number; verifying it is
/// the FIDOMetadata module's job, before anything here is called.
public protocol MetadataStore: Sendable {
    /// The accepted BLOB, if any.
    func acceptedMetadata() async throws -> StoredMetadata?

    /// What the accepted BLOB says of itself, and when it was imported, without the BLOB (the service page).
    func metadataInForce() async throws -> (summary: MetadataSummary, importedAt: Date)?

    /// Keeps `blob` in place of the BLOB before, with a `metadata.imported` event. `false`, and nothing
    /// changed, when the BLOB in force already has this number or a greater one (another import won).
    func acceptMetadata(
        _ blob: [UInt8], summary: MetadataSummary, source: String, by actor: String
    ) async throws
        -> Bool

    /// A refused BLOB leaves the one in force, and a `metadata.refused` event with the reason.
    func refuseMetadata(reason: String, detail: String, source: String, by actor: String) async throws
}

/// What an import tells about a verified BLOB.
public struct MetadataSummary: Sendable, Equatable {
    public var number: Int
    public var nextUpdate: Date
    public var entries: Int

    /// Makes a summary.
    public init(number: Int, nextUpdate: Date, entries: Int) {
        self.number = number
        self.nextUpdate = nextUpdate
        self.entries = entries
    }
}

/// The BLOB in force, as stored.
public struct StoredMetadata: Sendable, Equatable {
    public var summary: MetadataSummary
    public var importedAt: Date
    public var blob: [UInt8]

    /// Makes a stored BLOB.
    public init(summary: MetadataSummary, importedAt: Date, blob: [UInt8]) {
        self.summary = summary
        self.importedAt = importedAt
        self.blob = blob
    }
}
