import Foundation
import TapCore
import Testing

/// The console's policy preview: the merge patch between two documents, the fields that change, and what that
/// means at each site in words; and the one patch function both the API and the console run.
@Suite("Policy changes")
struct PolicyChangeTests {
    static let siteOverride: JSONValue = .object([
        "overrides": .object(["bench-hel-1": .object(["deviceEnrollment": .object(["defaultMaxUses": .number(2)])])])
    ])

    @Test func aSiteOverrideIsSaidInWordsForThatSiteOnly() throws {
        let new = try Policy.standard.applying(mergePatch: Self.siteOverride)
        let change = PolicyChange(from: .standard, to: new)
        #expect(
            change.differences == [
                .init(path: "overrides.bench-hel-1.deviceEnrollment.defaultMaxUses", before: nil, after: "2")
            ])
        #expect(change.effects == ["site bench-hel-1, device enrollment: sign-ins per pass, by default now 2 (was 1)"])
    }

    @Test func aDefaultsChangeIsSaidForEveryPlaceItReaches() throws {
        var withSite = try Policy.standard.applying(mergePatch: Self.siteOverride)
        withSite.defaults.passesPerSitePerDay = 500
        let change = PolicyChange(
            from: try Policy.standard.applying(mergePatch: Self.siteOverride), to: withSite)
        #expect(change.differences.map(\.path) == ["defaults.passesPerSitePerDay"])
        // Two scenarios at the named site and at every other site: four places, one sentence each.
        #expect(change.effects.count == 4)
        #expect(change.effects.allSatisfy { $0.hasSuffix("passes per site per day now 500 (was not set)") })
        #expect(change.effects.contains { $0.hasPrefix("every other site, security keys:") })
    }

    @Test func theMergePatchBetweenTwoDocumentsTurnsOneIntoTheOther() throws {
        var new = Policy.standard
        new.presets["apple-ade"] = nil
        new.presets["kiosk-2"] = PassPreset(title: "Kiosk", maxUses: 2)
        new.defaults.approvalRequired = true
        new.privilegedSubjects = [SubjectPattern("*-admin@contoso.example")!]
        let old = try Policy.standard.asJSON()
        let patch = JSONValue.mergePatch(from: old, to: try new.asJSON())
        #expect(old.merging(patch: patch) == (try new.asJSON()))
        #expect(try Policy.standard.applying(mergePatch: patch) == new)
        guard case .object(let members) = patch, case .object(let presets)? = members["presets"] else {
            Issue.record("the patch is not an object of presets: \(patch)")
            return
        }
        #expect(presets["apple-ade"] == .null, "a removed preset is null in the patch")
        #expect(presets["single-sign-in"] == nil, "an unchanged preset is not in the patch")
        #expect(JSONValue.mergePatch(from: old, to: old) == .object([:]))
    }

    @Test func everyRuleOfThePolicyIsCheckedByTheOnePatchFunction() {
        let refused: [(JSONValue, EnrollmentError)] = [
            (
                .object(["defaults": .object(["maximumLifetimeInMinutes": .number(5)])]),
                .policy(PolicyViolation(field: "defaults.maximumLifetimeInMinutes", bound: "between 10 and 43200"))
            ),
            (
                .object(["defaults": .object(["acceptedProofingMethods": .array([.string("telepathy")])])]),
                .invalidRequest(field: "defaults.acceptedProofingMethods.0", reason: "has the wrong type or value")
            ),
            (
                .object(["privilegedSubjects": .array([.string("not a pattern!")])]),
                .invalidRequest(field: "privilegedSubjects.0", reason: "has the wrong type or value")
            ),
            (.object(["colour": .string("blue")]), .invalidRequest(field: "colour", reason: "is not a policy setting")),
            (.array([]), .invalidRequest(field: "body", reason: "must be a JSON object (a merge patch)")),
        ]
        for (patch, error) in refused {
            #expect(throws: error, "\(patch)") { try Policy.standard.applying(mergePatch: patch) }
        }
    }
}
