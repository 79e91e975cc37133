import Foundation
import WebAuthn

import struct TapCore.AuthenticatorModel
import enum TapCore.CertificationLevel

/// The models of the metadata in force, looked up by AAGUID at each registration and each re-judging.
public struct MetadataCatalog: Sendable {
    /// The BLOB's `no`.
    public let number: Int
    /// After this the metadata is stale.
    public let nextUpdate: Date
    private let entries: [String: MetadataEntry]

    /// The catalog of a verified BLOB.
    public init(_ blob: MetadataBLOB) {
        number = blob.number
        nextUpdate = blob.nextUpdate
        entries = blob.byAAGUID
    }

    /// Whether FIDO's promised next BLOB is overdue at `now`.
    public func isStale(at now: Date) -> Bool { nextUpdate < now }

    /// The entry of the model with this AAGUID (any case).
    public func entry(aaguid: String) -> MetadataEntry? { entries[aaguid.lowercased()] }

    /// The model as shown beside a key.
    public func model(aaguid: String) -> AuthenticatorModel? { entry(aaguid: aaguid).map(Self.model) }

    /// Every model by AAGUID: what re-judging registered keys compares with.
    public var models: [String: AuthenticatorModel] { entries.mapValues(Self.model) }

    private static func model(_ entry: MetadataEntry) -> AuthenticatorModel {
        AuthenticatorModel(
            name: entry.description, certificationLevel: entry.certificationLevel.flatMap(CertificationLevel.init),
            status: entry.currentStatus?.rawValue)
    }
}

extension CertificationLevel {
    /// The policy's name for a level the metadata grants as a number (1.5 is `L1plus`).
    public init?(_ value: Double) {
        guard let level = Self.allCases.first(where: { $0.value == value }) else { return nil }
        self = level
    }
}
