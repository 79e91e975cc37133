import Foundation
import TapCore
import TapStorage

/// The keys page.
extension ConsolePages {
    static func keys(
        _ keys: Page<SecurityKey>, models: [String: AuthenticatorModel], user: String, flaggedOnly: Bool,
        notice: String?, problem: (String?, String)?, mayRevoke: Bool, stepUp: Bool, singleSignOn: String?,
        person: Person, now: Date
    ) -> String {
        let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(person.csrfToken))\">"
        var main = "<h1>Security keys</h1>\n"
        if let problem, problem.0 == nil { main += alert(problem.1) }
        if let notice { main += "<p class=\"notice\" role=\"status\">\(HTMLText.escape(notice))</p>\n" }
        if stepUp { main += stepUpSection(what: "Revoking a key", singleSignOn: singleSignOn, stay: true) }
        main += """
            <form method="get" action="/console/keys" class="search">
            <label for="keys-user">User</label>
            <input id="keys-user" name="user" type="text" value="\(HTMLText.escape(user))" placeholder="name@organisation">
            <label><input type="checkbox" name="flagged" value="1"\(flaggedOnly ? " checked" : "")> Only keys \
            whose model FIDO reports as weak</label>
            <button type="submit">Show</button></form>

            """
        guard !keys.items.isEmpty else {
            return layout(title: "Security keys", person: person, main: main + "<p>No key registered.</p>\n")
        }
        main += "<table><caption class=\"visually-hidden\">Registered keys</caption>\n<thead><tr>"
        main += "<th scope=\"col\">User</th><th scope=\"col\">Model</th><th scope=\"col\">Attestation</th>"
        main += "<th scope=\"col\">State</th><th scope=\"col\">Registered</th><th scope=\"col\">Last used</th>"
        main +=
            "<th scope=\"col\">Session</th>\(mayRevoke ? "<th scope=\"col\">Revoke</th>" : "")</tr></thead>\n<tbody>\n"
        for key in keys.items {
            let id = HTMLText.escape(key.id.rawValue)
            let attestation = key.key.attestation
            let synced = key.key.backupEligible ? " · may sync" : " · device-bound"
            main +=
                "<tr id=\"key-\(id)\"><td><a href=\"/console/users/\(HTMLText.escape(key.userPrincipalName.value))\">"
            main += "\(HTMLText.escape(key.userPrincipalName.value))</a></td>"
            main += "<td>\(modelCell(key, model: models[key.key.aaguid.lowercased()]))</td>"
            main += "<td>\(HTMLText.escape(attestation.format)) · \(HTMLText.escape(attestation.trust))\(synced)</td>"
            main += "<td>\(key.status == .active ? "active" : "waiting for its test sign-in")</td>"
            main += "<td>\(HTMLText.escape(age(of: key.createdAt, now: now)))</td>"
            main += "<td>\(HTMLText.escape(key.lastUsedAt.map { age(of: $0, now: now) } ?? "never"))</td>"
            let session = HTMLText.escape(key.sessionID.rawValue)
            main +=
                person.mayAudit
                ? "<td><a href=\"/console/audit/sessions/\(session)\">trail</a></td>"
                : "<td><a href=\"/console/sessions/\(session)\">session</a></td>"
            if mayRevoke {
                let rowProblem = problem.flatMap { $0.0 == key.id.rawValue ? $0.1 : nil }
                main += """
                    <td><form method="post" action="/console/keys/\(id)/revoke" class="inline">\(csrf)
                    <input type="hidden" name="user" value="\(HTMLText.escape(user))">
                    <label for="reason-\(id)">Reason</label>
                    <input id="reason-\(id)" name="reason" type="text" required maxlength="500"\
                    \(rowProblem == nil ? "" : " aria-invalid=\"true\" aria-describedby=\"reason-\(id)-problem\"")>
                    \(rowProblem.map { "<p class=\"problem\" id=\"reason-\(id)-problem\" role=\"alert\">\(HTMLText.escape($0))</p>" } ?? "")
                    <button type="submit" class="danger">Revoke</button></form></td>
                    """
            }
            main += "</tr>\n"
        }
        main += "</tbody></table>\n"
        if let next = keys.nextCursor {
            let query = queryString(
                ["user": user, "after": next, "flagged": flaggedOnly ? "1" : ""].filter { !$0.value.isEmpty })
            main += "<p><a href=\"/console/keys\(query)\">Next page</a></p>\n"
        }
        return layout(title: "Security keys", person: person, main: main)
    }

    /// A key's model: its name and certification from FIDO's metadata when it names the AAGUID, the AAGUID, and
    /// a warning when the model's status is one the key's profile refuses.
    static func modelCell(_ key: SecurityKey, model: AuthenticatorModel?) -> String {
        var html = ""
        if let model {
            html += "<strong>\(HTMLText.escape(model.name))</strong>"
            if let level = model.certificationLevel { html += " · FIDO \(HTMLText.escape(level.plainName))" }
            html += "<br>"
        }
        html += "<code>\(HTMLText.escape(key.key.aaguid))</code>"
        // Without metadata for the model, the attestation certificate's subject is the best name there is.
        if model == nil, let subject = key.key.attestation.leafSubject {
            html += "<br><small>\(HTMLText.escape(subject))</small>"
        }
        if let flag = key.flag {
            html += "<p class=\"problem\">FIDO reports this model as \(HTMLText.escape(flag.status))</p>"
        }
        return html
    }
}
