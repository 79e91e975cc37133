import Foundation
import TapCore
import TapStorage

/// The person's own passkeys page.
extension ConsolePages {
    static func passkeys(
        _ passkeys: [OperatorPasskey], person: Person, problem: String?, stepUp: String?, now: Date
    ) -> String {
        let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(person.csrfToken))\">"
        var main = "<h1>Your passkeys</h1>\n\(alert(problem))\n\(stepUp ?? "")"
        main += """
            <p>Each passkey signs you in to the console alone. Keep two (a security key and a phone, say), so that
            losing one does not lock you out; with none left, an administrator resets your passkeys.</p>

            """
        if passkeys.isEmpty {
            main += "<p>You sign in with your organisation's account and hold no passkey.</p>\n"
        } else {
            main += "<table><caption class=\"visually-hidden\">Your passkeys</caption>\n"
            main += "<thead><tr><th scope=\"col\">Model (AAGUID)</th><th scope=\"col\">Synced</th>"
            main += "<th scope=\"col\">Added</th><th scope=\"col\">Last used</th><th scope=\"col\">Remove</th></tr>"
            main += "</thead>\n<tbody>\n"
            for (index, passkey) in passkeys.enumerated() {
                let remove =
                    passkeys.count > 1
                    ? """
                    <form method="post" action="/console/passkeys/\(HTMLText.escape(passkey.id))/remove" class="inline">\
                    \(csrf)<button type="submit" aria-label="Remove passkey \(index + 1)">Remove</button></form>
                    """ : "Your only passkey"
                main += "<tr><td><code>\(HTMLText.escape(passkey.aaguid))</code></td>"
                main += "<td>\(passkey.backupEligible ? "yes" : "no")</td>"
                main += "<td>\(HTMLText.escape(age(of: passkey.createdAt, now: now)))</td>"
                main += "<td>\(HTMLText.escape(passkey.lastUsedAt.map { age(of: $0, now: now) } ?? "never"))</td>"
                main += "<td>\(remove)</td></tr>\n"
            }
            main += "</tbody></table>\n"
        }
        main += """
            <form method="post" action="/console/passkeys/add">\(csrf)
            <button type="submit" class="primary">Add a passkey</button></form>

            """
        return layout(title: "Your passkeys", person: person, main: main)
    }
}
