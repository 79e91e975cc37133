import Foundation

/// What each policy setting means, in a line a person can act on: the console's form labels and explains
/// fields with it, and ``PolicyChange`` names them in its sentences.
public enum PolicyGuide {
    /// How a setting is typed into a form.
    public enum Kind: Sendable, Equatable {
        case number(ClosedRange<Int>)
        case flag
        case proofingMethods
    }

    /// One setting of ``PolicySettings``.
    public struct Field: Sendable {
        /// The JSON member (`defaultMaxUses`).
        public var key: String
        /// Its name in words ("Sign-ins per pass, by default").
        public var label: String
        /// One line on what it does.
        public var help: String
        public var kind: Kind
    }

    /// Every setting, in the order a form shows them.
    public static let settings: [Field] = [
        Field(key: "enabled", label: "Passes may be issued", help: "Off stops every new pass here.", kind: .flag),
        Field(
            key: "minimumLifetimeInMinutes", label: "Shortest lifetime (minutes)",
            help: "The shortest pass an operator may ask for.", kind: .number(PolicyLimits.lifetimeInMinutes)),
        Field(
            key: "maximumLifetimeInMinutes", label: "Longest lifetime (minutes)",
            help: "The longest pass an operator may ask for (Entra allows 10 minutes to 30 days).",
            kind: .number(PolicyLimits.lifetimeInMinutes)),
        Field(
            key: "defaultLifetimeInMinutes", label: "Lifetime by default (minutes)",
            help: "When neither the request nor a preset names one.", kind: .number(PolicyLimits.lifetimeInMinutes)),
        Field(
            key: "defaultLength", label: "Symbols in a pass",
            help: "12 or more gives at least 55 bits; shorter passes are for pen and paper.",
            kind: .number(PolicyLimits.length)),
        Field(
            key: "defaultMaxUses", label: "Sign-ins per pass, by default",
            help: "Apple ADE and Autopilot need 2; most enrolments need 1.", kind: .number(PolicyLimits.uses)),
        Field(
            key: "maximumUses", label: "Most sign-ins one pass may admit",
            help: "No request or preset may ask for more.", kind: .number(PolicyLimits.uses)),
        Field(
            key: "failedAttemptLimit", label: "Wrong passes before lock-out",
            help: "Wrong passes tried for one user before their open passes lock.",
            kind: .number(PolicyLimits.failedAttempts)),
        Field(
            key: "lockOutOnlyUnusedPasses", label: "Lock-out spares passes in use",
            help: "A stranger guessing cannot stop an enrolment already under way.", kind: .flag),
        Field(
            key: "completionDeadlineInMinutes", label: "Time to finish enrolment (minutes)",
            help: "How long an enrolment may take once its pass was first used.",
            kind: .number(PolicyLimits.completionDeadlineInMinutes)),
        Field(
            key: "proofingRequired", label: "Identification required",
            help: "Every issuance must say how the person was identified.", kind: .flag),
        Field(
            key: "acceptedProofingMethods", label: "Identification methods accepted",
            help: "inPerson, managerAttested, videoCall, callback, ticket; separate them with commas.",
            kind: .proofingMethods),
        Field(
            key: "approvalRequired", label: "A second person approves every pass",
            help: "Privileged users always need one.", kind: .flag),
        Field(
            key: "approverProofingRequired", label: "The approver adds their own identification",
            help: "The approver says how they checked the person too.", kind: .flag),
        Field(
            key: "approvalTimeoutInMinutes", label: "Time to approve (minutes)",
            help: "A request no one decides in this time is rejected.",
            kind: .number(PolicyLimits.approvalTimeoutInMinutes)),
        Field(
            key: "passesPerOperatorPerHour", label: "Passes per operator per hour",
            help: "0 or empty: no cap.", kind: .number(PolicyLimits.cap)),
        Field(
            key: "passesPerOperatorPerDay", label: "Passes per operator per day", help: "0 or empty: no cap.",
            kind: .number(PolicyLimits.cap)),
        Field(
            key: "passesPerSitePerHour", label: "Passes per site per hour", help: "0 or empty: no cap.",
            kind: .number(PolicyLimits.cap)),
        Field(
            key: "passesPerSitePerDay", label: "Passes per site per day", help: "0 or empty: no cap.",
            kind: .number(PolicyLimits.cap)),
        Field(
            key: "privilegedPassesPerDay", label: "Passes for privileged users per day",
            help: "0 or empty: no cap.", kind: .number(PolicyLimits.cap)),
        Field(
            key: "keyTestSignInRequired", label: "A new security key proves itself",
            help: "A FIDO2 key must pass one test sign-in before its session completes.", kind: .flag),
    ]

    /// The field named `key`, if it is a setting.
    public static func field(_ key: String) -> Field? { settings.first { $0.key == key } }
}
