import Foundation
import TapAPI
import TapCore
import TapStorage

/// A user's page: sessions, keys, issuance locks, and the incident tools for approvers.
extension ConsolePages {
    /// What the page shows of one user, as the signed-in person may see it.
    struct UserFacts {
        var user: UserPrincipalName
        var sessions: [Session]
        var moreSessions: Bool
        var keys: [SecurityKey]
        /// The keys' models, by lower-case AAGUID, from the FIDO metadata in force.
        var models: [String: AuthenticatorModel]
        var locks: [IssuanceLock]
    }

    static func user(_ facts: UserFacts, person: Person, notice: String?, problem: String?, now: Date) -> String {
        let name = HTMLText.escape(facts.user.value)
        let base = HTMLText.escape(ConsoleUsersController.path(facts.user))
        let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(person.csrfToken))\">"
        var main = "<h1>\(name)</h1>\n\(alert(problem))\n"
        if let notice { main += "<p class=\"notice\" role=\"status\">\(HTMLText.escape(notice))</p>\n" }

        main += "<section aria-labelledby=\"u-locks\"><h2 id=\"u-locks\">Issuance</h2>\n"
        if facts.locks.isEmpty {
            main += "<p>Passes may be issued for this user.</p>\n"
        }
        for lock in facts.locks {
            let scope = lock.site.map { "at site \(HTMLText.escape($0.value))" } ?? "at every site"
            main += """
                <p class="problem">Locked \(scope) until <time datetime="\(WireJSON.formatTime(lock.lockedUntil))">\
                \(HTMLText.escape(WireJSON.formatTime(lock.lockedUntil)))</time>: \(HTMLText.escape(lock.reason))</p>

                """
        }
        if person.mayApprove {
            main += """
                <form method="post" action="\(base)/lock" class="inline">\(csrf)
                <label for="lock-minutes">Lock issuance for (minutes)</label>
                <input id="lock-minutes" name="minutes" type="number" min="1" max="43200" value="60" required>
                <label for="lock-reason">Reason</label><input id="lock-reason" name="reason" required>
                <button type="submit">Lock issuance</button></form>

                """
            if !facts.locks.isEmpty {
                main += """
                    <form method="post" action="\(base)/unlock" class="inline">\(csrf)
                    <button type="submit">Lift the lock</button></form>

                    """
            }
        }
        main += "</section>\n"

        main += "<section aria-labelledby=\"u-sessions\"><h2 id=\"u-sessions\">Sessions</h2>\n"
        main +=
            facts.sessions.isEmpty
            ? "<p>No session.</p>\n"
            : sessionTable(facts.sessions, caption: "Sessions of \(facts.user.value)", now: now)
        if facts.moreSessions {
            let query = facts.user.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            main += "<p><a href=\"/console/find?user=\(HTMLText.escape(query))\">All sessions of \(name)</a></p>\n"
        }
        main += "</section>\n"

        main += "<section aria-labelledby=\"u-keys\"><h2 id=\"u-keys\">Security keys</h2>\n"
        main +=
            facts.keys.isEmpty
            ? "<p>No security key registered.</p>\n" : keyTable(facts.keys, models: facts.models, now: now)
        main += "</section>\n"

        if person.mayApprove {
            main += """
                <section aria-labelledby="u-incident" class="danger"><h2 id="u-incident">Incident</h2>
                <p>Revoking everything cancels every open session of this user that you may see: their passes and
                session tokens stop working at once.</p>
                <form method="post" action="\(base)/revoke">\(csrf)
                <label for="revoke-reason">Reason</label><input id="revoke-reason" name="reason" required>
                <button type="submit" class="danger">Revoke everything of \(name)</button></form>
                </section>

                """
        }
        return layout(title: facts.user.value, person: person, main: main)
    }

    static func keyTable(_ keys: [SecurityKey], models: [String: AuthenticatorModel], now: Date) -> String {
        var html = "<table><caption class=\"visually-hidden\">Security keys</caption>\n"
        html += "<thead><tr><th scope=\"col\">Model (AAGUID)</th><th scope=\"col\">Trust</th>"
        html += "<th scope=\"col\">State</th><th scope=\"col\">Registered</th><th scope=\"col\">Last used</th></tr>"
        html += "</thead>\n<tbody>\n"
        for key in keys {
            html += "<tr><td>\(modelCell(key, model: models[key.key.aaguid.lowercased()]))</td>"
            html += "<td>\(HTMLText.escape(key.key.attestation.trust))</td>"
            html += "<td>\(key.status == .active ? "Active" : "Waiting for proof")</td>"
            html += "<td>\(HTMLText.escape(age(of: key.createdAt, now: now)))</td>"
            html += "<td>\(HTMLText.escape(key.lastUsedAt.map { age(of: $0, now: now) } ?? "never"))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }
}
