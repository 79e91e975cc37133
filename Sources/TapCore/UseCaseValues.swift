import Foundation

/// What an operator asks for when creating a session.
public struct NewSession: Sendable, Equatable {
    public var scenario: Scenario
    public var userPrincipalName: UserPrincipalName
    public var device: DeviceDescription?
    /// `nil` means the creator's site (or the default site for a global operator).
    public var site: SiteName?
    public var reason: String?
    public var proofing: Proofing?
    public var pass: PassRequest

    /// Makes a request.
    public init(
        scenario: Scenario, userPrincipalName: UserPrincipalName, device: DeviceDescription? = nil,
        site: SiteName? = nil,
        reason: String? = nil, proofing: Proofing? = nil, pass: PassRequest = PassRequest()
    ) {
        self.scenario = scenario
        self.userPrincipalName = userPrincipalName
        self.device = device
        self.site = site
        self.reason = reason
        self.proofing = proofing
        self.pass = pass
    }
}

/// An `Idempotency-Key` and a digest of the request it came with.
public struct IdempotencyClaim: Sendable, Equatable {
    public var key: String
    public var requestDigest: [UInt8]

    /// Makes a claim.
    public init(key: String, requestDigest: [UInt8]) {
        self.key = key
        self.requestDigest = requestDigest
    }
}

/// A session together with the pass value minted for it, by us or by an outside authority; the value exists
/// only here.
public struct MintedPass<Value: Sendable>: Sendable {
    public var session: Session
    public var pass: Value

    /// Pairs a session with its new pass.
    public init(session: Session, pass: Value) {
        self.session = session
        self.pass = pass
    }
}

/// A session together with the pass value we minted for it, in our alphabet.
public typealias IssuedPass = MintedPass<PassCode>

/// The outcome of creating a session.
public enum CreateOutcome: Sendable {
    /// A new session and its pass value.
    case created(IssuedPass)
    /// The same request was made before with this idempotency key: the original session, without its pass.
    case replayed(Session)
    /// Policy wants a second operator first: the session exists, with no pass yet.
    case awaitingApproval(Session)
    /// An outside authority (Entra) created the pass: the session and the value it gave, shown once.
    case createdExternally(ExternallyIssuedPass)
}

/// The outcome of redeeming a pass. Every refusal looks the same from outside.
public enum RedeemOutcome: Sendable {
    /// The pass admitted a sign-in; the token is scoped to the session.
    case admitted(Session, BearerToken)
    /// Unknown user, wrong pass, expired, used up, revoked or locked: indistinguishable.
    case refused
}

/// Filters for listing sessions; `nil` fields do not filter.
public struct SessionFilter: Sendable, Equatable {
    public var state: SessionState?
    public var scenario: Scenario?
    public var site: SiteName?
    public var userPrincipalName: UserPrincipalName?
    public var serialNumber: SerialNumber?

    /// Makes a filter.
    public init(
        state: SessionState? = nil, scenario: Scenario? = nil, site: SiteName? = nil,
        userPrincipalName: UserPrincipalName? = nil, serialNumber: SerialNumber? = nil
    ) {
        self.state = state
        self.scenario = scenario
        self.site = site
        self.userPrincipalName = userPrincipalName
        self.serialNumber = serialNumber
    }
}

/// One page of a list, and where the next begins.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    /// Makes a page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// What the expiry sweeper did in one pass.
public struct SweepReport: Sendable, Equatable {
    public var sessionsAdvanced: Int = 0
    public var refusalsReported: Int = 0
    public var idempotencyKeysPurged: Int = 0

    /// An empty report.
    public init() {}
}

/// How many times one caller was refused one way on one route since the last report.
public struct RefusalCount: Sendable, Equatable, Hashable {
    /// An operator id, or `anonymous` when no valid operator token was presented.
    public var actor: String
    /// The problem code the caller received.
    public var code: String
    /// The route, as the API contract names it (`POST /v1/sessions`).
    public var route: String
    public var count: Int

    /// Makes a count.
    public init(actor: String, code: String, route: String, count: Int) {
        self.actor = actor
        self.code = code
        self.route = route
        self.count = count
    }
}
