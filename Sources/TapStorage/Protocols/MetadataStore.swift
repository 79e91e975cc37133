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

    /// Re-judges every registered key by its model's newest status in `models` (by lower-case AAGUID) under the
    /// passkey profile of its site: a key whose model's status its profile refuses is flagged, one no longer
    /// refused is cleared, each change with a `key.statusChanged` event (which webhooks carry). Running it again
    /// with the same metadata changes nothing. Returns the changes.
    func rejudgeKeys(models: [String: AuthenticatorModel]) async throws -> [KeyStatusChange]
}

/// A key flagged or cleared by ``MetadataStore/rejudgeKeys(models:)``.
public struct KeyStatusChange: Sendable, Equatable {
    public var keyID: SecurityKeyID
    public var userPrincipalName: UserPrincipalName
    public var aaguid: String
    /// The refused status the key is flagged with now; `nil` when its flag was cleared.
    public var flaggedStatus: String?

    /// Makes a change.
    public init(keyID: SecurityKeyID, userPrincipalName: UserPrincipalName, aaguid: String, flaggedStatus: String?) {
        self.keyID = keyID
        self.userPrincipalName = userPrincipalName
        self.aaguid = aaguid
        self.flaggedStatus = flaggedStatus
    }
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
