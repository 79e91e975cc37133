import Foundation
import TapCore

/// The approvals queue page.
extension ConsolePages {
    static func approvals(
        person: Person, me: OperatorID, waiting: [Session], problem: String?, stepUp: Bool, singleSignOn: String?,
        now: Date
    ) -> String {
        let mine = waiting.filter { $0.createdBy == me }
        let others = waiting.filter { $0.createdBy != me }
        let csrf = HTMLText.escape(person.csrfToken)
        var main = "<h1>Approvals</h1>\n\(alert(problem))\n"
        if stepUp {
            main += stepUpSection(what: "Approving a pass", singleSignOn: singleSignOn)
        }
        main += "<h2>Waiting for your decision (\(others.count))</h2>\n"
        if others.isEmpty { main += "<p>Nothing to approve.</p>\n" }
        for session in others {
            let id = session.id.rawValue
            main += """
                <article class="approval" aria-labelledby="a-\(id)">
                <h3 id="a-\(id)">\(HTMLText.escape(label(session.scenario))) for \
                <a href="/console/sessions/\(id)">\(HTMLText.escape(session.userPrincipalName.value))</a></h3>
                \(sessionFacts(session, now: now))
                <form method="post" action="/console/approvals/\(id)/approve" class="inline">
                <input type="hidden" name="csrf" value="\(csrf)">
                <label for="p-\(id)">How you checked who the person is</label>
                <select id="p-\(id)" name="proofing"><option value="">Not recorded</option>\
                \(proofingMethods.map { "<option value=\"\($0)\">\($0)</option>" }.joined())</select>
                <label for="r-\(id)">Proofing reference</label><input id="r-\(id)" name="reference">
                <button type="submit" class="primary">Approve</button>
                </form>
                <form method="post" action="/console/approvals/\(id)/reject" class="inline">
                <input type="hidden" name="csrf" value="\(csrf)">
                <label for="x-\(id)">Reason to reject</label><input id="x-\(id)" name="reason" required>
                <button type="submit">Reject</button>
                </form>
                </article>

                """
        }
        main += "<h2>Your requests, waiting for another person (\(mine.count))</h2>\n"
        main += mine.isEmpty ? "<p>None.</p>\n" : sessionTable(mine, caption: "Your requests", now: now)
        return layout(title: "Approvals", person: person, main: main)
    }
}
