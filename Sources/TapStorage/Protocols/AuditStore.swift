import Foundation
import TapCore

/// The audit chain: reading and verifying it, its anchors, the event feed, and the refusals written to it.
///
/// Events are appended by the use cases themselves, in their transactions; this is what others read and add.
public protocol AuditStore: Sendable {
    /// Wakes event streams after each commit that appended audit events.
    var feed: AuditFeed { get }

    /// Walks the whole chain and checks every MAC, and that it still reaches `anchor`.
    func verifyAudit(anchor: AuditAnchor?) async throws -> AuditVerification

    /// Audit events matching every filter given, oldest first, after sequence `after`.
    func auditEvents(
        sessionID: SessionID?, site: SiteName?, since: Date?, until: Date?, type: AuditEventType?, after: Int64?,
        limit: Int
    ) async throws -> [AuditEvent]

    /// Session-level events after `sequence`, for one session or site or all, for the event streams.
    func sessionEvents(
        after sequence: Int64, session: SessionID?, site: SiteName?, limit: Int
    ) async throws
        -> [SessionFeedEvent]

    /// Writes one aggregated `request.refused` event per (caller, code, route).
    func recordRefusals(_ refusals: [RefusalCount]) async throws

    /// The chain's present head as an anchor to keep outside the store; `nil` while the chain is empty.
    func currentAuditAnchor() async throws -> AuditAnchor?

    /// Checks cheaply that the chain still reaches `anchor`; `nil` when it holds, otherwise what is wrong.
    func auditChainProblem(anchor: AuditAnchor?) async throws -> String?

    /// Every audit event after `sequence`, in chain order, a page at a time, for export to a SIEM.
    func auditExport(after sequence: Int64, limit: Int) async throws -> [AuditExportRecord]

    /// Events matching every filter of `query`, newest first (or oldest), as `viewer` may see them (a site-scoped viewer only
    /// their site's sessions' events).
    func searchAudit(_ query: AuditQuery, visibleTo viewer: OperatorIdentity) async throws -> Page<AuditEvent>
}

/// What the console's audit search asks for; every filter given must match.
public struct AuditQuery: Sendable, Equatable {
    public var type: AuditEventType?
    public var sessionID: SessionID?
    /// Events of this user's sessions.
    public var userPrincipalName: UserPrincipalName?
    /// Who caused the events: an operator id, `redeem`, `session-token` or `system`.
    public var actor: String?
    /// Events of this site's sessions (a site-scoped viewer always gets their own site).
    public var site: SiteName?
    public var since: Date?
    public var until: Date?
    /// Only events older than this sequence: the next page's cursor, newest first.
    public var before: Int64?
    /// Only events newer than this sequence: the next page's cursor, oldest first (an export).
    public var after: Int64?
    /// Oldest first instead of newest first.
    public var oldestFirst: Bool
    public var limit: Int

    /// Makes a query; no filter is every event, newest first.
    public init(
        type: AuditEventType? = nil, sessionID: SessionID? = nil, userPrincipalName: UserPrincipalName? = nil,
        actor: String? = nil, site: SiteName? = nil, since: Date? = nil, until: Date? = nil, before: Int64? = nil,
        after: Int64? = nil, oldestFirst: Bool = false, limit: Int = 50
    ) {
        self.after = after
        self.oldestFirst = oldestFirst
        self.type = type
        self.sessionID = sessionID
        self.userPrincipalName = userPrincipalName
        self.actor = actor
        self.site = site
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}
