/// What one kiosk screen shows, independent of the terminal: the renderer lays it out for the width at hand.
public struct Screen: Equatable, Sendable {
    /// One element of the screen body.
    public enum Line: Equatable, Sendable {
        /// Running text, wrapped at the terminal width.
        case text(String)
        /// A numbered menu entry, so a numeric keypad suffices.
        case choice(key: String, title: String)
        /// A pass, drawn large where the terminal is wide enough, and always once as grouped text.
        case pass(String)
        /// Rows drawn as they are (a QR code); left out, with a note, where the terminal is too narrow.
        case picture([String])
        /// An empty line.
        case blank
    }

    /// The first line.
    public var title: String
    public var body: [Line]
    /// One line about what just went wrong or happened, shown above the prompt.
    public var notice: String?
    /// What the kiosk waits for.
    public var prompt: String

    /// Makes a screen.
    public init(title: String, body: [Line], notice: String? = nil, prompt: String) {
        self.title = title
        self.body = body
        self.notice = notice
        self.prompt = prompt
    }

    /// Whether a pass is on this screen (leaving it wipes the terminal).
    public var holdsPass: Bool {
        body.contains { if case .pass = $0 { true } else { false } }
    }

    /// All the text of the screen, for tests and the plain renderer.
    public var allText: String {
        ([title]
            + body.map { line in
                switch line {
                case .text(let text): text
                case .choice(let key, let title): "\(key)  \(title)"
                case .pass(let pass): pass
                case .picture(let rows): rows.joined(separator: "\n")
                case .blank: ""
                }
            } + [notice ?? "", prompt]).joined(separator: "\n")
    }
}
