/// The pass drawn large, in a 5-line block font of its own alphabet, grouped as it is typed.
///
/// A technician reads the pass off the kiosk from a step away while typing it on a device; big glyphs and
/// the same groups of four as the printed form make that reliable. Only the pass alphabet is drawn (no
/// 0/O, 1/I/L), so nothing can look like something else.
public enum PassBanner {
    /// Rows of every glyph.
    public static let height = 5
    private static let glyphWidth = 5
    private static let glyphGap = 1
    private static let groupGap = 3

    /// The banner rows for `grouped` (`K7QM-3XRP-HV9T`), wrapped to `width` columns by whole groups;
    /// `nil` when not even one group fits or a symbol has no glyph (the caller shows plain text).
    public static func rows(for grouped: String, width: Int) -> [String]? {
        let groups = grouped.split(separator: "-").map(String.init)
        guard let longest = groups.map(\.count).max(), longest > 0 else { return nil }
        let groupWidth = longest * (glyphWidth + glyphGap) - glyphGap
        guard groupWidth <= width else { return nil }
        let perRow = max(1, (width + groupGap) / (groupWidth + groupGap))
        var rows: [String] = []
        var start = 0
        while start < groups.count {
            let chunk = groups[start..<min(groups.count, start + perRow)]
            if !rows.isEmpty { rows.append("") }
            for row in 0..<height {
                var line = ""
                for (groupIndex, group) in chunk.enumerated() {
                    if groupIndex > 0 { line += String(repeating: " ", count: groupGap) }
                    for (symbolIndex, symbol) in group.enumerated() {
                        guard let glyph = font[symbol] else { return nil }
                        if symbolIndex > 0 { line += String(repeating: " ", count: glyphGap) }
                        line += glyph[row]
                    }
                }
                rows.append(String(line.reversed().drop(while: { $0 == " " }).reversed()))
            }
            start += perRow
        }
        return rows
    }

    static let font: [Character: [String]] = [
        "2": ["#### ", "    #", " ### ", "#    ", "#####"],
        "3": ["#### ", "    #", " ### ", "    #", "#### "],
        "4": ["#   #", "#   #", "#####", "    #", "    #"],
        "5": ["#####", "#    ", "#### ", "    #", "#### "],
        "6": [" ### ", "#    ", "#### ", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", "  #  "],
        "8": [" ### ", "#   #", " ### ", "#   #", " ### "],
        "9": [" ### ", "#   #", " ####", "    #", " ### "],
        "A": [" ### ", "#   #", "#####", "#   #", "#   #"],
        "B": ["#### ", "#   #", "#### ", "#   #", "#### "],
        "C": [" ####", "#    ", "#    ", "#    ", " ####"],
        "D": ["#### ", "#   #", "#   #", "#   #", "#### "],
        "E": ["#####", "#    ", "#### ", "#    ", "#####"],
        "F": ["#####", "#    ", "#### ", "#    ", "#    "],
        "G": [" ####", "#    ", "#  ##", "#   #", " ####"],
        "H": ["#   #", "#   #", "#####", "#   #", "#   #"],
        "J": ["  ###", "    #", "    #", "#   #", " ### "],
        "K": ["#   #", "#  # ", "###  ", "#  # ", "#   #"],
        "M": ["#   #", "## ##", "# # #", "#   #", "#   #"],
        "N": ["#   #", "##  #", "# # #", "#  ##", "#   #"],
        "P": ["#### ", "#   #", "#### ", "#    ", "#    "],
        "Q": [" ### ", "#   #", "# # #", "#  # ", " ## #"],
        "R": ["#### ", "#   #", "#### ", "#  # ", "#   #"],
        "S": [" ####", "#    ", " ### ", "    #", "#### "],
        "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
        "U": ["#   #", "#   #", "#   #", "#   #", " ### "],
        "V": ["#   #", "#   #", "#   #", " # # ", "  #  "],
        "W": ["#   #", "#   #", "# # #", "## ##", "#   #"],
        "X": ["#   #", " # # ", "  #  ", " # # ", "#   #"],
        "Y": ["#   #", " # # ", "  #  ", "  #  ", "  #  "],
        "Z": ["#####", "   # ", "  #  ", " #   ", "#####"],
    ]
}
