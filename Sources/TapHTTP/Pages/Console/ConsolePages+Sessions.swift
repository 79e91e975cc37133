import Foundation
import TapAPI
import TapCore

/// The console's pages about sessions: the new-pass form, the pass shown once, one session, and finding them.
extension ConsolePages {
    /// What a person typed into the new-pass form, kept to show it again beside its errors.
    struct NewPassForm {
        var fields: [String: String] = [:]
        /// Field name → what is wrong with it; `""` holds a problem that is not one field's.
        var errors: [String: String] = [:]

        func value(_ name: String) -> String { HTMLText.escape(fields[name] ?? "") }
    }

    static let platforms = ["windows", "macos", "ios", "ipados", "android", "linux", "other"]
    static let proofingMethods = ["inPerson", "managerAttested", "videoCall", "callback", "ticket"]

    static func newPass(person: Person, form: NewPassForm, presets: [String]) -> String {
        func error(_ name: String) -> String {
            guard let text = form.errors[name] else { return "" }
            return "<p class=\"field-error\" id=\"\(name)-error\">\(HTMLText.escape(text))</p>"
        }
        func described(_ name: String) -> String {
            form.errors[name] == nil ? "" : " aria-invalid=\"true\" aria-describedby=\"\(name)-error\""
        }
        func options(_ values: [String], selected: String?, empty: String?) -> String {
            var html = empty.map { "<option value=\"\">\(HTMLText.escape($0))</option>" } ?? ""
            for value in values {
                let mark = value == selected ? " selected" : ""
                html += "<option value=\"\(HTMLText.escape(value))\"\(mark)>\(HTMLText.escape(value))</option>"
            }
            return html
        }
        let scenario = form.fields["scenario"] ?? Scenario.deviceEnrollment.rawValue
        let checked = { (value: String) in scenario == value ? " checked" : "" }
        return layout(
            title: "New pass", person: person,
            main: """
                <h1>New pass</h1>
                \(alert(form.errors[""]))
                <form method="post" action="/console/new" autocomplete="off" novalidate>
                <input type="hidden" name="csrf" value="\(HTMLText.escape(person.csrfToken))">
                <fieldset><legend>What is the pass for?</legend>
                <label class="choice"><input type="radio" name="scenario" value="deviceEnrollment"\
                \(checked("deviceEnrollment"))> Enrolling a device</label>
                <label class="choice"><input type="radio" name="scenario" value="fido2Registration"\
                \(checked("fido2Registration"))> Registering a security key</label>
                </fieldset>
                <label for="user">User's sign-in name</label>
                <input id="user" name="user" type="email" required value="\(form.value("user"))"\(described("user"))>
                \(error("user"))
                <label for="serial">Device serial number (device enrollment)</label>
                <input id="serial" name="serial" value="\(form.value("serial"))"\(described("serial"))>
                \(error("serial"))
                <label for="platform">Device platform</label>
                <select id="platform" name="platform">\(options(platforms, selected: form.fields["platform"], empty: nil))</select>
                <label for="preset">Pass preset</label>
                <select id="preset" name="preset"\(described("preset"))>\
                \(options(presets, selected: form.fields["preset"], empty: "The policy's default"))</select>
                \(error("preset"))
                <label for="reason">Reason</label>
                <input id="reason" name="reason" value="\(form.value("reason"))"\(described("reason"))>
                \(error("reason"))
                <label for="proofing">How you checked who the person is</label>
                <select id="proofing" name="proofing"\(described("proofing"))>\
                \(options(proofingMethods, selected: form.fields["proofing"], empty: "Not recorded"))</select>
                \(error("proofing"))
                <label for="reference">Proofing reference (ticket number, or the document's kind and last digits)</label>
                <input id="reference" name="reference" value="\(form.value("reference"))"\(described("reference"))>
                \(error("reference"))
                <button type="submit" class="primary">Create the pass</button>
                </form>
                """)
    }

    /// The pass (grouped, as it is read out), shown once in the answer to the form (never in a URL), hidden after `displaySeconds`, and
    /// the session's timeline, kept current from its event stream.
    static func passShownOnce(
        person: Person, session: Session, pass: String, displaySeconds: Int, paperAllowed: Bool, now: Date
    ) -> String {
        let print = paperAllowed ? "<button type=\"button\" id=\"print-pass\">Print the pass</button>" : ""
        return layout(
            title: "Pass for \(session.userPrincipalName.value)", person: person,
            main: """
                <h1>Pass for \(HTMLText.escape(session.userPrincipalName.value))</h1>
                <section id="pass-box" class="pass-box" data-hide-after="\(displaySeconds)" aria-labelledby="pass-label">
                <p id="pass-label">Read this pass to the person, or let them copy it. It is shown only now and
                hides in <span id="pass-countdown">\(displaySeconds)</span> seconds.</p>
                <p class="pass" id="pass-value">\(HTMLText.escape(pass))</p>
                \(qrCode(pass))
                \(print)
                </section>
                \(sessionFacts(session, now: now))
                \(timeline(session))
                """)
    }

    static func session(person: Person, session: Session, canCollect: Bool, now: Date) -> String {
        let collect =
            canCollect
            ? """
            <form method="post" action="/console/sessions/\(session.id)/pass">
            <input type="hidden" name="csrf" value="\(HTMLText.escape(person.csrfToken))">
            <button type="submit" class="primary">Collect the pass</button></form>
            """ : ""
        let cancel =
            session.effectiveState(at: now).isTerminal || !person.mayIssue
            ? ""
            : """
            <form method="post" action="/console/sessions/\(session.id)/cancel" class="inline">
            <input type="hidden" name="csrf" value="\(HTMLText.escape(person.csrfToken))">
            <label for="cancel-reason">Reason to cancel</label>
            <input id="cancel-reason" name="reason" required>
            <button type="submit">Cancel the session</button></form>
            """
        return layout(
            title: "Session \(session.userPrincipalName.value)", person: person,
            main: """
                <h1>\(HTMLText.escape(label(session.scenario))) for \
                <a href="\(HTMLText.escape(ConsoleUsersController.path(session.userPrincipalName)))">\
                \(HTMLText.escape(session.userPrincipalName.value))</a></h1>
                \(sessionFacts(session, now: now))
                \(collect)
                \(timeline(session))
                \(cancel)
                """)
    }

    /// The pass as a QR code for a phone's camera: an inline SVG (no script, no image request, nothing cached
    /// apart from the page, which is `no-store`), removed with the pass when it hides.
    static func qrCode(_ text: String) -> String {
        guard let code = QRCode(text) else { return "" }
        let quietZone = 4
        let side = code.size + 2 * quietZone
        var path = ""
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) {
                path += "M\(column + quietZone) \(row + quietZone)h1v1h-1z"
            }
        }
        return """
            <figure id="pass-qr" class="qr"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" \
            width="164" height="164" role="img" aria-label="The pass as a QR code" shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            <figcaption>For a phone's camera</figcaption></figure>
            """
    }

    static func sessionFacts(_ session: Session, now: Date) -> String {
        let state = session.effectiveState(at: now)
        var rows = [
            ("State", "<span id=\"session-state\">\(HTMLText.escape(label(state)))</span>"),
            ("Site", HTMLText.escape(session.site.value)),
            (
                "Device",
                HTMLText.escape(session.device.map { "\($0.serialNumber.value) (\($0.platform.rawValue))" } ?? "—")
            ),
            ("Reason", HTMLText.escape(session.reason ?? "—")),
            ("Created", HTMLText.escape(age(of: session.createdAt, now: now))),
        ]
        if let pass = session.pass {
            rows.append(("Pass", "used \(pass.uses) of \(pass.maxUses); ends \(WireJSON.formatTime(pass.expiresAt))"))
        }
        return "<dl class=\"facts\">"
            + rows.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>\n"
    }

    /// The live list of what happened to the session; the script fills it from the session's event stream.
    static func timeline(_ session: Session) -> String {
        """
        <section aria-labelledby="timeline-title"><h2 id="timeline-title">What happened</h2>
        <ol id="timeline" data-events="/console/sessions/\(session.id)/events" aria-live="polite"></ol>
        </section>
        """
    }

    static func find(
        person: Person, query: [String: String], sessions: [Session], nextCursor: String?, now: Date
    ) -> String {
        func value(_ name: String) -> String { HTMLText.escape(query[name] ?? "") }
        var states = ""
        for state in SessionState.allCases {
            let mark = query["state"] == state.rawValue ? " selected" : ""
            states += "<option value=\"\(state.rawValue)\"\(mark)>\(HTMLText.escape(label(state)))</option>"
        }
        var next = ""
        if let nextCursor {
            var items = query.filter { $0.key != "cursor" && !$0.value.isEmpty }.map {
                URLQueryItem(name: $0.key, value: $0.value)
            }
            items.append(URLQueryItem(name: "cursor", value: nextCursor))
            var components = URLComponents()
            components.queryItems = items.sorted { $0.name < $1.name }
            next = "<p><a href=\"/console/find\(HTMLText.escape(components.string ?? ""))\">Next page</a></p>"
        }
        return layout(
            title: "Find", person: person,
            main: """
                <h1>Find sessions</h1>
                <form method="get" action="/console/find" class="find">
                <label for="f-user">User</label><input id="f-user" name="user" type="email" value="\(value("user"))">
                <label for="f-serial">Serial number</label><input id="f-serial" name="serial" value="\(value("serial"))">
                <label for="f-id">Session id</label><input id="f-id" name="id" value="\(value("id"))">
                <label for="f-site">Site</label><input id="f-site" name="site" value="\(value("site"))">
                <label for="f-before">Created on or before</label>\
                <input id="f-before" name="before" type="date" value="\(value("before"))">
                <label for="f-state">State</label><select id="f-state" name="state"><option value="">Any</option>\(states)</select>
                <button type="submit" class="primary">Find</button>
                </form>
                \(userLink(query["user"]))
                \(sessions.isEmpty ? "<p>No session matches.</p>" : sessionTable(sessions, caption: "Sessions found", now: now))
                \(next)
                """)
    }

    /// A link to the user's page when the search named a user.
    private static func userLink(_ text: String?) -> String {
        guard let user = text.flatMap(UserPrincipalName.init) else { return "" }
        return
            "<p><a href=\"\(HTMLText.escape(ConsoleUsersController.path(user)))\">\(HTMLText.escape(user.value))'s page: "
            + "keys, issuance locks and incident tools</a></p>"
    }
}
