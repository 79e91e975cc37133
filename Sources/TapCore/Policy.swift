import Foundation

/// Settings for passes, sessions and attempts: every field optional so that an override names only what it
/// changes. The policy's `defaults` holds a complete set.
public struct PolicySettings: Sendable, Equatable, Codable {
    /// Whether passes may be minted (and used) at all.
    public var enabled: Bool?
    /// Shortest lifetime an operator may ask for.
    public var minimumLifetimeInMinutes: Int?
    /// Longest lifetime an operator may ask for.
    public var maximumLifetimeInMinutes: Int?
    /// Lifetime when neither request nor preset names one.
    public var defaultLifetimeInMinutes: Int?
    /// Symbols in a new pass.
    public var defaultLength: Int?
    /// Sign-ins a pass admits when neither request nor preset names a number.
    public var defaultMaxUses: Int?
    /// The most sign-ins one pass may admit.
    public var maximumUses: Int?
    /// Wrong passes tried for one user before that user's open passes lock.
    public var failedAttemptLimit: Int?
    /// Whether reaching `failedAttemptLimit` locks only passes not yet used once, so that strangers guessing at
    /// a user's name cannot stop an enrollment already under way. Absent means no: every open pass locks.
    public var lockOutOnlyUnusedPasses: Bool?
    /// How long an enrollment may take once its pass was first used.
    public var completionDeadlineInMinutes: Int?
    /// Whether every issuance must say how the person was identified.
    public var proofingRequired: Bool?
    /// The identification methods accepted.
    public var acceptedProofingMethods: [Proofing.Method]?
    /// Whether a second operator must approve every issuance (privileged subjects always need one).
    public var approvalRequired: Bool?
    /// Whether the approver must add their own proofing note.
    public var approverProofingRequired: Bool?
    /// How long a request may wait for approval before it is rejected.
    public var approvalTimeoutInMinutes: Int?
    /// Caps on passes minted; absent or 0 means no cap.
    public var passesPerOperatorPerHour: Int?
    public var passesPerOperatorPerDay: Int?
    public var passesPerSitePerHour: Int?
    public var passesPerSitePerDay: Int?
    public var privilegedPassesPerDay: Int?
    /// Whether a newly registered FIDO2 key must prove itself in one test sign-in before its session completes
    /// (and its pass dies); a key whose session ends unproven is deleted. Absent means no.
    public var keyTestSignInRequired: Bool?
    /// Which security keys may register (attestation, device-bound, models, certification, statuses, user
    /// verification); overrides name only the profile fields they change.
    public var passkeys: PasskeyProfile?

    /// Makes settings; unspecified fields are inherited.
    public init(
        enabled: Bool? = nil, minimumLifetimeInMinutes: Int? = nil, maximumLifetimeInMinutes: Int? = nil,
        defaultLifetimeInMinutes: Int? = nil, defaultLength: Int? = nil, defaultMaxUses: Int? = nil,
        maximumUses: Int? = nil, failedAttemptLimit: Int? = nil, completionDeadlineInMinutes: Int? = nil,
        proofingRequired: Bool? = nil, acceptedProofingMethods: [Proofing.Method]? = nil, approvalRequired: Bool? = nil,
        approverProofingRequired: Bool? = nil, approvalTimeoutInMinutes: Int? = nil,
        passesPerOperatorPerHour: Int? = nil,
        passesPerOperatorPerDay: Int? = nil, passesPerSitePerHour: Int? = nil, passesPerSitePerDay: Int? = nil,
        privilegedPassesPerDay: Int? = nil, keyTestSignInRequired: Bool? = nil, lockOutOnlyUnusedPasses: Bool? = nil,
        passkeys: PasskeyProfile? = nil
    ) {
        self.passkeys = passkeys
        self.lockOutOnlyUnusedPasses = lockOutOnlyUnusedPasses
        self.keyTestSignInRequired = keyTestSignInRequired
        self.proofingRequired = proofingRequired
        self.acceptedProofingMethods = acceptedProofingMethods
        self.approvalRequired = approvalRequired
        self.approverProofingRequired = approverProofingRequired
        self.approvalTimeoutInMinutes = approvalTimeoutInMinutes
        self.passesPerOperatorPerHour = passesPerOperatorPerHour
        self.passesPerOperatorPerDay = passesPerOperatorPerDay
        self.passesPerSitePerHour = passesPerSitePerHour
        self.passesPerSitePerDay = passesPerSitePerDay
        self.privilegedPassesPerDay = privilegedPassesPerDay
        self.enabled = enabled
        self.minimumLifetimeInMinutes = minimumLifetimeInMinutes
        self.maximumLifetimeInMinutes = maximumLifetimeInMinutes
        self.defaultLifetimeInMinutes = defaultLifetimeInMinutes
        self.defaultLength = defaultLength
        self.defaultMaxUses = defaultMaxUses
        self.maximumUses = maximumUses
        self.failedAttemptLimit = failedAttemptLimit
        self.completionDeadlineInMinutes = completionDeadlineInMinutes
    }

    /// `self` with every field that `other` sets taken from `other`.
    public func overlaid(with other: PolicySettings) -> PolicySettings {
        PolicySettings(
            enabled: other.enabled ?? enabled,
            minimumLifetimeInMinutes: other.minimumLifetimeInMinutes ?? minimumLifetimeInMinutes,
            maximumLifetimeInMinutes: other.maximumLifetimeInMinutes ?? maximumLifetimeInMinutes,
            defaultLifetimeInMinutes: other.defaultLifetimeInMinutes ?? defaultLifetimeInMinutes,
            defaultLength: other.defaultLength ?? defaultLength,
            defaultMaxUses: other.defaultMaxUses ?? defaultMaxUses,
            maximumUses: other.maximumUses ?? maximumUses,
            failedAttemptLimit: other.failedAttemptLimit ?? failedAttemptLimit,
            completionDeadlineInMinutes: other.completionDeadlineInMinutes ?? completionDeadlineInMinutes,
            proofingRequired: other.proofingRequired ?? proofingRequired,
            acceptedProofingMethods: other.acceptedProofingMethods ?? acceptedProofingMethods,
            approvalRequired: other.approvalRequired ?? approvalRequired,
            approverProofingRequired: other.approverProofingRequired ?? approverProofingRequired,
            approvalTimeoutInMinutes: other.approvalTimeoutInMinutes ?? approvalTimeoutInMinutes,
            passesPerOperatorPerHour: other.passesPerOperatorPerHour ?? passesPerOperatorPerHour,
            passesPerOperatorPerDay: other.passesPerOperatorPerDay ?? passesPerOperatorPerDay,
            passesPerSitePerHour: other.passesPerSitePerHour ?? passesPerSitePerHour,
            passesPerSitePerDay: other.passesPerSitePerDay ?? passesPerSitePerDay,
            privilegedPassesPerDay: other.privilegedPassesPerDay ?? privilegedPassesPerDay,
            keyTestSignInRequired: other.keyTestSignInRequired ?? keyTestSignInRequired,
            lockOutOnlyUnusedPasses: other.lockOutOnlyUnusedPasses ?? lockOutOnlyUnusedPasses,
            passkeys: other.passkeys.map { (passkeys ?? PasskeyProfile()).overlaid(with: $0) } ?? passkeys)
    }
}

/// A named combination of uses and lifetime that an operator picks instead of typing numbers.
public struct PassPreset: Sendable, Equatable, Codable {
    /// What a person sees in a menu.
    public var title: String
    /// Sign-ins the pass admits.
    public var maxUses: Int?
    /// Lifetime of the pass.
    public var lifetimeInMinutes: Int?

    /// Makes a preset.
    public init(title: String, maxUses: Int? = nil, lifetimeInMinutes: Int? = nil) {
        self.title = title
        self.maxUses = maxUses
        self.lifetimeInMinutes = lifetimeInMinutes
    }
}

/// The whole policy document: what `GET /v1/policy` shows and `PATCH /v1/policy` merge-patches.
public struct Policy: Sendable, Equatable, Codable {
    /// Complete settings that apply where no override does.
    public var defaults: PolicySettings
    /// Overrides by site then scenario; `"*"` stands for every site or every scenario.
    /// More specific wins: site+scenario > site+`*` > `*`+scenario > defaults.
    public var overrides: [String: [String: PolicySettings]]
    /// Presets by their short name (`apple-ade`).
    public var presets: [String: PassPreset]
    /// Users that kiosk and bench tokens may never mint passes for.
    public var privilegedSubjects: [SubjectPattern]
    /// Whether a batch's passes may be printed on a slip sheet; absent means no (a printed pass outlives
    /// the screen that showed it).
    public var paperPassesAllowed: Bool?
    /// People's roles whose bearer tokens are refused (403 `console_only`): they act only through a signed-in
    /// console session, with its passkey or single sign-on, step-up and CSRF checks. Absent means none.
    public var consoleOnlyRoles: [Role]?

    /// Makes a policy.
    public init(
        defaults: PolicySettings, overrides: [String: [String: PolicySettings]] = [:],
        presets: [String: PassPreset] = [:], privilegedSubjects: [SubjectPattern] = [], paperPassesAllowed: Bool? = nil,
        consoleOnlyRoles: [Role]? = nil
    ) {
        self.defaults = defaults
        self.overrides = overrides
        self.presets = presets
        self.privilegedSubjects = privilegedSubjects
        self.paperPassesAllowed = paperPassesAllowed
        self.consoleOnlyRoles = consoleOnlyRoles
    }

    /// The roles ``consoleOnlyRoles`` may name: the people's. Admins only from the console itself (the API
    /// refuses a bearer token that tries), so that an admin who can sign in there exists when theirs go.
    public static let rolesThatMayBeConsoleOnly: Set<Role> = [.admin, .helpdesk, .auditor]

    /// The policy a new installation starts with.
    public static let standard = Policy(
        defaults: PolicySettings(
            enabled: true, minimumLifetimeInMinutes: 10, maximumLifetimeInMinutes: 480,
            defaultLifetimeInMinutes: 60, defaultLength: 12, defaultMaxUses: 1, maximumUses: 5,
            failedAttemptLimit: 10, completionDeadlineInMinutes: 1440, proofingRequired: false,
            acceptedProofingMethods: Proofing.Method.allCases, approvalRequired: false, approverProofingRequired: false,
            approvalTimeoutInMinutes: 60),
        presets: [
            "single-sign-in": PassPreset(title: "Single sign-in", maxUses: 1),
            "apple-ade": PassPreset(title: "Apple ADE / Autopilot: 2 sign-ins", maxUses: 2),
            "fido2-key": PassPreset(title: "FIDO2 key: sign-in and test sign-in", maxUses: 2),
        ])

    /// The complete settings in force for a site and scenario.
    public func effectiveSettings(site: SiteName, scenario: Scenario) -> EffectiveSettings {
        var settings = defaults
        for (siteKey, scenarioKey) in [("*", scenario.rawValue), (site.value, "*"), (site.value, scenario.rawValue)] {
            if let override = overrides[siteKey]?[scenarioKey] { settings = settings.overlaid(with: override) }
        }
        return EffectiveSettings(settings)
    }
}

/// Settings with every field decided.
public struct EffectiveSettings: Sendable, Equatable, Codable {
    public var enabled: Bool
    public var minimumLifetimeInMinutes: Int
    public var maximumLifetimeInMinutes: Int
    public var defaultLifetimeInMinutes: Int
    public var defaultLength: Int
    public var defaultMaxUses: Int
    public var maximumUses: Int
    public var failedAttemptLimit: Int
    public var completionDeadlineInMinutes: Int
    public var proofingRequired: Bool
    public var acceptedProofingMethods: [Proofing.Method]
    public var approvalRequired: Bool
    public var approverProofingRequired: Bool
    public var approvalTimeoutInMinutes: Int
    /// Whether a new FIDO2 key must pass a test sign-in before its session completes.
    public var keyTestSignInRequired: Bool
    /// Whether the lock-out spares passes already used once.
    public var lockOutOnlyUnusedPasses: Bool
    /// The caps in force; `nil` is no cap.
    public var caps: IssuanceCaps
    /// Which security keys may register here.
    public var passkeys: EffectivePasskeyProfile

    /// Fills gaps from ``Policy/standard`` (a validated policy has none).
    public init(_ settings: PolicySettings) {
        let fallback = Policy.standard.defaults
        enabled = settings.enabled ?? fallback.enabled!
        minimumLifetimeInMinutes = settings.minimumLifetimeInMinutes ?? fallback.minimumLifetimeInMinutes!
        maximumLifetimeInMinutes = settings.maximumLifetimeInMinutes ?? fallback.maximumLifetimeInMinutes!
        defaultLifetimeInMinutes = settings.defaultLifetimeInMinutes ?? fallback.defaultLifetimeInMinutes!
        defaultLength = settings.defaultLength ?? fallback.defaultLength!
        defaultMaxUses = settings.defaultMaxUses ?? fallback.defaultMaxUses!
        maximumUses = settings.maximumUses ?? fallback.maximumUses!
        failedAttemptLimit = settings.failedAttemptLimit ?? fallback.failedAttemptLimit!
        completionDeadlineInMinutes = settings.completionDeadlineInMinutes ?? fallback.completionDeadlineInMinutes!
        proofingRequired = settings.proofingRequired ?? fallback.proofingRequired!
        acceptedProofingMethods = settings.acceptedProofingMethods ?? fallback.acceptedProofingMethods!
        approvalRequired = settings.approvalRequired ?? fallback.approvalRequired!
        approverProofingRequired = settings.approverProofingRequired ?? fallback.approverProofingRequired!
        approvalTimeoutInMinutes = settings.approvalTimeoutInMinutes ?? fallback.approvalTimeoutInMinutes!
        keyTestSignInRequired = settings.keyTestSignInRequired ?? false
        lockOutOnlyUnusedPasses = settings.lockOutOnlyUnusedPasses ?? false
        passkeys = (settings.passkeys ?? PasskeyProfile()).effective
        func cap(_ value: Int?) -> Int? { value.flatMap { $0 > 0 ? $0 : nil } }
        caps = IssuanceCaps(
            perOperatorPerHour: cap(settings.passesPerOperatorPerHour),
            perOperatorPerDay: cap(settings.passesPerOperatorPerDay),
            perSitePerHour: cap(settings.passesPerSitePerHour), perSitePerDay: cap(settings.passesPerSitePerDay),
            privilegedPerDay: cap(settings.privilegedPassesPerDay))
    }
}

/// Limits on how many passes may be minted, so that misuse of a token or a site is visible and bounded.
public struct IssuanceCaps: Sendable, Equatable, Codable {
    public var perOperatorPerHour: Int?
    public var perOperatorPerDay: Int?
    public var perSitePerHour: Int?
    public var perSitePerDay: Int?
    public var privilegedPerDay: Int?

    /// Makes caps; `nil` is no cap.
    public init(
        perOperatorPerHour: Int? = nil, perOperatorPerDay: Int? = nil, perSitePerHour: Int? = nil,
        perSitePerDay: Int? = nil,
        privilegedPerDay: Int? = nil
    ) {
        self.perOperatorPerHour = perOperatorPerHour
        self.perOperatorPerDay = perOperatorPerDay
        self.perSitePerHour = perSitePerHour
        self.perSitePerDay = perSitePerDay
        self.privilegedPerDay = privilegedPerDay
    }
}
