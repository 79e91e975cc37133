/// What an operator token may do (API.md, "Roles").
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, helpdesk, bench, kiosk, auditor, mdm, relyingParty, metrics, board

    /// Only these roles may hold a token that is not tied to one site.
    public var mayBeGlobal: Bool {
        switch self {
        case .admin, .helpdesk, .auditor: true
        default: false
        }
    }

    /// Roles held by people, who may work in the operator console; the others are machines with tokens.
    public var isPerson: Bool {
        switch self {
        case .admin, .helpdesk, .auditor: true
        default: false
        }
    }

    /// Roles whose tokens sit on unattended devices and so may not mint passes for privileged users.
    public var isUnattendedIssuer: Bool { self == .kiosk || self == .bench }
}

/// Who is calling: the facts of an operator token that decide what a request may do.
public struct OperatorIdentity: Sendable, Equatable {
    /// The operator's id.
    public var id: OperatorID
    /// A human-readable name ("bench 3", "Ada at the help desk").
    public var name: String
    /// The role.
    public var role: Role
    /// The one site the token belongs to, or `nil` for a global token.
    public var site: SiteName?
    /// The person behind the token, when it is a person's.
    public var userPrincipalName: UserPrincipalName?
    /// Subjects this token may mint passes for; empty means any subject that is not privileged.
    public var allowedSubjects: [SubjectPattern]

    /// Makes an identity.
    public init(
        id: OperatorID, name: String, role: Role, site: SiteName?, userPrincipalName: UserPrincipalName? = nil,
        allowedSubjects: [SubjectPattern] = []
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.site = site
        self.userPrincipalName = userPrincipalName
        self.allowedSubjects = allowedSubjects
    }

    /// Whether this operator may see things that belong to `site`.
    public func canSee(site other: SiteName) -> Bool { site == nil || site == other }

    /// Whether this operator may mint a pass for `subject`, given the policy's privileged subjects.
    public func mayIssue(for subject: UserPrincipalName, privileged: [SubjectPattern]) -> IssuanceCheck {
        if !allowedSubjects.isEmpty, !allowedSubjects.contains(where: { $0.matches(subject) }) {
            return .outsideAllowedSubjects
        }
        if role.isUnattendedIssuer, privileged.contains(where: { $0.matches(subject) }) {
            return .privilegedSubject
        }
        return .allowed
    }
}

/// The answer to "may this operator mint a pass for this subject?".
public enum IssuanceCheck: Sendable, Equatable {
    case allowed
    case outsideAllowedSubjects
    case privilegedSubject
}
