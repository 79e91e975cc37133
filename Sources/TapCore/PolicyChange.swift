import Foundation

/// What a policy change does, for the person about to save it: every field that changes (the diff), and what
/// that means where passes are made, in words ("site bench-hel-1, device enrollment: sign-ins per pass, by
/// default, now 2 (was 1)").
public struct PolicyChange: Sendable, Equatable {
    /// One field of the document that changes; `nil` on a side is "not set".
    public struct Difference: Sendable, Equatable {
        public var path: String
        public var before: String?
        public var after: String?

        /// Makes a difference.
        public init(path: String, before: String?, after: String?) {
            self.path = path
            self.before = before
            self.after = after
        }
    }

    public var differences: [Difference]
    public var effects: [String]

    public var isEmpty: Bool { differences.isEmpty }

    /// Compares two valid policies.
    public init(from old: Policy, to new: Policy) {
        let before = (try? old.asJSON())?.leaves() ?? [:]
        let after = (try? new.asJSON())?.leaves() ?? [:]
        differences = Set(before.keys).union(after.keys).sorted().compactMap { path in
            let (was, now) = (before[path], after[path])
            guard was != now else { return nil }
            return Difference(path: path, before: was?.compactText, after: now?.compactText)
        }
        // The places a rule applies: every site an override names, then every other site.
        let sites = Set(old.overrides.keys).union(new.overrides.keys).subtracting(["*"]).sorted().map(Optional.some)
        var effects: [String] = []
        for site in sites + [nil] {
            for scenario in Scenario.allCases {
                let was = (try? Self.settingsJSON(old, site: site, scenario: scenario))?.leaves() ?? [:]
                let now = (try? Self.settingsJSON(new, site: site, scenario: scenario))?.leaves() ?? [:]
                let place = "\(site.map { "site \($0)" } ?? "every other site"), \(Self.words(scenario))"
                for key in Set(was.keys).union(now.keys).sorted() where was[key] != now[key] {
                    let name = PolicyGuide.field(Self.settingKey(key))?.label ?? key
                    effects.append(
                        "\(place): \(name.lowercasedFirst) now \(now[key]?.plainText ?? "not set") "
                            + "(was \(was[key]?.plainText ?? "not set"))")
                }
            }
        }
        self.effects = effects
    }

    /// The settings in force at a site (`nil`: a site no override names) for a scenario, as JSON.
    static func settingsJSON(_ policy: Policy, site: String?, scenario: Scenario) throws -> JSONValue {
        var settings = policy.defaults
        var layers = [("*", scenario.rawValue)]
        if let site { layers += [(site, "*"), (site, scenario.rawValue)] }
        for (siteKey, scenarioKey) in layers {
            if let override = policy.overrides[siteKey]?[scenarioKey] { settings = settings.overlaid(with: override) }
        }
        return try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(EffectiveSettings(settings)))
    }

    /// `caps.perSitePerDay` is the setting `passesPerSitePerDay`.
    static func settingKey(_ effectivePath: String) -> String {
        guard effectivePath.hasPrefix("caps.") else { return effectivePath }
        let cap = effectivePath.dropFirst(5)
        if cap == "privilegedPerDay" { return "privilegedPassesPerDay" }
        return "passes" + cap.prefix(1).uppercased() + cap.dropFirst()
    }

    static func words(_ scenario: Scenario) -> String {
        switch scenario {
        case .deviceEnrollment: "device enrollment"
        case .fido2Registration: "security keys"
        }
    }
}

extension JSONValue {
    /// A leaf as a person reads it: `2`, `yes`, `inPerson, ticket`.
    public var plainText: String {
        switch self {
        case .null: "not set"
        case .bool(let value): value ? "yes" : "no"
        case .number(let value): value == value.rounded() ? String(Int(value)) : String(value)
        case .string(let value): value
        case .array(let values): values.isEmpty ? "none" : values.map(\.plainText).joined(separator: ", ")
        case .object: compactText
        }
    }
}

extension String {
    fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
