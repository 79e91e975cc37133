import Foundation
import TapCore
import TapStorage

/// The webhooks pages.
extension ConsolePages {
    static func webhooks(
        _ hooks: [Webhook], created: (Webhook, String?)?, problem: FieldProblem?, typed: [String: String],
        siteScope: String?, stepUp: Bool, singleSignOn: String?, person: Person, now: Date
    ) -> String {
        var main = "<h1>Webhooks</h1>\n"
        main += """
            <p>Each webhook is told about session events as they happen: an HTTPS POST signed with its secret, \
            retried with back-off, given up on (a dead letter) after the last attempt.</p>

            """
        if let (hook, secret) = created {
            main += """
                <section class="shown-once" aria-labelledby="once-title"><h2 id="once-title">Webhook created</h2>
                <p>It sends to <code>\(HTMLText.escape(hook.url))</code>.\
                \(secret == nil ? "" : " Copy its signing secret into the receiver now: it is not shown again.")</p>
                \(secret.map { "<p><code class=\"token\" id=\"webhook-secret\">\(HTMLText.escape($0))</code></p>" } ?? "")
                <p><a href="/console/webhooks/\(HTMLText.escape(hook.id.rawValue))">Send it a test event</a></p>
                </section>

                """
        }
        if person.mayAdminister, stepUp {
            main += stepUpSection(what: "Changing webhooks", singleSignOn: singleSignOn, stay: true)
        }
        if hooks.isEmpty {
            main += "<p>No webhook yet.</p>\n"
        } else {
            main += "<table><caption class=\"visually-hidden\">Webhooks</caption>\n<thead><tr>"
            main += "<th scope=\"col\">Receiver</th><th scope=\"col\">Events</th><th scope=\"col\">Site</th>"
            main +=
                "<th scope=\"col\">Note</th><th scope=\"col\">State</th><th scope=\"col\">Created</th></tr></thead>\n<tbody>\n"
            for hook in hooks {
                let link = "/console/webhooks/\(HTMLText.escape(hook.id.rawValue))"
                main +=
                    "<tr><th scope=\"row\"><a href=\"\(link)\">\(HTMLText.escape(shownURL(hook.url, person)))</a></th>"
                main +=
                    "<td>\(hook.eventTypes.isEmpty ? "every session event" : hook.eventTypes.map(\.rawValue).joined(separator: ", "))</td>"
                main += "<td>\(HTMLText.escape(hook.site?.value ?? "every site"))</td>"
                main += "<td>\(HTMLText.escape(hook.description ?? ""))</td>"
                main += "<td>\(hook.disabledAt == nil ? "enabled" : "disabled")</td>"
                main += "<td>\(HTMLText.escape(age(of: hook.createdAt, now: now)))</td></tr>\n"
            }
            main += "</tbody></table>\n"
        }
        if person.mayAdminister { main += webhookForm(problem: problem, typed: typed, siteScope: siteScope, person) }
        return layout(title: "Webhooks", person: person, main: main)
    }

    /// An auditor sees where a webhook sends, not the path and query that often hold the receiver's own secret.
    static func shownURL(_ url: String, _ person: Person) -> String {
        guard !person.mayAdminister else { return url }
        guard let components = URLComponents(string: url), let host = components.host else { return "(hidden)" }
        return "\(components.scheme ?? "https")://\(host)/…"
    }

    private static func webhookForm(
        problem: FieldProblem?, typed: [String: String], siteScope: String?, _ person: Person
    ) -> String {
        let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(person.csrfToken))\">"
        func beside(_ field: String) -> (String, String) {
            guard problem?.field == field, let detail = problem?.detail else { return ("", "") }
            return (
                " aria-invalid=\"true\" aria-describedby=\"hook-\(field)-problem\"",
                "<p class=\"problem\" id=\"hook-\(field)-problem\" role=\"alert\">\(HTMLText.escape(detail))</p>"
            )
        }
        let general = problem.map { ["url", "site"].contains($0.field ?? "") ? "" : alert($0.detail) } ?? ""
        let url = beside("url")
        let site = beside("site")
        let boxes = AuditEventType.allCases.filter(\.isSessionEvent).map { type -> String in
            let name = "event.\(type.rawValue)"
            let checked = typed[name] != nil ? " checked" : ""
            return """
                <label class="check"><input type="checkbox" name="\(name)" value="1"\(checked)> \(type.rawValue)</label>
                """
        }.joined(separator: "\n")
        let siteField =
            siteScope.map {
                "<input id=\"hook-site\" name=\"site\" type=\"text\" value=\"\(HTMLText.escape($0))\" readonly>"
            }
                ?? """
                <input id="hook-site" name="site" type="text" value="\(HTMLText.escape(typed["site"] ?? ""))"\(site.0)>
                <p class="help">Empty: every site's events.</p>
                """
        return """
            <form method="post" action="/console/webhooks" id="webhook" class="panel">\(csrf)
            <h2>Add a webhook</h2>
            \(general)
            <label for="hook-url">Receiver (https)</label>
            <input id="hook-url" name="url" type="url" required value="\(HTMLText.escape(typed["url"] ?? ""))"\(url.0)>
            \(url.1)
            <fieldset><legend>Events (none ticked: every session event)</legend>
            \(boxes)
            </fieldset>
            <label for="hook-site">Site</label>
            \(siteField)
            \(site.1)
            <label for="hook-note">Note</label>
            <input id="hook-note" name="description" type="text" maxlength="200" \
            value="\(HTMLText.escape(typed["description"] ?? ""))">
            <button type="submit" class="primary">Add webhook</button>
            </form>

            """
    }

    static func webhook(
        _ hook: Webhook, deliveries: Page<WebhookDelivery>, state: WebhookDeliveryState?, notice: String?,
        problem: String?, stepUp: Bool, singleSignOn: String?, person: Person, now: Date
    ) -> String {
        let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(person.csrfToken))\">"
        let base = "/console/webhooks/\(HTMLText.escape(hook.id.rawValue))"
        var main = "<h1>Webhook to \(HTMLText.escape(shownURL(hook.url, person)))</h1>\n\(alert(problem))\n"
        if let notice { main += "<p class=\"notice\" role=\"status\">\(HTMLText.escape(notice))</p>\n" }
        if person.mayAdminister, stepUp {
            main += stepUpSection(what: "Changing webhooks", singleSignOn: singleSignOn, stay: true)
        }
        main += """
            <p>\(HTMLText.escape(hook.site.map { "Site \($0.value)" } ?? "Every site")) · \
            \(hook.eventTypes.isEmpty ? "every session event" : hook.eventTypes.map(\.rawValue).joined(separator: ", "))\
            \(hook.description.map { " · \(HTMLText.escape($0))" } ?? "")</p>

            """
        if hook.disabledAt != nil {
            main += """
                <p class="problem">Disabled \(HTMLText.escape(age(of: hook.disabledAt ?? now, now: now))): nothing is \
                queued for it, and what was pending waits until it is enabled.</p>

                """
        }
        if person.mayAdminister {
            let form = { (action: String, label: String, style: String) in
                "<form method=\"post\" action=\"\(base)/\(action)\" class=\"inline\">\(csrf)<button type=\"submit\"\(style)>\(label)</button></form>\n"
            }
            main += "<div class=\"actions\">\n"
            if hook.disabledAt == nil {
                main += form("test", "Send a test event", " class=\"primary\"") + form("disable", "Disable", "")
            } else {
                main += form("enable", "Enable", " class=\"primary\"")
            }
            main += form("delete", "Delete", " class=\"danger\"") + "</div>\n"
        }
        let filters = [("", "All")] + WebhookDeliveryState.allCases.map { ($0.rawValue, $0.rawValue) }
        main += "<nav aria-label=\"Deliveries by state\" class=\"filters\">"
        main += filters.map { value, label -> String in
            let current = (state?.rawValue ?? "") == value
            return
                "<a href=\"\(base)\(value.isEmpty ? "" : "?state=\(value)")\"\(current ? " aria-current=\"page\"" : "")>\(label)</a>"
        }.joined(separator: " ")
        main += "</nav>\n<h2>Deliveries</h2>\n"
        if deliveries.items.isEmpty {
            main += "<p>None\(state.map { " in state \($0.rawValue)" } ?? "").</p>\n"
        } else {
            main += "<table><caption class=\"visually-hidden\">Deliveries</caption>\n<thead><tr>"
            main += "<th scope=\"col\">Event</th><th scope=\"col\">State</th><th scope=\"col\">Attempts</th>"
            main += "<th scope=\"col\">Last answer</th><th scope=\"col\">Queued</th><th scope=\"col\">Session</th>"
            main += "\(person.mayAdminister ? "<th scope=\"col\">Retry</th>" : "")</tr></thead>\n<tbody>\n"
            for delivery in deliveries.items {
                let answer = [delivery.lastStatus.map { "HTTP \($0)" }, delivery.lastError].compactMap { $0 }
                    .joined(separator: " · ")
                main += "<tr id=\"delivery-\(HTMLText.escape(delivery.id.rawValue))\">"
                main += "<td>\(delivery.eventType.rawValue) <small>#\(delivery.eventSequence)</small></td>"
                main += "<td>\(delivery.state.rawValue)</td><td>\(delivery.attempts)</td>"
                main += "<td>\(HTMLText.escape(answer.isEmpty ? "—" : answer))</td>"
                main += "<td>\(HTMLText.escape(age(of: delivery.createdAt, now: now)))</td>"
                main +=
                    "<td>\(delivery.sessionID.map { "<a href=\"/console/audit/sessions/\($0)\">trail</a>" } ?? "—")</td>"
                if person.mayAdminister {
                    main += "<td>"
                    if delivery.state == .deadLetter {
                        main += """
                            <form method="post" action="\(base)/deliveries/\(HTMLText.escape(delivery.id.rawValue))/retry" \
                            class="inline">\(csrf)<button type="submit">Send again</button></form>
                            """
                    }
                    main += "</td>"
                }
                main += "</tr>\n"
            }
            main += "</tbody></table>\n"
            if let next = deliveries.nextCursor {
                let query = queryString(["state": state?.rawValue ?? "", "after": next].filter { !$0.value.isEmpty })
                main += "<p><a href=\"\(base)\(query)\">Next page</a></p>\n"
            }
        }
        main += "<p><a href=\"/console/webhooks\">All webhooks</a></p>\n"
        return layout(title: "Webhook", person: person, main: main)
    }
}
