import Foundation
import TapCore
import Testing

@Suite("Policy")
struct PolicyTests {
    let now = Date(timeIntervalSince1970: 1_795_687_200)
    let site = SiteName("bench-hel-1")!

    private func plan(_ request: PassRequest, policy: Policy = .standard) -> Result<PassPlan, PassRequestError> {
        policy.plan(request, site: site, scenario: .deviceEnrollment, now: now)
    }

    @Test func standardPolicyIsValid() {
        #expect(Policy.standard.validate() == nil)
    }

    @Test func defaultsApplyWhenNothingIsAsked() throws {
        let plan = try plan(PassRequest()).get()
        #expect(plan.maxUses == 1)
        #expect(plan.lifetimeInMinutes == 60)
        #expect(plan.length == 12)
        #expect(plan.startsAt == now)
    }

    @Test func presetThenRequestOverride() throws {
        #expect(try plan(PassRequest(preset: "apple-ade")).get().maxUses == 2)
        #expect(try plan(PassRequest(preset: "apple-ade", maxUses: 3)).get().maxUses == 3)
        #expect(
            plan(PassRequest(preset: "nope"))
                == .failure(.invalid(field: "pass.preset", reason: "names no preset of the policy (nope)")))
    }

    @Test func isUsableOnceMustAgreeWithMaxUses() throws {
        #expect(try plan(PassRequest(isUsableOnce: true)).get().maxUses == 1)
        #expect(try plan(PassRequest(maxUses: 1, isUsableOnce: true)).get().maxUses == 1)
        guard case .failure(.invalid(let field, _)) = plan(PassRequest(maxUses: 2, isUsableOnce: true)) else {
            Issue.record("disagreement accepted")
            return
        }
        #expect(field == "pass.isUsableOnce")
        guard case .failure(.invalid) = plan(PassRequest(isUsableOnce: false)) else {
            Issue.record("isUsableOnce false with one use accepted")
            return
        }
    }

    @Test(arguments: [(9, false), (10, true), (480, true), (481, false)])
    func lifetimeBounds(minutes: Int, allowed: Bool) {
        let result = plan(PassRequest(lifetimeInMinutes: minutes))
        if allowed {
            #expect((try? result.get()) != nil)
        } else {
            #expect(
                result
                    == .failure(.policy(PolicyViolation(field: "pass.lifetimeInMinutes", bound: "between 10 and 480"))))
        }
    }

    @Test func maxUsesBoundedByPolicy() {
        #expect(
            plan(PassRequest(maxUses: 6))
                == .failure(.policy(PolicyViolation(field: "pass.maxUses", bound: "between 1 and 5"))))
        #expect(
            plan(PassRequest(maxUses: 0))
                == .failure(.policy(PolicyViolation(field: "pass.maxUses", bound: "between 1 and 5"))))
    }

    @Test func startInTheFutureIsKeptAndAPastStartMeansNow() throws {
        let later = now.addingTimeInterval(3600)
        #expect(try plan(PassRequest(startDateTime: later)).get().startsAt == later)
        #expect(try plan(PassRequest(startDateTime: now.addingTimeInterval(-60))).get().startsAt == now)
        guard case .failure(.policy) = plan(PassRequest(startDateTime: now.addingTimeInterval(31 * 86_400))) else {
            Issue.record("start a month ahead accepted")
            return
        }
        guard
            case .failure(.invalid) = Policy.standard.plan(
                PassRequest(startDateTime: later), site: site, scenario: .deviceEnrollment, now: now,
                allowFutureStart: false)
        else {
            Issue.record("future start accepted on reissue")
            return
        }
    }

    @Test func overridesResolveMostSpecificLast() {
        var policy = Policy.standard
        policy.overrides = [
            "*": ["deviceEnrollment": PolicySettings(defaultMaxUses: 2)],
            "bench-hel-1": [
                "*": PolicySettings(defaultLifetimeInMinutes: 120),
                "deviceEnrollment": PolicySettings(defaultMaxUses: 3),
            ],
        ]
        #expect(policy.validate() == nil)
        let here = policy.effectiveSettings(site: site, scenario: .deviceEnrollment)
        #expect(here.defaultMaxUses == 3)
        #expect(here.defaultLifetimeInMinutes == 120)
        let elsewhere = policy.effectiveSettings(site: SiteName("kiosk-1")!, scenario: .deviceEnrollment)
        #expect(elsewhere.defaultMaxUses == 2)
        #expect(elsewhere.defaultLifetimeInMinutes == 60)
        #expect(policy.effectiveSettings(site: site, scenario: .fido2Registration).defaultMaxUses == 1)
    }

    @Test func disabledPolicyRefusesIssuance() {
        var policy = Policy.standard
        policy.overrides = ["bench-hel-1": ["*": PolicySettings(enabled: false)]]
        guard case .failure(.policy(let violation)) = plan(PassRequest(), policy: policy) else {
            Issue.record("disabled policy issued a pass")
            return
        }
        #expect(violation.field == "policy.enabled")
    }

    @Test func validationNamesTheBrokenBound() {
        var policy = Policy.standard
        policy.defaults.defaultLength = 7
        #expect(policy.validate() == PolicyViolation(field: "defaults.defaultLength", bound: "between 8 and 48"))
        policy = .standard
        policy.defaults.maximumLifetimeInMinutes = 43_201
        #expect(policy.validate()?.field == "defaults.maximumLifetimeInMinutes")
        policy = .standard
        policy.defaults.defaultLifetimeInMinutes = 500
        #expect(policy.validate()?.field.hasSuffix("defaultLifetimeInMinutes") == true)
        policy = .standard
        policy.overrides = ["Bad Site": [:]]
        #expect(policy.validate()?.field == "overrides.Bad Site")
        policy = .standard
        policy.overrides = ["*": ["nope": PolicySettings()]]
        #expect(policy.validate()?.field == "overrides.*.nope")
    }
}

@Suite("JSON merge patch (RFC 7396)")
struct MergePatchTests {
    private func json(_ text: String) -> JSONValue { try! JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    // Examples from RFC 7396, appendix A.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfcExamples(original: String, patch: String, result: String) {
        #expect(json(original).merging(patch: json(patch)) == json(result))
    }

    @Test func unknownKeysAreFound() {
        #expect(json(#"{"a":{"b":1,"x":2},"y":3}"#).keysMissing(from: json(#"{"a":{"b":1}}"#)) == ["a.x", "y"])
    }
}

@Suite("Operator issuance rules")
struct IssuanceRuleTests {
    let subject = UserPrincipalName("admin@contoso.example")!
    let privileged = [SubjectPattern("admin@contoso.example")!]

    private func identity(_ role: Role, allowed: [String] = []) -> OperatorIdentity {
        OperatorIdentity(
            id: OperatorID(time: Date(), random: Array(repeating: 1, count: 10)), name: "x", role: role,
            site: role.mayBeGlobal ? nil : SiteName("s1"), allowedSubjects: allowed.compactMap(SubjectPattern.init))
    }

    @Test func kioskAndBenchCannotIssueForPrivilegedUsers() {
        #expect(identity(.kiosk).mayIssue(for: subject, privileged: privileged) == .privilegedSubject)
        #expect(identity(.bench).mayIssue(for: subject, privileged: privileged) == .privilegedSubject)
        #expect(identity(.helpdesk).mayIssue(for: subject, privileged: privileged) == .allowed)
    }

    @Test func allowedSubjectsRestrictEveryRole() {
        let kiosk = identity(.kiosk, allowed: ["*@fabrikam.example"])
        #expect(
            kiosk.mayIssue(for: UserPrincipalName("ada@contoso.example")!, privileged: []) == .outsideAllowedSubjects)
        #expect(kiosk.mayIssue(for: UserPrincipalName("ada@fabrikam.example")!, privileged: []) == .allowed)
    }

    @Test func onlyThreeRolesMayBeGlobal() {
        #expect(Set(Role.allCases.filter(\.mayBeGlobal)) == [.admin, .helpdesk, .auditor])
    }
}
