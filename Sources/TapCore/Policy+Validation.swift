import Foundation

/// A rule of the policy that a document or a request broke, with the bound it broke.
public struct PolicyViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault (`defaults.defaultLength`, `pass.lifetimeInMinutes`).
    public var field: String
    /// The bound, in words a person can act on ("between 10 and 480").
    public var bound: String

    /// Makes a violation.
    public init(field: String, bound: String) {
        self.field = field
        self.bound = bound
    }

    public var description: String { "\(field) must be \(bound)" }
}

/// The hard limits no policy may leave: Entra's ranges for lifetime and length, plus our own.
public enum PolicyLimits {
    /// Lifetime of a pass (10 minutes to 30 days, as in Entra).
    public static let lifetimeInMinutes = 10...43_200
    /// Symbols in a pass.
    public static let length = PassCode.lengthRange
    /// Sign-ins one pass may admit.
    public static let uses = 1...10
    /// Wrong passes before lock-out.
    public static let failedAttempts = 1...100
    /// Completion deadline.
    public static let completionDeadlineInMinutes = 10...43_200
    /// How long a request may wait for a second operator.
    public static let approvalTimeoutInMinutes = 5...10_080
    /// An issuance cap (0 turns a cap off).
    public static let cap = 0...1_000_000
    /// Shortest pass that still gives 55 bits of entropy is 12 symbols; shorter ones are allowed by policy
    /// for pen-and-paper flows, as Entra allows 8.
    public static let recommendedMinimumLength = 12
}

extension Policy {
    /// The first key of a merge patch that names no policy setting (checked before merging, because merging
    /// drops keys whose value is `null`), as a dotted path; `nil` when every key is known.
    public static func unknownKey(in patch: JSONValue) -> String? {
        func labels(_ value: Any) -> Set<String> { Set(Mirror(reflecting: value).children.compactMap(\.label)) }
        let settingKeys = labels(PolicySettings())
        let presetKeys = labels(PassPreset(title: ""))
        func unknown(_ value: JSONValue, allowed: Set<String>, path: String) -> String? {
            guard case .object(let members) = value else { return nil }
            return members.keys.sorted().first { !allowed.contains($0) }.map { path + $0 }
        }
        guard case .object(let top) = patch else { return nil }
        if let key = unknown(patch, allowed: labels(Policy.standard), path: "") { return key }
        if let defaults = top["defaults"], let key = unknown(defaults, allowed: settingKeys, path: "defaults.") {
            return key
        }
        if case .object(let sites)? = top["overrides"] {
            for (site, scenarios) in sites.sorted(by: { $0.key < $1.key }) {
                guard case .object(let byScenario) = scenarios else { continue }
                for (scenario, settings) in byScenario.sorted(by: { $0.key < $1.key }) {
                    if let key = unknown(settings, allowed: settingKeys, path: "overrides.\(site).\(scenario).") {
                        return key
                    }
                }
            }
        }
        if case .object(let presets)? = top["presets"] {
            for (name, preset) in presets.sorted(by: { $0.key < $1.key }) {
                if let key = unknown(preset, allowed: presetKeys, path: "presets.\(name).") { return key }
            }
        }
        return nil
    }

    /// Checks every field and every override combination; returns the first violation found.
    public func validate() -> PolicyViolation? {
        if let roles = consoleOnlyRoles, !Set(roles).isSubset(of: Self.rolesThatMayBeConsoleOnly) {
            return PolicyViolation(
                field: "consoleOnlyRoles",
                bound: "admin, helpdesk or auditor (people's roles; machines always use tokens)")
        }
        if let violation = Self.validateComplete(defaults, path: "defaults") { return violation }
        for (siteKey, scenarios) in overrides.sorted(by: { $0.key < $1.key }) {
            guard siteKey == "*" || SiteName(siteKey)?.value == siteKey else {
                return PolicyViolation(field: "overrides.\(siteKey)", bound: "a site name or \"*\"")
            }
            for (scenarioKey, settings) in scenarios.sorted(by: { $0.key < $1.key }) {
                let path = "overrides.\(siteKey).\(scenarioKey)"
                guard scenarioKey == "*" || Scenario(rawValue: scenarioKey) != nil else {
                    return PolicyViolation(
                        field: path, bound: "a scenario (deviceEnrollment, fido2Registration) or \"*\"")
                }
                if let violation = Self.validatePartial(settings, path: path) { return violation }
            }
        }
        // Every site named in overrides, and any other site, must resolve to consistent settings.
        let sites = [SiteName.defaultSite] + overrides.keys.compactMap { SiteName($0) }
        for site in sites {
            for scenario in Scenario.allCases {
                let effective = effectiveSettings(site: site, scenario: scenario)
                if let violation = Self.validateConsistency(
                    effective, path: "effective policy for \(site)/\(scenario.rawValue)")
                {
                    return violation
                }
            }
        }
        for (name, preset) in presets.sorted(by: { $0.key < $1.key }) {
            let path = "presets.\(name)"
            guard SiteName(name)?.value == name else {
                return PolicyViolation(field: path, bound: "named with 1-64 lower-case letters, digits, '-', '_', '.'")
            }
            guard (1...100).contains(preset.title.unicodeScalars.count) else {
                return PolicyViolation(field: "\(path).title", bound: "1 to 100 characters")
            }
            if let uses = preset.maxUses, !PolicyLimits.uses.contains(uses) {
                return PolicyViolation(field: "\(path).maxUses", bound: Self.between(PolicyLimits.uses))
            }
            if let lifetime = preset.lifetimeInMinutes, !PolicyLimits.lifetimeInMinutes.contains(lifetime) {
                return PolicyViolation(
                    field: "\(path).lifetimeInMinutes", bound: Self.between(PolicyLimits.lifetimeInMinutes))
            }
        }
        return nil
    }

    static func between(_ range: ClosedRange<Int>) -> String { "between \(range.lowerBound) and \(range.upperBound)" }

    /// The first free text of the policy (a preset title) holding a terminal-active character, as a dotted
    /// path; `nil` when there is none. Apart from ``validate()`` because this is bad input (400 `invalid_request`,
    /// as for every other free text), not a setting outside the policy's bounds (422).
    public func fieldWithControlCharacters() -> String? {
        presets.sorted(by: { $0.key < $1.key }).first { TerminalText.containsActive($0.value.title) }
            .map { "presets.\($0.key).title" }
    }

    private static func validateComplete(_ settings: PolicySettings, path: String) -> PolicyViolation? {
        let required: [(String, Any?)] = [
            ("enabled", settings.enabled), ("minimumLifetimeInMinutes", settings.minimumLifetimeInMinutes),
            ("maximumLifetimeInMinutes", settings.maximumLifetimeInMinutes),
            ("defaultLifetimeInMinutes", settings.defaultLifetimeInMinutes), ("defaultLength", settings.defaultLength),
            ("defaultMaxUses", settings.defaultMaxUses), ("maximumUses", settings.maximumUses),
            ("failedAttemptLimit", settings.failedAttemptLimit),
            ("completionDeadlineInMinutes", settings.completionDeadlineInMinutes),
        ]
        for (name, value) in required where value == nil {
            return PolicyViolation(field: "\(path).\(name)", bound: "present in the defaults")
        }
        return validatePartial(settings, path: path)
    }

    private static func validatePartial(_ settings: PolicySettings, path: String) -> PolicyViolation? {
        let checks: [(String, Int?, ClosedRange<Int>)] = [
            ("minimumLifetimeInMinutes", settings.minimumLifetimeInMinutes, PolicyLimits.lifetimeInMinutes),
            ("maximumLifetimeInMinutes", settings.maximumLifetimeInMinutes, PolicyLimits.lifetimeInMinutes),
            ("defaultLifetimeInMinutes", settings.defaultLifetimeInMinutes, PolicyLimits.lifetimeInMinutes),
            ("defaultLength", settings.defaultLength, PolicyLimits.length),
            ("defaultMaxUses", settings.defaultMaxUses, PolicyLimits.uses),
            ("maximumUses", settings.maximumUses, PolicyLimits.uses),
            ("failedAttemptLimit", settings.failedAttemptLimit, PolicyLimits.failedAttempts),
            (
                "completionDeadlineInMinutes", settings.completionDeadlineInMinutes,
                PolicyLimits.completionDeadlineInMinutes
            ),
            ("approvalTimeoutInMinutes", settings.approvalTimeoutInMinutes, PolicyLimits.approvalTimeoutInMinutes),
            ("passesPerOperatorPerHour", settings.passesPerOperatorPerHour, PolicyLimits.cap),
            ("passesPerOperatorPerDay", settings.passesPerOperatorPerDay, PolicyLimits.cap),
            ("passesPerSitePerHour", settings.passesPerSitePerHour, PolicyLimits.cap),
            ("passesPerSitePerDay", settings.passesPerSitePerDay, PolicyLimits.cap),
            ("privilegedPassesPerDay", settings.privilegedPassesPerDay, PolicyLimits.cap),
        ]
        if let methods = settings.acceptedProofingMethods, methods.isEmpty {
            return PolicyViolation(
                field: "\(path).acceptedProofingMethods", bound: "at least one method (or proofingRequired false)")
        }
        for (name, value, range) in checks {
            if let value, !range.contains(value) {
                return PolicyViolation(field: "\(path).\(name)", bound: between(range))
            }
        }
        return settings.passkeys?.violation(path: "\(path).passkeys")
    }

    private static func validateConsistency(_ settings: EffectiveSettings, path: String) -> PolicyViolation? {
        if settings.minimumLifetimeInMinutes > settings.maximumLifetimeInMinutes {
            return PolicyViolation(
                field: "\(path): minimumLifetimeInMinutes", bound: "at most maximumLifetimeInMinutes")
        }
        let lifetimes = settings.minimumLifetimeInMinutes...settings.maximumLifetimeInMinutes
        if !lifetimes.contains(settings.defaultLifetimeInMinutes) {
            return PolicyViolation(field: "\(path): defaultLifetimeInMinutes", bound: between(lifetimes))
        }
        if settings.defaultMaxUses > settings.maximumUses {
            return PolicyViolation(
                field: "\(path): defaultMaxUses", bound: "at most maximumUses (\(settings.maximumUses))")
        }
        return nil
    }
}

/// What an operator asked for about the pass; every field optional.
public struct PassRequest: Sendable, Equatable, Codable {
    /// A preset name from the policy.
    public var preset: String?
    /// The lifetime in minutes.
    public var lifetimeInMinutes: Int?
    /// How many sign-ins.
    public var maxUses: Int?
    /// Entra's spelling of `maxUses: 1`.
    public var isUsableOnce: Bool?
    /// A start in the future makes the session `pending`.
    public var startDateTime: Date?

    /// Makes a request.
    public init(
        preset: String? = nil, lifetimeInMinutes: Int? = nil, maxUses: Int? = nil, isUsableOnce: Bool? = nil,
        startDateTime: Date? = nil
    ) {
        self.preset = preset
        self.lifetimeInMinutes = lifetimeInMinutes
        self.maxUses = maxUses
        self.isUsableOnce = isUsableOnce
        self.startDateTime = startDateTime
    }
}

/// Why a pass request cannot be granted.
public enum PassRequestError: Error, Sendable, Equatable {
    /// The request contradicts itself or names something that does not exist.
    case invalid(field: String, reason: String)
    /// The request is well formed but outside the policy.
    case policy(PolicyViolation)
}

/// The decided terms of a pass about to be minted.
public struct PassPlan: Sendable, Equatable {
    public var startsAt: Date
    public var lifetimeInMinutes: Int
    public var maxUses: Int
    public var length: Int
    public var completionDeadlineInMinutes: Int
    public var failedAttemptLimit: Int

    /// When the pass stops being usable.
    public var expiresAt: Date { startsAt.addingTimeInterval(TimeInterval(lifetimeInMinutes * 60)) }
    /// The completion deadline shown before the first use: start plus the allowed enrollment time.
    public var plannedCompletionDeadline: Date {
        startsAt.addingTimeInterval(TimeInterval(completionDeadlineInMinutes * 60))
    }
}

extension Policy {
    /// The latest a pass may start: a month ahead.
    public static let maximumStartDelayInMinutes = 43_200

    /// Decides the terms of a pass: request first, then the preset, then the policy's defaults; all within
    /// the effective policy for the site and scenario. `allowFutureStart` is false on reissue.
    public func plan(
        _ request: PassRequest, site: SiteName, scenario: Scenario, now: Date, allowFutureStart: Bool = true
    ) -> Result<PassPlan, PassRequestError> {
        let settings = effectiveSettings(site: site, scenario: scenario)
        guard settings.enabled else {
            return .failure(
                .policy(PolicyViolation(field: "policy.enabled", bound: "true for \(site)/\(scenario.rawValue)")))
        }
        var preset: PassPreset?
        if let name = request.preset {
            guard let found = presets[name] else {
                return .failure(
                    .invalid(field: "pass.preset", reason: "names no preset of the policy (\(name.prefix(64)))"))
            }
            preset = found
        }
        if let once = request.isUsableOnce, let uses = request.maxUses, once != (uses == 1) {
            return .failure(.invalid(field: "pass.isUsableOnce", reason: "disagrees with pass.maxUses"))
        }
        let maxUses =
            request.maxUses ?? request.isUsableOnce.flatMap { $0 ? 1 : nil } ?? preset?.maxUses
            ?? settings.defaultMaxUses
        if request.isUsableOnce == false, request.maxUses == nil, maxUses == 1 {
            return .failure(.invalid(field: "pass.isUsableOnce", reason: "false needs pass.maxUses above 1"))
        }
        guard (1...settings.maximumUses).contains(maxUses) else {
            return .failure(
                .policy(PolicyViolation(field: "pass.maxUses", bound: Self.between(1...settings.maximumUses))))
        }
        let lifetime = request.lifetimeInMinutes ?? preset?.lifetimeInMinutes ?? settings.defaultLifetimeInMinutes
        let lifetimes = settings.minimumLifetimeInMinutes...settings.maximumLifetimeInMinutes
        guard lifetimes.contains(lifetime) else {
            return .failure(.policy(PolicyViolation(field: "pass.lifetimeInMinutes", bound: Self.between(lifetimes))))
        }
        var startsAt = now
        if let requested = request.startDateTime {
            guard allowFutureStart else {
                return .failure(
                    .invalid(
                        field: "pass.startDateTime", reason: "cannot be set on reissue: a reissued pass starts now"))
            }
            let latest = now.addingTimeInterval(TimeInterval(Self.maximumStartDelayInMinutes * 60))
            guard requested <= latest else {
                return .failure(.policy(PolicyViolation(field: "pass.startDateTime", bound: "at most 30 days ahead")))
            }
            // A start in the past means "now": a pass never starts before it exists.
            startsAt = max(now, Date(timeIntervalSince1970: requested.timeIntervalSince1970.rounded(.down)))
        }
        return .success(
            PassPlan(
                startsAt: startsAt, lifetimeInMinutes: lifetime, maxUses: maxUses, length: settings.defaultLength,
                completionDeadlineInMinutes: settings.completionDeadlineInMinutes,
                failedAttemptLimit: settings.failedAttemptLimit))
    }
}
