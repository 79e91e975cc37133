import Foundation
import TapAPI
import TapCore

/// The bench's import page and its results: the passes as slips, shown once.
extension ConsolePages {
    /// One row of an import, as the results page shows it.
    struct BenchResult {
        var line: Int
        var request: CreateSessionRequest
        var outcome: BatchRowOutcome

        init(_ row: SessionImport.Row, _ outcome: BatchRowOutcome) {
            line = row.line
            request = row.request
            self.outcome = outcome
        }
    }

    static func bench(person: Person, csv: String, problems: [String]) -> String {
        let errors =
            problems.isEmpty
            ? ""
            : """
            <section class="problem" role="alert" aria-labelledby="import-errors"><h2 id="import-errors">Nothing was \
            made: \(problems.count) problem(s)</h2>
            <ol>\(problems.map { "<li>\(HTMLText.escape($0))</li>" }.joined())</ol></section>
            """
        let columns = (SessionImport.requiredColumns + SessionImport.optionalColumns).joined(separator: ", ")
        return layout(
            title: "Bench", person: person,
            main: """
                <h1>Bench import</h1>
                \(errors)
                <p>A cart's devices as CSV, one per line: the first line names the columns (\(HTMLText.escape(columns));
                the first four are required). Every line is checked before anything is made; a file sent twice makes
                nothing twice.</p>
                <form method="post" action="/console/bench">
                <input type="hidden" name="csrf" value="\(HTMLText.escape(person.csrfToken))">
                <label for="csv-file">CSV file</label>
                <input id="csv-file" type="file" accept=".csv,text/csv" aria-describedby="csv-file-help">
                <p id="csv-file-help" class="help">Choosing a file puts its text below; you may also paste it.</p>
                <label for="csv">Devices</label>
                <textarea id="csv" name="csv" rows="12" required spellcheck="false">\(HTMLText.escape(csv))</textarea>
                <button type="submit" class="primary">Make the passes</button>
                </form>
                <p><a href="/board">Open the bench board</a> (it signs in with the board's own token).</p>
                """)
    }

    static func benchResults(_ results: [BenchResult], person: Person, paperAllowed: Bool, now: Date) -> String {
        // Each made pass with its value as shown: ours grouped for reading aloud, Entra's as Entra made it.
        var made: [(result: BenchResult, session: Session, shown: String)] = []
        var waiting: [BenchResult] = []
        var already: [BenchResult] = []
        var refused: [(BenchResult, BatchRowProblem)] = []
        for result in results {
            switch result.outcome {
            case .created(let issued): made.append((result, issued.session, issued.pass.grouped))
            case .createdExternally(let issued): made.append((result, issued.session, issued.pass.revealed))
            case .awaitingApproval: waiting.append(result)
            case .replayed: already.append(result)
            case .refused(let problem): refused.append((result, problem))
            }
        }
        var main = """
            <h1>Bench import</h1>
            <p class="notice" role="status">\(made.count) pass(es) made, \(waiting.count) waiting for approval, \
            \(already.count) made before (their passes are not shown again), \(refused.count) refused.</p>

            """
        if !refused.isEmpty {
            main += "<section aria-labelledby=\"refused\"><h2 id=\"refused\">Refused</h2><ol>"
            for (result, problem) in refused {
                main +=
                    "<li>line \(result.line) (\(HTMLText.escape(result.request.device?.serialNumber.value ?? ""))): "
                main += "\(HTMLText.escape(problem.detail)) <code>\(HTMLText.escape(problem.code))</code></li>"
            }
            main += "</ol></section>\n"
        }
        if !made.isEmpty {
            main += """
                <section aria-labelledby="slips-title" class="slips-section">
                <h2 id="slips-title">The passes, shown only now</h2>
                \(paperAllowed ? "<p><button type=\"button\" id=\"print-pass\">Print the slips</button></p>" : "")
                <div class="slips">

                """
            for (result, session, shown) in made {
                let device = result.request.device
                main += """
                    <section class="slip" aria-label="Device \(HTMLText.escape(device?.serialNumber.value ?? ""))">
                    <h3>\(HTMLText.escape(device?.serialNumber.value ?? ""))</h3>
                    <p class="pass">\(HTMLText.escape(shown))</p>
                    <dl class="slip-facts"><dt>User</dt><dd>\(HTMLText.escape(result.request.userPrincipalName.value))</dd>
                    <dt>Asset tag</dt><dd>\(HTMLText.escape(device?.assetTag ?? "—"))</dd>
                    <dt>Expires</dt><dd>\(HTMLText.escape(WireJSON.formatTime(session.pass?.expiresAt ?? now)))</dd></dl>
                    </section>

                    """
            }
            main += "</div></section>\n"
        }
        main +=
            "<p><a href=\"/console/bench\">Import another cart</a> · <a href=\"/board\">Open the bench board</a></p>"
        return layout(title: "Bench import", person: person, main: main)
    }
}
