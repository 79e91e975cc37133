import Foundation
import TapCore
import TapStorage

/// The people and machines page.
extension ConsolePages {
    /// What the page shows besides the lists: a secret shown this once, a notice, or a refusal beside the form
    /// (`invite`, `machine`, or an operator's id) it came from.
    enum PeopleOutcome {
        case none
        case notice(String)
        case invitation(name: String, code: String, expiresAt: Date)
        case token(name: String, token: String)
        case enrolmentCode(name: String, code: String, expiresAt: Date)
        case refused(form: String, problem: String)

        func problem(for form: String) -> String? {
            if case .refused(form, let problem) = self { return problem }
            return nil
        }
    }

    struct PeopleFacts {
        var operators: [Operator]
        var me: OperatorID
        var uses: [OperatorID: OperatorUse]
        var issued: [OperatorID: (lastHour: Int, lastDay: Int)]
        var passkeys: [OperatorID: Int]
        /// The policy's default caps per operator (a site or scenario may set others).
        var caps: (hour: Int?, day: Int?)
        /// The single sign-on claim mappings: claim value, role, site.
        var mappings: [(String, String, String?)]
        /// The site of a site-scoped admin, whose forms give that site only.
        var siteScope: String?
        var stepUp: Bool
        var singleSignOn: String?
    }

    static func people(_ facts: PeopleFacts, outcome: PeopleOutcome, person: Person, now: Date) -> String {
        let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(person.csrfToken))\">"
        var main = "<h1>People and machines</h1>\n"
        if case .refused(let form, let problem) = outcome, form.isEmpty { main += alert(problem) }
        if case .notice(let text) = outcome {
            main += "<p class=\"notice\" role=\"status\">\(HTMLText.escape(text))</p>"
        }
        main += shownOnce(outcome, now: now)
        if person.mayAdminister, facts.stepUp {
            main += stepUpSection(what: "Changing people and machines", singleSignOn: facts.singleSignOn, stay: true)
        }
        let people = facts.operators.filter { $0.identity.role.isPerson }
        let machines = facts.operators.filter { !$0.identity.role.isPerson }
        main += "<section aria-labelledby=\"people-title\"><h2 id=\"people-title\">People</h2>\n"
        main += operatorTable(
            people, facts: facts, outcome: outcome, person: person, csrf: csrf, people: true, now: now)
        if person.mayAdminister { main += inviteForm(facts, outcome: outcome, csrf: csrf) }
        main += "</section>\n"
        main += "<section aria-labelledby=\"machines-title\"><h2 id=\"machines-title\">Machines</h2>\n"
        main += operatorTable(
            machines, facts: facts, outcome: outcome, person: person, csrf: csrf, people: false, now: now)
        if person.mayAdminister { main += machineForm(facts, outcome: outcome, csrf: csrf) }
        main += "</section>\n"
        main += mappingSection(facts.mappings)
        return layout(title: "People and machines", person: person, main: main)
    }

    private static func shownOnce(_ outcome: PeopleOutcome, now: Date) -> String {
        let minutes = { (date: Date) -> String in
            let left = max(1, Int(date.timeIntervalSince(now) / 60))
            return left < 120 ? "\(left) minutes" : "\((left + 30) / 60) hours"
        }
        switch outcome {
        case .invitation(let name, let code, let expiresAt):
            return """
                <section class="shown-once" aria-labelledby="once-title"><h2 id="once-title">Invitation for \
                \(HTMLText.escape(name))</h2>
                <p>Give this code to \(HTMLText.escape(name)) in person or by phone. They type it at \
                <code>/console/invitation</code> to register a passkey. It works once, for \
                \(minutes(expiresAt)), and is not shown again.</p>
                <p class="pass" id="invitation-code">\(HTMLText.escape(code))</p></section>

                """
        case .token(let name, let token):
            return """
                <section class="shown-once" aria-labelledby="once-title"><h2 id="once-title">Token for \
                \(HTMLText.escape(name))</h2>
                <p>Copy it into the machine's configuration now: it is not shown again, and storage keeps only its \
                MAC.</p>
                <p><code class="token" id="new-token">\(HTMLText.escape(token))</code></p></section>

                """
        case .enrolmentCode(let name, let code, let expiresAt):
            return """
                <section class="shown-once" aria-labelledby="once-title"><h2 id="once-title">Enrolment code for \
                \(HTMLText.escape(name))</h2>
                <p>Type it at the kiosk when <code>tapkiosk</code> asks for it (or scan it). It works once, for \
                \(minutes(expiresAt)); the kiosk keeps the token it gets for it.</p>
                <p class="pass" id="enrolment-code">\(HTMLText.escape(code))</p>
                \(qrCode(code))</section>

                """
        case .none, .notice, .refused: return ""
        }
    }

    private static func operatorTable(
        _ operators: [Operator], facts: PeopleFacts, outcome: PeopleOutcome, person: Person, csrf: String,
        people: Bool, now: Date
    ) -> String {
        guard !operators.isEmpty else { return "<p>None yet.</p>\n" }
        let caption = people ? "People" : "Machines"
        var html = "<table><caption class=\"visually-hidden\">\(caption)</caption>\n<thead><tr>"
        html += "<th scope=\"col\">Name</th><th scope=\"col\">Role</th><th scope=\"col\">Site</th>"
        html += "<th scope=\"col\">State</th><th scope=\"col\">Last use</th>"
        html += "<th scope=\"col\">Passes issued (last hour / day)</th>"
        if person.mayAdminister { html += "<th scope=\"col\">Change</th>" }
        html += "</tr></thead>\n<tbody>\n"
        for record in operators {
            let identity = record.identity
            let id = identity.id.rawValue
            let state = operatorState(record, passkeys: facts.passkeys[identity.id], people: people, now: now)
            let use =
                facts.uses[identity.id].map {
                    "\(age(of: $0.at, now: now)) from \(HTMLText.escape($0.from))"
                } ?? "never"
            let issued = facts.issued[identity.id] ?? (0, 0)
            let caps =
                "\(issued.lastHour)\(facts.caps.hour.map { $0 > 0 ? " of \($0)" : "" } ?? "") / "
                + "\(issued.lastDay)\(facts.caps.day.map { $0 > 0 ? " of \($0)" : "" } ?? "")"
            html += "<tr id=\"operator-\(HTMLText.escape(id))\">"
            html += "<th scope=\"row\">\(HTMLText.escape(identity.name))"
            if let upn = identity.userPrincipalName { html += "<br><small>\(HTMLText.escape(upn.value))</small>" }
            html += "</th><td>\(identity.role.rawValue)</td>"
            html += "<td>\(HTMLText.escape(identity.site?.value ?? "every site"))</td>"
            html += "<td>\(state)</td><td>\(use)</td><td>\(caps)</td>"
            if person.mayAdminister {
                html += "<td>"
                let problem = outcome.problem(for: id)
                if let problem { html += alert(problem) }
                if record.revokedAt == nil, identity.id != facts.me {
                    // Folded, so that the table stays a table; open when this row's change was refused.
                    html += "<details class=\"row-actions\"\(problem == nil ? "" : " open")><summary>Change"
                    html += "<span class=\"visually-hidden\"> \(HTMLText.escape(identity.name))</span></summary>\n"
                    html += actions(record, csrf: csrf, people: people, siteScope: facts.siteScope)
                    html += "</details>"
                }
                html += "</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    private static func operatorState(_ record: Operator, passkeys: Int?, people: Bool, now: Date) -> String {
        if let revoked = record.revokedAt { return "revoked \(age(of: revoked, now: now))" }
        if let expires = record.expiresAt, expires <= now { return "expired" }
        guard people else { return "active" }
        switch passkeys ?? 0 {
        case 0: return record.identity.userPrincipalName == nil ? "token only" : "no passkey (invited or SSO)"
        case 1: return "1 passkey"
        case let count: return "\(count) passkeys"
        }
    }

    private static func actions(_ record: Operator, csrf: String, people: Bool, siteScope: String?) -> String {
        let identity = record.identity
        let base = "/console/people/\(HTMLText.escape(identity.id.rawValue))"
        let name = HTMLText.escape(identity.name)
        let field = "\(HTMLText.escape(identity.id.rawValue))"
        var html = ""
        if people, identity.userPrincipalName != nil {
            let options = ConsolePeopleController.personRoles.map { role -> String in
                "<option\(role == identity.role ? " selected" : "")>\(role.rawValue)</option>"
            }.joined()
            html += """
                <form method="post" action="\(base)/role" class="inline">\(csrf)
                <label for="role-\(field)">Role of \(name)</label>
                <select id="role-\(field)" name="role">\(options)</select>
                <label for="site-\(field)">Site</label>
                <input id="site-\(field)" name="site" type="text" size="12" placeholder="every site" \
                value="\(HTMLText.escape(siteScope ?? identity.site?.value ?? ""))"\(siteScope != nil ? " readonly" : "")>
                <button type="submit">Change role</button></form>
                <form method="post" action="\(base)/reset-passkeys" class="inline">\(csrf)\
                <button type="submit" aria-label="Reset the passkeys of \(name)">Reset passkeys</button></form>

                """
        }
        if !people {
            html += """
                <form method="post" action="\(base)/rotate" class="inline">\(csrf)
                <label for="grace-\(field)">Old token works for (minutes)</label>
                <input id="grace-\(field)" name="grace" type="number" min="0" max="10080" value="60">
                <button type="submit" aria-label="Rotate the token of \(name)">Rotate token</button></form>

                """
        }
        html += """
            <form method="post" action="\(base)/revoke" class="inline">\(csrf)\
            <button type="submit" class="danger" aria-label="Revoke \(name)">Revoke</button></form>
            """
        return html
    }

    private static func siteField(_ facts: PeopleFacts, id: String, help: String) -> String {
        if let site = facts.siteScope {
            return """
                <label for="\(id)">Site</label>
                <input id="\(id)" name="site" type="text" value="\(HTMLText.escape(site))" readonly>

                """
        }
        return """
            <label for="\(id)">Site</label>
            <input id="\(id)" name="site" type="text" aria-describedby="\(id)-help">
            <p id="\(id)-help" class="help">\(HTMLText.escape(help))</p>

            """
    }

    private static func inviteForm(_ facts: PeopleFacts, outcome: PeopleOutcome, csrf: String) -> String {
        let options = ConsolePeopleController.personRoles.map { "<option>\($0.rawValue)</option>" }.joined()
        return """
            <form method="post" action="/console/people/invite" id="invite" class="panel">\(csrf)
            <h3>Invite a person</h3>
            \(alert(outcome.problem(for: "invite")))
            <label for="invite-name">Name</label><input id="invite-name" name="name" type="text" required maxlength="100">
            <label for="invite-upn">Sign-in name</label>
            <input id="invite-upn" name="upn" type="email" required autocomplete="off" placeholder="name@organisation">
            <label for="invite-role">Role</label><select id="invite-role" name="role">\(options)</select>
            \(siteField(facts, id: "invite-site", help: "Empty: every site."))
            <button type="submit" class="primary">Invite</button>
            </form>

            """
    }

    private static func machineForm(_ facts: PeopleFacts, outcome: PeopleOutcome, csrf: String) -> String {
        let options = ConsolePeopleController.machineRoles.map { "<option>\($0.rawValue)</option>" }.joined()
        return """
            <form method="post" action="/console/people/machines" id="machine" class="panel">\(csrf)
            <h3>Create a machine token</h3>
            \(alert(outcome.problem(for: "machine")))
            <label for="machine-name">Name</label>
            <input id="machine-name" name="name" type="text" required maxlength="100" placeholder="kiosk 3, hall B">
            <label for="machine-role">Role</label><select id="machine-role" name="role">\(options)</select>
            \(siteField(facts, id: "machine-site", help: "A machine works for one site."))
            <p class="help">A kiosk gets a one-time enrolment code to type at the kiosk; the others a token.</p>
            <button type="submit" class="primary">Create</button>
            </form>

            """
    }

    private static func mappingSection(_ mappings: [(String, String, String?)]) -> String {
        guard !mappings.isEmpty else { return "" }
        var html = """
            <section aria-labelledby="mappings-title"><h2 id="mappings-title">Single sign-on mappings</h2>
            <p>People who sign in with the organisation's account get their role from these claim values (set in \
            the service's configuration, first match wins).</p>
            <table><caption class="visually-hidden">Claim mappings</caption><thead><tr><th scope="col">Claim value</th>\
            <th scope="col">Role</th><th scope="col">Site</th></tr></thead><tbody>

            """
        for (value, role, site) in mappings {
            html += "<tr><td><code>\(HTMLText.escape(value))</code></td><td>\(HTMLText.escape(role))</td>"
            html += "<td>\(HTMLText.escape(site ?? "every site"))</td></tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }
}
