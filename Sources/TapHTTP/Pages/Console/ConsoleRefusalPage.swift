import HTTPTypes
import Hummingbird
import TapCore

/// A refusal met by a person in the browser (a form posted from another site, a stale CSRF token, a session page
/// out of their scope) is a console page in plain words with the same status and problem code, not the JSON
/// a script gets. Scripts and API clients keep the problem document.
enum ConsoleRefusalPage {
    static let fetchMode = HTTPField.Name("Sec-Fetch-Mode")!

    /// The page, when the request is a browser navigating to a console route; `nil` otherwise.
    static func response(for problem: APIError, request: Request) -> Response? {
        guard request.uri.path.hasPrefix("/console"), request.headers[fetchMode] == "navigate" else { return nil }
        let html = ConsolePages.layout(
            title: problem.status.reasonPhrase, person: nil,
            main: """
                <h1>\(HTMLText.escape(heading(problem)))</h1>
                \(ConsolePages.alert(problem.detail))
                <p class="help">Code: <code>\(HTMLText.escape(problem.code))</code></p>
                <p><a href="/console">Back to the console</a></p>
                """)
        var response = PageResponse.html(html, status: problem.status)
        for field in problem.headers { response.headers.append(field) }
        return response
    }

    private static func heading(_ problem: APIError) -> String {
        switch problem.status.code {
        case 401: "Not signed in"
        case 403: "Not allowed"
        case 404: "Not found"
        case 409: "Not possible now"
        case 429: "Too many requests"
        case 500...: "Something went wrong"
        default: "Not done"
        }
    }
}
