/// Text made safe to place in HTML, in element content or a quoted attribute (the slip sheet, the console).
public enum HTMLText {
    /// `text` with the five characters that HTML gives meaning to written as entities.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
