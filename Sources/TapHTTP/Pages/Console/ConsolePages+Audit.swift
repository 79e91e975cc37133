import Foundation
import TapAPI
import TapCore
import TapStorage

/// The audit search, one session's trail, and the chain check's answer.
extension ConsolePages {
    /// What a walk of the chain found.
    enum ChainCheck: Equatable {
        case intact(events: Int64, anchored: Bool)
        case broken(sequence: Int64, reason: String)
        case anchorUnreadable
    }

    static func auditSearch(
        person: Person, query: [String: String], events: [AuditEvent], nextCursor: String?, names: [String: String],
        operators: [Operator], problem: String?, verification: ChainCheck?
    ) -> String {
        func value(_ name: String) -> String { HTMLText.escape(query[name] ?? "") }
        var types = "<option value=\"\">Any</option>"
        for type in AuditEventType.allCases {
            let mark = query["type"] == type.rawValue ? " selected" : ""
            types += "<option value=\"\(type.rawValue)\"\(mark)>\(type.rawValue)</option>"
        }
        var actors = "<option value=\"\">Anyone</option>"
        let everyone =
            operators.map { ($0.identity.id.rawValue, "\($0.identity.name) (\($0.identity.role.rawValue))") }
            + [("redeem", "a device signing in"), ("session-token", "an enrolment page"), ("system", "TapStation")]
        for (id, name) in everyone {
            let mark = query["operator"] == id ? " selected" : ""
            actors += "<option value=\"\(HTMLText.escape(id))\"\(mark)>\(HTMLText.escape(name))</option>"
        }
        let site =
            person.site.map { "<p>Site \(HTMLText.escape($0)) only (your scope).</p>" }
            ?? "<label for=\"a-site\">Site</label><input id=\"a-site\" name=\"site\" value=\"\(value("site"))\">"
        let filters = query.filter { $0.key != "before" && !$0.value.isEmpty }
        var main = "<h1>Audit</h1>\n"
        if let verification { main += chainCheck(verification) }
        main += """
            <form method="get" action="/console/audit" class="find">
            <label for="a-type">Event</label><select id="a-type" name="type">\(types)</select>
            <label for="a-session">Session id</label><input id="a-session" name="session" value="\(value("session"))">
            <label for="a-user">User</label><input id="a-user" name="user" value="\(value("user"))">
            <label for="a-operator">Who</label><select id="a-operator" name="operator">\(actors)</select>
            \(site)
            <label for="a-from">From (UTC day)</label><input id="a-from" name="from" type="date" value="\(value("from"))">
            <label for="a-to">To (UTC day)</label><input id="a-to" name="to" type="date" value="\(value("to"))">
            <button type="submit" class="primary">Search</button>
            </form>
            \(alert(problem))

            """
        if verification == nil {
            main += events.isEmpty ? "<p>No event matches.</p>\n" : auditTable(events, names: names, linkSessions: true)
            if let nextCursor {
                main += "<p><a href=\"/console/audit\(queryString(filters.merging(["before": nextCursor]) { $1 }))\">"
                main += "Older events</a></p>\n"
            }
            main += "<p><a href=\"/console/audit/export\(queryString(filters))\" download>Export these events "
            main += "(every page, oldest first) as JSON lines</a></p>\n"
        }
        main += """
            <section aria-labelledby="a-verify"><h2 id="a-verify">Verify the chain</h2>
            <p>Checks every event's MAC from the first to the last, and that the chain still reaches the anchor kept
            outside the database. It reads the whole log: seconds for millions of events.</p>
            <form method="post" action="/console/audit/verify">
            <input type="hidden" name="csrf" value="\(HTMLText.escape(person.csrfToken))">
            <button type="submit">Verify the audit chain</button></form></section>

            """
        return layout(title: "Audit", person: person, main: main)
    }

    static func auditTrail(
        person: Person, session: Session, events: [AuditEvent], names: [String: String], now: Date
    ) -> String {
        var main = "<h1>Trail of \(HTMLText.escape(session.userPrincipalName.value))'s session</h1>\n"
        main += "<p>Session <code>\(session.id)</code>, \(HTMLText.escape(label(session.scenario))) at site "
        main += "\(HTMLText.escape(session.site.value)): \(HTMLText.escape(label(session.effectiveState(at: now)))). "
        main += "<a href=\"/console/sessions/\(session.id)\">The session's page</a>.</p>\n"
        main += "<p class=\"help\">Every event of the session in the audit chain, in order: who asked and who "
        main += "approved, how the person was identified, where the pass was shown, each use with its address, "
        main += "and how the session ended.</p>\n"
        main += events.isEmpty ? "<p>No event.</p>\n" : auditTable(events, names: names, linkSessions: false)
        return layout(title: "Session trail", person: person, main: main)
    }

    private static func auditTable(_ events: [AuditEvent], names: [String: String], linkSessions: Bool) -> String {
        var html = "<table class=\"audit\"><caption class=\"visually-hidden\">Audit events</caption>\n"
        html += "<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Event</th>"
        html += "<th scope=\"col\">Who</th>\(linkSessions ? "<th scope=\"col\">Session</th>" : "")"
        html += "<th scope=\"col\">Facts</th></tr></thead>\n<tbody>\n"
        for event in events {
            let who = names[event.actor] ?? event.actor
            html += "<tr><td>\(event.sequence)</td>"
            html += "<td><time datetime=\"\(WireJSON.formatTime(event.time))\">\(UTCTime.text(event.time))</time></td>"
            html += "<td>\(HTMLText.escape(event.type.rawValue))</td><td>\(HTMLText.escape(who))</td>"
            if linkSessions {
                html +=
                    "<td>"
                    + (event.sessionID.map { "<a href=\"/console/audit/sessions/\($0)\">trail</a>" } ?? "—")
                    + "</td>"
            }
            html += "<td>\(HTMLText.escape(facts(event.data)))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// An event's facts as `key: value` pairs, shortened for a table cell.
    static func facts(_ data: String) -> String {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8)),
            case .object(let members) = value
        else { return "" }
        let text = members.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.plainText)" }
            .joined(separator: "; ")
        return text.count > 400 ? String(text.prefix(400)) + "…" : text
    }

    private static func chainCheck(_ check: ChainCheck) -> String {
        switch check {
        case .intact(let events, let anchored):
            let anchor =
                anchored
                ? "and it still reaches the anchor kept outside the database"
                : "(no anchor is kept outside the database for this service)"
            return "<p class=\"notice\" role=\"status\" id=\"chain-result\">The chain is intact: \(events) events "
                + "verified, \(anchor).</p>\n"
        case .broken(let sequence, let reason):
            return "<p class=\"problem\" role=\"alert\" id=\"chain-result\">The chain does not hold at event "
                + "\(sequence): \(HTMLText.escape(reason)). Keep the database as it is and tell your security team."
                + "</p>\n"
        case .anchorUnreadable:
            return "<p class=\"problem\" role=\"alert\" id=\"chain-result\">The audit anchor kept outside the "
                + "database cannot be read, so the chain cannot be checked against it. Run "
                + "<code>tapstation audit verify</code> on the server.</p>\n"
        }
    }

    /// `?a=1&b=2` (sorted, escaped for an attribute), or nothing.
    static func queryString(_ items: [String: String]) -> String {
        guard !items.isEmpty else { return "" }
        var components = URLComponents()
        components.queryItems = items.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return HTMLText.escape(components.string ?? "")
    }
}
