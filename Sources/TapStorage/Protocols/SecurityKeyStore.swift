import Foundation
import TapCore

/// FIDO2 security keys: the challenges of registration and sign-in, and the keys themselves.
///
/// A challenge is consumed at most once; the WebAuthn verification itself happens outside the store.
public protocol SecurityKeyStore: Sendable {
    /// Stores a registration challenge for the session's user and returns what the ceremony needs.
    func beginKeyRegistration(
        session id: SessionID, challengeDigest: [UInt8], freshUserHandle: [UInt8], lifetime: TimeInterval
    ) async throws -> RegistrationStart

    /// Stores a test sign-in challenge for the session's new key and returns the keys that may answer it.
    func beginTestSignIn(
        session id: SessionID, challengeDigest: [UInt8], lifetime: TimeInterval
    ) async throws
        -> [KeyDescriptor]

    /// Stores an assertion challenge for a relying party and returns the keys it may be answered with.
    func beginAssertion(
        by actor: OperatorIdentity, user: UserPrincipalName?, challengeDigest: [UInt8], lifetime: TimeInterval
    ) async throws -> [KeyDescriptor]

    /// Spends a stored challenge once; a second call with the same digest is refused.
    func consumeChallenge(
        digest: [UInt8], purpose: ChallengePurpose, holder: ChallengeHolder
    ) async throws
        -> ConsumedChallenge

    /// Records a verified new key for the session's user; `model` is its model's name in the metadata, if any.
    func registerKey(_ key: NewSecurityKey, session id: SessionID, model: String?) async throws -> KeyRegistration

    /// The key with this credential id.
    func securityKey(credentialID: [UInt8]) async throws -> SecurityKey?

    /// Records the test sign-in that proved the session's new key.
    func proveKey(
        _ keyID: SecurityKeyID, session id: SessionID, signCount: UInt32, backupState: Bool
    ) async throws
        -> KeyRegistration

    /// Records a verified sign-in with a key (its new sign count and backup state).
    func recordSignIn(_ keyID: SecurityKeyID, signCount: UInt32, backupState: Bool) async throws -> SecurityKey

    /// A page of the keys `viewer` may see, optionally of one user or only flagged ones, after `cursor`.
    func securityKeys(
        user: UserPrincipalName?, flaggedOnly: Bool, visibleTo viewer: OperatorIdentity, after cursor: SecurityKeyID?,
        limit: Int
    ) async throws -> Page<SecurityKey>

    /// Deletes a key, keeping the audit record of it.
    func deleteSecurityKey(_ id: SecurityKeyID, reason: String?, by actor: OperatorIdentity) async throws -> SecurityKey
}

extension SecurityKeyStore {
    /// Registers a key whose model no metadata names.
    public func registerKey(_ key: NewSecurityKey, session id: SessionID) async throws -> KeyRegistration {
        try await registerKey(key, session: id, model: nil)
    }

    /// A page of the keys `viewer` may see, optionally of one user, after `cursor`.
    public func securityKeys(
        user: UserPrincipalName?, visibleTo viewer: OperatorIdentity, after cursor: SecurityKeyID?, limit: Int
    ) async throws -> Page<SecurityKey> {
        try await securityKeys(user: user, flaggedOnly: false, visibleTo: viewer, after: cursor, limit: limit)
    }
}
