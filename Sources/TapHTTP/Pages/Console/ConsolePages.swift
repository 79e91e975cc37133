import Foundation
import TapAPI
import TapCore
import TapStorage

/// The console's HTML: one layout, plain words, no inline script or style (the CSP forbids both). Every value
/// that came from a person or a request goes through ``HTMLText/escape(_:)``.
enum ConsolePages {
    /// Who is signed in, for the header and the sign-out form.
    struct Person {
        var name: String
        var role: String
        var site: String?
        var csrfToken: String

        /// What the role may do here, as the API would allow it; the pages offer nothing else.
        var mayIssue: Bool { Role(rawValue: role).map(Set<Role>.issuers.contains) ?? false }
        var mayApprove: Bool { Role(rawValue: role).map(Set<Role>.approvers.contains) ?? false }
        var mayImport: Bool { Role(rawValue: role).map(Set<Role>.batchIssuers.contains) ?? false }
        /// Admins change policy, people, machines, webhooks and keys; auditors read all of it.
        var mayAdminister: Bool { role == Role.admin.rawValue }
        var mayAudit: Bool { role == Role.admin.rawValue || role == Role.auditor.rawValue }
    }

    /// The admin pages, for admins and auditors.
    static let adminLinks = [
        ("/console/policy", "Policy"), ("/console/people", "People"), ("/console/webhooks", "Webhooks"),
        ("/console/keys", "Keys"), ("/console/audit", "Audit"), ("/console/service", "Service"),
    ].map { " <a href=\"\($0.0)\">\($0.1)</a>" }.joined()

    static func layout(title: String, person: Person?, main: String) -> String {
        let header: String
        if let person {
            let scope = person.site.map { "site \(HTMLText.escape($0))" } ?? "every site"
            header = """
                <header class="bar">
                <a class="home" href="/console">TapStation</a>
                <nav aria-label="Console">\(person.mayIssue ? "<a href=\"/console/new\">New pass</a> " : "")\
                <a href="/console/find">Find</a>\(person.mayApprove ? " <a href=\"/console/approvals\">Approvals</a>" : "")\
                \(person.mayImport ? " <a href=\"/console/bench\">Bench</a>" : "")\
                \(person.mayAudit ? Self.adminLinks : "")\
                </nav>
                <a class="who" href="/console/passkeys" title="Your passkeys">\
                \(HTMLText.escape(person.name)) · \(HTMLText.escape(person.role)) · \(scope)</a>
                <form method="post" action="/console/sign-out" class="sign-out">
                <input type="hidden" name="csrf" value="\(HTMLText.escape(person.csrfToken))">
                <button type="submit">Sign out</button>
                </form>
                </header>
                """
        } else {
            header = "<header class=\"bar\"><span class=\"home\">TapStation</span></header>"
        }
        let csrfMeta = person.map { "<meta name=\"csrf-token\" content=\"\(HTMLText.escape($0.csrfToken))\">" } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">\(csrfMeta)
            <title>\(HTMLText.escape(title)) — TapStation console</title>
            <link rel="stylesheet" href="/console/console.css"><script src="/console/console.js" defer></script></head>
            <body>
            \(header)
            <main id="main">
            \(main)
            </main>
            </body>
            </html>

            """
    }

    /// `singleSignOn` names the organisation's sign-in when it is configured.
    static func signIn(problem: String?, singleSignOn: String?) -> String {
        let sso = singleSignOn.map {
            "<p><a class=\"button primary\" id=\"sso-sign-in\" href=\"/console/sso\">Sign in with \(HTMLText.escape($0))</a></p>"
        }
        return layout(
            title: "Sign in", person: nil,
            main: """
                <h1>Sign in</h1>
                \(alert(problem))
                \(sso ?? "")
                <p>Or use the passkey you registered for TapStation: your security key, your phone or this computer.</p>
                <p><button id="passkey-sign-in" type="button" class="primary">Sign in with a passkey</button></p>
                <div id="status" role="status" aria-live="polite"></div>
                <h2>First time here?</h2>
                <p>If an administrator invited you, <a href="/console/invitation">register your passkey with your
                invitation code</a>.</p>
                """)
    }

    /// After a single sign-on: moves on to the console by itself (a same-site navigation, so the new cookie goes).
    static func signedInBySingleSignOn() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/console">
        <meta name="referrer" content="no-referrer"><title>Signed in — TapStation console</title>
        <link rel="stylesheet" href="/console/console.css"></head>
        <body><main id="main"><h1>Signed in</h1><p><a href="/console">Open the console</a>.</p></main></body>
        </html>

        """
    }

    /// Why a single sign-on was refused, in words for the person in front of it.
    static func signInRefused(reason: String) -> String {
        let words: String
        switch reason {
        case "no_role_mapping":
            words =
                "Your account is not given a TapStation role. Ask your administrator to add you to one of the "
                + "groups that TapStation's settings map to a role."
        case "no_user_name": words = "Your organisation's sign-in did not say who you are (no user name claim)."
        case "operator_revoked": words = "Your access to TapStation was revoked. Ask your administrator."
        case "state_unknown_or_replayed":
            words = "This sign-in link was used already or is too old. Start again from the sign-in page."
        case "provider_unavailable": words = "Your organisation's sign-in service could not be reached. Try again soon."
        case let other where other.hasPrefix("provider_error:"):
            words = "Your organisation's sign-in service did not sign you in (\(other.dropFirst(15)))."
        default: words = "Your organisation's sign-in could not be checked, so TapStation did not sign you in."
        }
        return layout(
            title: "Not signed in", person: nil,
            main: """
                <h1>Not signed in</h1>
                \(alert(words))
                <p class="help">Reason: <code>\(HTMLText.escape(reason))</code> (an administrator finds it in the audit log
                as <code>console.signInRefused</code>).</p>
                <p><a href="/console/sign-in">Back to sign-in</a></p>
                """)
    }

    /// `code` fills the field in, for a signed-in person adding a passkey with a code made for them just now.
    static func invitation(code: String? = nil) -> String {
        layout(
            title: "Register your passkey", person: nil,
            main: """
                <h1>Register your passkey</h1>
                <p>Type the invitation code an administrator gave you. Then follow your browser: it will ask you to
                touch your security key, or to use your phone or this computer's screen lock.</p>
                <form id="invitation" autocomplete="off">
                <label for="code">Invitation code</label>
                <input id="code" name="code" type="text" required autocapitalize="characters" spellcheck="false"
                 autocomplete="one-time-code" inputmode="text" aria-describedby="code-help"\
                \(code.map { " value=\"\(HTMLText.escape($0))\"" } ?? "")>
                <p id="code-help" class="help">Twelve letters and digits, like K7QM-3XRP-HV9T. It works once.</p>
                <button type="submit" class="primary">Register my passkey</button>
                </form>
                <div id="status" role="status" aria-live="polite"></div>
                <p><a href="/console/sign-in">Back to sign-in</a></p>
                """)
    }

    static func home(
        person: Person, me: OperatorID, approvals: [Session], open: [(SessionState, [Session], more: Bool)], now: Date
    ) -> String {
        let mine = approvals.filter { $0.createdBy == me }
        let others = approvals.filter { $0.createdBy != me }
        var main = "<h1>What waits for you</h1>\n"
        if person.mayApprove {
            main += "<section aria-labelledby=\"approvals\">"
            main += "<h2 id=\"approvals\">Approvals you may decide (\(others.count))</h2>\n"
            main +=
                others.isEmpty
                ? "<p>Nothing to approve.</p>\n" : sessionTable(others, caption: "Approvals you may decide", now: now)
            main += "</section>\n"
        }
        main += "<section aria-labelledby=\"asked\">"
        main += "<h2 id=\"asked\">Your requests waiting for another person (\(mine.count))</h2>\n"
        main +=
            mine.isEmpty
            ? "<p>None.</p>\n" : sessionTable(mine, caption: "Your requests waiting for approval", now: now)
        main += "</section>\n<section aria-labelledby=\"open\"><h2 id=\"open\">Open sessions</h2>\n"
        for (state, sessions, more) in open {
            let count = "\(sessions.count)\(more ? "+" : "")"
            main += "<h3>\(HTMLText.escape(label(state))) (\(count))</h3>\n"
            main +=
                sessions.isEmpty
                ? "<p>None.</p>\n" : sessionTable(sessions, caption: label(state), now: now)
        }
        main += "</section>\n"
        return layout(title: "Home", person: person, main: main)
    }

    // MARK: Pieces

    /// Asks for a fresh proof (a passkey touch, or a new round with the organisation's sign-in) before `what`.
    /// `stay`: the page holds a change not yet saved (a policy preview), so a passkey proof does not reload it.
    static func stepUpSection(what: String, singleSignOn: String?, stay: Bool = false) -> String {
        let sso = singleSignOn.map {
            "<p><a class=\"button\" href=\"/console/sso?fresh=1\">Confirm with \(HTMLText.escape($0))</a></p>"
        }
        return """
            <section class="step-up" aria-labelledby="step-up-title">
            <h2 id="step-up-title">Confirm it is you</h2>
            <p>\(HTMLText.escape(what)) asks for your passkey again when you last used it more than a few minutes ago.</p>
            <button id="step-up" type="button" class="primary"\(stay ? " data-stay=\"1\"" : "")>Confirm with my passkey</button>
            \(sso ?? "")
            <div id="status" role="status" aria-live="polite"></div>
            </section>

            """
    }

    static func alert(_ problem: String?) -> String {
        problem.map { "<p class=\"problem\" role=\"alert\">\(HTMLText.escape($0))</p>" } ?? ""
    }

    static func sessionTable(_ sessions: [Session], caption: String, now: Date) -> String {
        var html = "<table><caption class=\"visually-hidden\">\(HTMLText.escape(caption))</caption>\n"
        html += "<thead><tr><th scope=\"col\">User</th><th scope=\"col\">What</th><th scope=\"col\">State</th>"
        html += "<th scope=\"col\">Site</th>"
        html +=
            "<th scope=\"col\">Device</th><th scope=\"col\">Created</th><th scope=\"col\">Reason</th></tr></thead>\n"
        html += "<tbody>\n"
        for session in sessions {
            html += "<tr><td><a href=\"/console/sessions/\(session.id)\">"
            html += "\(HTMLText.escape(session.userPrincipalName.value))</a></td>"
            html += "<td>\(HTMLText.escape(label(session.scenario)))</td>"
            html += "<td>\(HTMLText.escape(label(session.effectiveState(at: now))))</td>"
            html += "<td>\(HTMLText.escape(session.site.value))</td>"
            html += "<td>\(HTMLText.escape(session.device?.serialNumber.value ?? "—"))</td>"
            html += "<td><time datetime=\"\(WireJSON.formatTime(session.createdAt))\">"
            html += "\(HTMLText.escape(age(of: session.createdAt, now: now)))</time></td>"
            html += "<td>\(HTMLText.escape(session.reason ?? "—"))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    static func label(_ state: SessionState) -> String {
        switch state {
        case .awaitingApproval: "Waiting for approval"
        case .pending: "Starting later"
        case .active: "Pass ready to use"
        case .inProgress: "Enrollment under way"
        case .expired: "Pass expired"
        case .lockedOut: "Locked out"
        case .completed: "Completed"
        case .cancelled: "Cancelled"
        case .rejected: "Rejected"
        case .abandoned: "Abandoned"
        }
    }

    static func label(_ scenario: Scenario) -> String {
        switch scenario {
        case .deviceEnrollment: "Device enrollment"
        case .fido2Registration: "Security key"
        }
    }

    /// "just now", "12 min ago", "3 h ago", "2 days ago".
    static func age(of date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "just now"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86_400: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86_400) days ago"
        }
    }
}
