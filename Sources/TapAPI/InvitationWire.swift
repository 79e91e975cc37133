import Foundation
import TapCore

/// `POST /v1/operators/invitations`: a person (admin, helpdesk or auditor) to invite to the console.
public struct CreateInvitationRequest: Codable, Sendable {
    public var name: String
    public var role: Role
    public var userPrincipalName: UserPrincipalName
    public var site: SiteName?

    public init(name: String, role: Role, userPrincipalName: UserPrincipalName, site: SiteName? = nil) {
        self.name = name
        self.role = role
        self.userPrincipalName = userPrincipalName
        self.site = site
    }
}

/// A one-time invitation code for a person, shown only in this answer: they register a passkey with it at
/// `url`. Answered by an invitation and by an admin's passkey reset.
public struct InvitationView: Codable, Sendable {
    public var `operator`: OperatorView
    /// In groups of four (`K7QM-3XRP-HV9T`), to be read out or sent; typed in any case, with or without dashes.
    public var invitationCode: String
    public var expirationDateTime: Date
    /// Where the person types it: the console's invitation page, when the server knows its own origin.
    public var url: String?

    public init(operator: OperatorView, invitationCode: String, expirationDateTime: Date, url: String?) {
        self.operator = `operator`
        self.invitationCode = invitationCode
        self.expirationDateTime = expirationDateTime
        self.url = url
    }
}
