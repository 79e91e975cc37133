import Foundation
import TapAPI
import TapCore
import TapStorage

/// The policy page, its preview and the stale-save page.
extension ConsolePages {
    /// A refusal with the field it names, so the page can show it beside that field.
    struct FieldProblem {
        var detail: String
        var field: String?
    }

    struct PolicyEditorFacts {
        var current: VersionedPolicy
        var changedBy: String?
        var place: PolicyPlace
        /// The fields as the admin typed them, when a preview was refused and the form is shown again.
        var typed: [String: String]?
        var problem: FieldProblem?
    }

    /// One earlier save, from the audit log.
    struct PolicySave {
        var version: Int
        var by: String
        var at: Date
        var patch: String
    }

    static func policyEditor(_ facts: PolicyEditorFacts, person: Person, notice: String?) -> String {
        let policy = facts.current.policy
        let editable = person.mayAdminister && person.site == nil
        let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(person.csrfToken))\">"
        let version = "<input type=\"hidden\" name=\"version\" value=\"\(facts.current.version)\">"
        let problemForm = facts.problem == nil ? nil : (facts.typed?["form"] ?? "settings")
        func problem(in form: String) -> FieldProblem? { problemForm == form ? facts.problem : nil }

        var main = "<h1>Policy</h1>\n"
        if let updatedAt = facts.current.updatedAt {
            main += "<p>Version \(facts.current.version), changed by \(HTMLText.escape(facts.changedBy ?? "?")) "
            main +=
                "<time datetime=\"\(WireJSON.formatTime(updatedAt))\">\(WireJSON.formatTime(updatedAt))</time>.</p>\n"
        } else {
            main += "<p>The standard policy: nobody has changed it yet.</p>\n"
        }
        if let notice { main += "<p class=\"notice\" role=\"status\">\(HTMLText.escape(notice))</p>\n" }
        if !editable {
            let why = person.mayAdminister ? "only a global admin changes it" : "your role reads it"
            main += "<p class=\"help\">You see the policy read-only: \(why).</p>\n"
        }

        // Where a settings form applies.
        main += "<section aria-labelledby=\"p-where\"><h2 id=\"p-where\">Where</h2>\n<ul class=\"places\">\n"
        main += "<li>\(placeLink(PolicyPlace(site: nil, scenario: nil), current: facts.place))</li>\n"
        for (site, scenarios) in policy.overrides.sorted(by: { $0.key < $1.key }) {
            for scenario in scenarios.keys.sorted() {
                main += "<li>\(placeLink(PolicyPlace(site: site, scenario: scenario), current: facts.place))</li>\n"
            }
        }
        main += "</ul>\n"
        main += """
            <form method="get" action="/console/policy" class="inline">
            <label for="place-site">Site (or *)</label><input id="place-site" name="site" required maxlength="64">
            <label for="place-scenario">Scenario</label><select id="place-scenario" name="scenario">
            <option value="*">Every scenario</option><option value="deviceEnrollment">Device enrollment</option>
            <option value="fido2Registration">Security keys</option></select>
            <button type="submit">Edit or add this override</button></form>
            </section>

            """

        // The settings of one place.
        let placeSettings: [String: JSONValue]
        if let site = facts.place.site, let scenario = facts.place.scenario {
            let override = policy.overrides[site]?[scenario] ?? PolicySettings()
            placeSettings =
                (try? JSONEncoder().encode(override)).flatMap {
                    try? JSONDecoder().decode(JSONValue.self, from: $0)
                }?.objectMembers ?? [:]
        } else {
            placeSettings = (try? policy.asJSON())?.objectMembers?["defaults"]?.objectMembers ?? [:]
        }
        let inherited = facts.place.isDefaults ? nil : Self.inherited(policy, place: facts.place)
        main +=
            "<section aria-labelledby=\"p-settings\"><h2 id=\"p-settings\">\(HTMLText.escape(placeTitle(facts.place)))</h2>\n"
        if !facts.place.isDefaults {
            main += "<p class=\"help\">An empty field is inherited from the wider rules. "
            main += "More specific wins: site and scenario, then site, then scenario, then the defaults.</p>\n"
        }
        main += "<form method=\"post\" action=\"/console/policy/preview\">\(csrf)\(version)\n"
        main += "<input type=\"hidden\" name=\"form\" value=\"settings\">\n"
        if let site = facts.place.site, let scenario = facts.place.scenario {
            main += "<input type=\"hidden\" name=\"site\" value=\"\(HTMLText.escape(site))\">"
            main += "<input type=\"hidden\" name=\"scenario\" value=\"\(HTMLText.escape(scenario))\">\n"
        }
        let settingsProblem = problem(in: "settings")
        main += formProblem(settingsProblem, keys: PolicyGuide.settings.map(\.key))
        main += "<fieldset\(editable ? "" : " disabled")><legend class=\"visually-hidden\">Settings</legend>\n"
        for field in PolicyGuide.settings {
            let typed = facts.typed.map { $0["s.\(field.key)"] ?? "" }
            let value = typed ?? placeSettings[field.key].map(formValue) ?? ""
            let inheritedValue = inherited.flatMap { $0[field.key] }.map { $0.plainText }
            main += settingField(field, value: value, inherited: inheritedValue, problem: settingsProblem)
        }
        main += "</fieldset>\n"
        if editable { main += "<button type=\"submit\" class=\"primary\">Preview the change</button>\n" }
        main += "</form></section>\n"

        // What applies everywhere.
        let generalProblem = problem(in: "general")
        let typedGeneral = facts.typed?["form"] == "general" ? facts.typed : nil
        let paper = typedGeneral?["paperPassesAllowed"] ?? (policy.paperPassesAllowed == true ? "yes" : "no")
        let consoleOnly = Set(
            typedGeneral.map { typed in Role.allCases.filter { typed["consoleOnly.\($0.rawValue)"] != nil } }
                ?? policy.consoleOnlyRoles ?? [])
        let subjects =
            typedGeneral?["privilegedSubjects"] ?? policy.privilegedSubjects.map(\.value).joined(separator: "\n")
        main += """
            <section aria-labelledby="p-general"><h2 id="p-general">Everywhere</h2>
            <form method="post" action="/console/policy/preview">\(csrf)\(version)
            <input type="hidden" name="form" value="general">
            \(formProblem(generalProblem, keys: ["paperPassesAllowed", "consoleOnlyRoles", "privilegedSubjects"]))
            <fieldset\(editable ? "" : " disabled")><legend class="visually-hidden">Settings for every site</legend>
            <div class="field"><label for="f-paper">Passes may be printed on slip sheets</label>
            <select id="f-paper" name="paperPassesAllowed" aria-describedby="f-paper-help">
            <option value="no"\(paper == "no" ? " selected" : "")>No</option>
            <option value="yes"\(paper == "yes" ? " selected" : "")>Yes</option></select>
            <p class="help" id="f-paper-help">A printed pass outlives the screen that showed it.</p>
            \(fieldProblem(generalProblem, key: "paperPassesAllowed", id: "f-paper"))</div>
            <fieldset class="field" aria-describedby="f-console-help"><legend>Roles that work only in the console</legend>

            """
        for role in [Role.admin, .helpdesk, .auditor] {
            let id = "f-console-\(role.rawValue)"
            main += "<label for=\"\(id)\"><input type=\"checkbox\" id=\"\(id)\" name=\"consoleOnly.\(role.rawValue)\""
            main += "\(consoleOnly.contains(role) ? " checked" : "")> \(role.rawValue)</label>\n"
        }
        main += """
            <p class="help" id="f-console-help">Their bearer tokens are refused; they sign in here with a passkey or
            single sign-on.</p>\(fieldProblem(generalProblem, key: "consoleOnlyRoles", id: "f-console"))</fieldset>
            <div class="field"><label for="f-subjects">Privileged users (one pattern per line)</label>
            <textarea id="f-subjects" name="privilegedSubjects" rows="4" aria-describedby="f-subjects-help">\
            \(HTMLText.escape(subjects))</textarea>
            <p class="help" id="f-subjects-help">Kiosk and bench tokens never mint passes for them, and a second person
            approves every pass: <code>admin@contoso.example</code>, <code>*-admin@contoso.example</code>.</p>
            \(fieldProblem(generalProblem, key: "privilegedSubjects", id: "f-subjects"))</div>
            </fieldset>
            \(editable ? "<button type=\"submit\" class=\"primary\">Preview the change</button>" : "")
            </form></section>

            """

        // The document, for experts.
        let documentProblem = problem(in: "document")
        let document = facts.typed?["form"] == "document" ? (facts.typed?["document"] ?? "") : prettyJSON(policy)
        main += """
            <section aria-labelledby="p-document"><h2 id="p-document">The document</h2>
            <form method="post" action="/console/policy/preview">\(csrf)\(version)
            <input type="hidden" name="form" value="document">
            <div class="field"><label for="f-document">The whole policy as JSON (the API's <code>GET /v1/policy</code>)</label>
            <textarea id="f-document" name="document" rows="24" spellcheck="false" class="code"\
            \(editable ? "" : " readonly")\(documentProblem == nil ? "" : " aria-describedby=\"f-document-error\"")>\
            \(HTMLText.escape(document))</textarea>
            \(documentProblem.map { "<p class=\"problem\" id=\"f-document-error\" role=\"alert\">\(HTMLText.escape($0.detail))</p>" } ?? "")
            </div>
            \(editable ? "<button type=\"submit\">Preview the change</button>" : "")
            </form></section>

            """
        return layout(title: "Policy", person: person, main: main)
    }

    static func policyPreview(
        change: PolicyChange, patch: String, version: Int, person: Person, problem: String?, stepUp: Bool,
        singleSignOn: String?
    ) -> String {
        var main = "<h1>Check the change</h1>\n\(alert(problem))\n"
        main += "<p>Based on version \(version) of the policy. Nothing is saved until you save it.</p>\n"
        main += changeSections(change)
        main += saveForm(patch: patch, version: version, person: person, stepUp: stepUp, singleSignOn: singleSignOn)
        return layout(title: "Check the policy change", person: person, main: main)
    }

    static func policyStale(
        theirs: [PolicySave], yours: PolicyChange?, problem: String?, patch: String, version: Int, person: Person,
        stepUp: Bool, singleSignOn: String?
    ) -> String {
        var main = "<h1>Not saved: the policy changed meanwhile</h1>\n"
        main += alert(
            "Someone saved the policy after you opened it, so your change was not saved over theirs. "
                + "Check what they changed, then save yours again on top of it (or leave it).")
        main += "<section aria-labelledby=\"s-theirs\"><h2 id=\"s-theirs\">What changed since</h2>\n<ul>\n"
        for save in theirs.sorted(by: { $0.version < $1.version }) {
            main += "<li>Version \(save.version), by \(HTMLText.escape(save.by)), "
            main += "<time datetime=\"\(WireJSON.formatTime(save.at))\">\(WireJSON.formatTime(save.at))</time>: "
            main += "<code>\(HTMLText.escape(save.patch))</code></li>\n"
        }
        main += "</ul></section>\n"
        main += "<section aria-labelledby=\"s-yours\"><h2 id=\"s-yours\">Your change on the policy now in force</h2>\n"
        if let yours, !yours.isEmpty {
            main += changeSections(yours)
            main += saveForm(patch: patch, version: version, person: person, stepUp: stepUp, singleSignOn: singleSignOn)
        } else if let problem {
            main += alert("Your change no longer fits the policy: \(problem)")
        } else {
            main += "<p>Your change is already in force: there is nothing left to save.</p>\n"
        }
        main += "<p><a href=\"/console/policy\">Back to the policy</a></p></section>\n"
        return layout(title: "Policy not saved", person: person, main: main)
    }

    // MARK: Pieces

    private static func changeSections(_ change: PolicyChange) -> String {
        var html = "<section aria-labelledby=\"c-effect\"><h2 id=\"c-effect\">What it does</h2>\n"
        if change.effects.isEmpty {
            html += "<p>No setting of passes changes at any site; see the fields below.</p>\n"
        } else {
            html += "<ul class=\"effects\">\n"
            for effect in change.effects { html += "<li>\(HTMLText.escape(effect))</li>\n" }
            html += "</ul>\n"
        }
        html += "</section>\n<section aria-labelledby=\"c-diff\"><h2 id=\"c-diff\">Field by field</h2>\n"
        html += "<table><caption class=\"visually-hidden\">Changed fields</caption>\n"
        html += "<thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Now</th><th scope=\"col\">After saving</th>"
        html += "</tr></thead>\n<tbody>\n"
        for difference in change.differences {
            html += "<tr><td><code>\(HTMLText.escape(difference.path))</code></td>"
            html +=
                "<td>\(difference.before.map { "<code class=\"old\">\(HTMLText.escape($0))</code>" } ?? "not set")</td>"
            html +=
                "<td>\(difference.after.map { "<code class=\"new\">\(HTMLText.escape($0))</code>" } ?? "not set")</td></tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

    private static func saveForm(
        patch: String, version: Int, person: Person, stepUp: Bool, singleSignOn: String?
    ) -> String {
        var html = stepUp ? stepUpSection(what: "Saving the policy", singleSignOn: singleSignOn, stay: true) : ""
        html += """
            <form method="post" action="/console/policy/save">
            <input type="hidden" name="csrf" value="\(HTMLText.escape(person.csrfToken))">
            <input type="hidden" name="version" value="\(version)">
            <input type="hidden" name="patch" value="\(HTMLText.escape(patch))">
            <button type="submit" class="primary" id="save-policy">Save the policy</button>
            <a href="/console/policy">Leave it</a>
            </form>

            """
        return html
    }

    private static func settingField(
        _ field: PolicyGuide.Field, value: String, inherited: String?, problem: FieldProblem?
    ) -> String {
        let id = "f-\(field.key)"
        let error = fieldProblem(problem, key: field.key, id: id)
        let described = "\(id)-help" + (error.isEmpty ? "" : " \(id)-error")
        var help = HTMLText.escape(field.help)
        if let inherited { help += " Empty: inherited (\(HTMLText.escape(inherited)))." }
        let control: String
        switch field.kind {
        case .number(let range):
            control = """
                <input id="\(id)" name="s.\(field.key)" type="number" min="\(range.lowerBound)" max="\(range.upperBound)" \
                inputmode="numeric" value="\(HTMLText.escape(value))" aria-describedby="\(described)">
                """
        case .flag:
            let options = [("", inherited == nil ? "Not set" : "Inherited"), ("yes", "Yes"), ("no", "No")]
                .map { "<option value=\"\($0.0)\"\(value == $0.0 ? " selected" : "")>\($0.1)</option>" }.joined()
            control =
                "<select id=\"\(id)\" name=\"s.\(field.key)\" aria-describedby=\"\(described)\">\(options)</select>"
        case .proofingMethods:
            control = """
                <input id="\(id)" name="s.\(field.key)" value="\(HTMLText.escape(value))" aria-describedby="\(described)" \
                spellcheck="false">
                """
        }
        return """
            <div class="field"><label for="\(id)">\(HTMLText.escape(field.label))</label>
            \(control)
            <p class="help" id="\(id)-help">\(help)</p>\(error)</div>

            """
    }

    /// The refusal beside the field it names, or nothing.
    private static func fieldProblem(_ problem: FieldProblem?, key: String, id: String) -> String {
        guard let problem, problemKey(problem.field) == key else { return "" }
        return "<p class=\"problem\" id=\"\(id)-error\" role=\"alert\">\(HTMLText.escape(problem.detail))</p>"
    }

    /// A refusal that names none of `keys` goes at the top of its form.
    private static func formProblem(_ problem: FieldProblem?, keys: [String]) -> String {
        guard let problem, !keys.contains(problemKey(problem.field) ?? "") else { return "" }
        return alert(problem.detail)
    }

    /// The setting a refusal's field path ends in: `overrides.bench-1.*.maximumUses` and
    /// `effective policy for bench-1/deviceEnrollment: defaultMaxUses` are `maximumUses` and `defaultMaxUses`;
    /// `privilegedSubjects.2` is `privilegedSubjects`.
    static func problemKey(_ field: String?) -> String? {
        guard let field else { return nil }
        let known = Set(
            PolicyGuide.settings.map(\.key) + ["paperPassesAllowed", "consoleOnlyRoles", "privilegedSubjects"])
        let parts = field.split { $0 == "." || $0 == " " || $0 == ":" }.map(String.init)
        return parts.reversed().first { known.contains($0) } ?? parts.last
    }

    private static func placeLink(_ place: PolicyPlace, current: PolicyPlace) -> String {
        var href = "/console/policy"
        if let site = place.site, let scenario = place.scenario {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
            href += "?site=\(site.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
            href += "&amp;scenario=\(scenario.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }
        let marker = place == current ? " aria-current=\"page\"" : ""
        return "<a href=\"\(href)\"\(marker)>\(HTMLText.escape(placeTitle(place)))</a>"
    }

    static func placeTitle(_ place: PolicyPlace) -> String {
        guard let site = place.site, let scenario = place.scenario else { return "Defaults" }
        let where_ = site == "*" ? "Every site" : "Site \(site)"
        let what: String
        switch scenario {
        case "*": what = "every scenario"
        case Scenario.deviceEnrollment.rawValue: what = "device enrollment"
        case Scenario.fido2Registration.rawValue: what = "security keys"
        default: what = scenario
        }
        return "\(where_), \(what)"
    }

    /// What an override at `place` would fall back to, field by field.
    private static func inherited(_ policy: Policy, place: PolicyPlace) -> [String: JSONValue]? {
        guard let site = place.site, let scenario = place.scenario else { return nil }
        var settings = policy.defaults
        var layers: [(String, String)] = []
        if scenario != "*" { layers.append(("*", scenario)) }
        if site != "*", scenario != "*" { layers.append((site, "*")) }
        for (siteKey, scenarioKey) in layers {
            if let override = policy.overrides[siteKey]?[scenarioKey] { settings = settings.overlaid(with: override) }
        }
        return (try? JSONEncoder().encode(settings)).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }?
            .objectMembers
    }

    private static func formValue(_ value: JSONValue) -> String {
        switch value {
        case .bool(let flag): flag ? "yes" : "no"
        case .array(let values): values.map(\.plainText).joined(separator: ", ")
        default: value.plainText
        }
    }

    static func prettyJSON(_ policy: Policy) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(policy)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
