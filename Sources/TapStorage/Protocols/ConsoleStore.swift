import Foundation
import TapCore

/// People in the operator console: invitations, their passkeys, the challenges of their ceremonies, and their
/// browser sessions.
///
/// Codes and cookies are returned once, by the call that made them; the store keeps only their MACs. The
/// WebAuthn verification itself happens outside the store, between spending a challenge and recording its result.
public protocol ConsoleStore: Sendable {
    /// Invites a person (admin, helpdesk or auditor, with a user principal name): the operator is made with no
    /// working token, and a one-time invitation code lets them register their first passkey.
    func invitePerson(
        _ request: NewOperator, codeLifetime: TimeInterval, by creator: OperatorIdentity?
    ) async throws -> PersonInvitation

    /// The operator an unspent, unexpired invitation code stands for, and a registration challenge stored for
    /// them; `nil` for every kind of refusal, so a guesser learns nothing.
    func beginPasskeyRegistration(
        invitationCode: String, challengeDigest: [UInt8], lifetime: TimeInterval
    ) async throws -> Operator?

    /// Stores a sign-in challenge that any operator passkey may answer (discoverable credentials).
    func beginConsoleSignIn(challengeDigest: [UInt8], lifetime: TimeInterval) async throws

    /// Spends a console challenge once; the operator it was stored for (registration) or `nil` (sign-in).
    /// Throws `webauthn_challenge_*` refusals for an unknown, used, expired or wrong-purpose challenge.
    func consumeConsoleChallenge(digest: [UInt8], purpose: ConsoleChallengePurpose) async throws -> OperatorID?

    /// Spends the invitation code, stores the verified passkey and opens a console session, in one transaction;
    /// `nil` when the code no longer stands for `operatorID` (used, expired, revoked meanwhile).
    func registerOperatorPasskey(
        _ key: NewSecurityKey, invitationCode: String, operator operatorID: OperatorID, terms: ConsoleSessionTerms
    ) async throws -> ConsoleSignIn?

    /// The operator passkey with this credential id.
    func operatorPasskey(credentialID: [UInt8]) async throws -> OperatorPasskey?

    /// Records a verified sign-in with a passkey (its counter and backup state) and opens a console session;
    /// `nil` when its operator is revoked, expired, or no longer a person's role.
    func signIn(
        with passkey: OperatorPasskey, signCount: UInt32, backupState: Bool, terms: ConsoleSessionTerms
    ) async throws -> ConsoleSignIn?

    /// Records a fresh passkey proof in a live console session (a step-up before a sensitive action): the
    /// passkey's counter, and the session's `provenAt`; `false` when the session ended or the passkey is not its
    /// person's.
    func stepUp(
        consoleSession id: String, with passkey: OperatorPasskey, signCount: UInt32, backupState: Bool
    ) async throws -> Bool

    /// The console session a cookie stands for, moving its idle end `idleTimeout` on (a request by the person);
    /// with `nil`, only whether it still lives (an open event stream must not keep an idle person signed in).
    /// `nil` when the cookie is unknown, the session ended, idled out or lived its whole life, or its operator was
    /// revoked or changed role.
    func consoleSession(cookie: String, idleTimeout: TimeInterval?) async throws -> ConsoleSession?

    /// Ends the session a cookie stands for (sign-out); `false` when there was no live one.
    func endConsoleSession(cookie: String) async throws -> Bool

    /// Remembers a single sign-on just sent to the provider (its state's digest, nonce and PKCE verifier; for a
    /// step-up, how fresh the provider's authentication must be).
    func beginSingleSignOn(_ login: SingleSignOnStart, lifetime: TimeInterval) async throws

    /// Spends a single sign-on's state once; what began it, or `nil` when unknown, spent or expired.
    func consumeSingleSignOn(stateDigest: [UInt8]) async throws -> SingleSignOnStart?

    /// Signs in a person the provider vouched for, as the operator their issuer and subject map to: the same
    /// one while their role and site stay, a new one (the old one revoked, its sessions ended) when the claim
    /// mapping gives another; `nil` when that operator was revoked by an admin.
    func signInWithSingleSignOn(_ person: SingleSignOnPerson, terms: ConsoleSessionTerms) async throws -> ConsoleSignIn?

    /// Audits a refused console sign-in (`console.signInRefused`): how, why, and whom it named if anyone.
    func recordConsoleRefusal(method: ConsoleSignInMethod, reason: String, subject: String?) async throws

    /// The passkeys of one operator, oldest first.
    func operatorPasskeys(of operatorID: OperatorID) async throws -> [OperatorPasskey]

    /// A new one-time invitation code for a person who already exists, replacing any earlier one: to add a
    /// passkey (`resettingPasskeys: false`, the person for themself), or, by an admin when a key is lost, after
    /// removing every passkey of theirs and ending their console sessions (`operator.passkeysReset`). A site
    /// admin reaches only its site's people.
    func renewInvitation(
        of operatorID: OperatorID, resettingPasskeys: Bool, codeLifetime: TimeInterval, by actor: OperatorIdentity
    ) async throws -> PersonInvitation

    /// Removes one of the person's own passkeys (`operator.passkeyRemoved`); refuses their last one, which would
    /// leave them no way in but an admin's reset.
    func removeOperatorPasskey(_ passkeyID: String, by person: OperatorIdentity) async throws
}

/// What a console challenge is for.
public enum ConsoleChallengePurpose: String, Sendable, Codable {
    /// Registering an invited person's passkey (bound to that operator).
    case registration
    /// Signing in with any operator passkey.
    case signIn
}

/// A person just invited to the console.
public struct PersonInvitation: Sendable {
    public var `operator`: Operator
    /// The code in groups of four (`K7QM-3XRP-HV9T`), returned once; storage keeps its MAC.
    public var code: String
    public var expiresAt: Date
}

/// How a console session is begun and how long it may live (from policy or configuration).
public struct ConsoleSessionTerms: Sendable, Equatable {
    /// How the person proved who they are.
    public var method: ConsoleSignInMethod
    /// How long the session lives without a request.
    public var idleTimeout: TimeInterval
    /// How long it lives at most, however busy.
    public var absoluteLifetime: TimeInterval

    /// Makes terms.
    public init(method: ConsoleSignInMethod, idleTimeout: TimeInterval, absoluteLifetime: TimeInterval) {
        self.method = method
        self.idleTimeout = idleTimeout
        self.absoluteLifetime = absoluteLifetime
    }
}

/// How a person signed in to the console.
public enum ConsoleSignInMethod: String, Sendable, Codable {
    case passkey, oidc
}

/// A console session just opened: the cookie value, returned once.
public struct ConsoleSignIn: Sendable {
    public var session: ConsoleSession
    /// The cookie's value; storage keeps its MAC.
    public var cookie: String
}

/// A live console session and the person it stands for.
public struct ConsoleSession: Sendable, Equatable {
    public var id: String
    public var `operator`: Operator
    public var method: ConsoleSignInMethod
    public var createdAt: Date
    /// When the person last proved who they are (sign-in, or a later step-up).
    public var provenAt: Date
    /// The absolute end.
    public var expiresAt: Date
}

/// A passkey a person signs in to the console with.
public struct OperatorPasskey: Sendable, Equatable {
    public var id: String
    public var operatorID: OperatorID
    public var credentialID: [UInt8]
    public var userHandle: [UInt8]
    public var publicKeyCOSE: [UInt8]
    public var signCount: UInt32
    public var backupEligible: Bool
    public var aaguid: String
    public var attestationFormat: String
    public var attestationTrust: String
    public var createdAt: Date
    public var lastUsedAt: Date?
}

/// A person as the OpenID provider vouched for them, with the role and site the claim mapping gave.
public struct SingleSignOnPerson: Sendable, Equatable {
    public var issuer: String
    public var subject: String
    public var userPrincipalName: UserPrincipalName
    public var name: String
    public var role: Role
    public var site: SiteName?

    public init(
        issuer: String, subject: String, userPrincipalName: UserPrincipalName, name: String, role: Role,
        site: SiteName?
    ) {
        self.issuer = issuer
        self.subject = subject
        self.userPrincipalName = userPrincipalName
        self.name = name
        self.role = role
        self.site = site
    }
}

/// A single sign-on sent to the provider, as its callback needs it back.
public struct SingleSignOnStart: Sendable, Equatable {
    public var stateDigest: [UInt8]
    public var nonce: String
    public var codeVerifier: String
    /// For a step-up: `auth_time` must be at most this many seconds old.
    public var freshWithin: Int?

    public init(stateDigest: [UInt8], nonce: String, codeVerifier: String, freshWithin: Int? = nil) {
        self.stateDigest = stateDigest
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.freshWithin = freshWithin
    }
}
