import TapCore

/// The kiosk draws one QR code: the enrollment page's address, never a pass (a code on a kiosk's screen can be
/// photographed from across the room).
extension QRCode {
    /// The code drawn with half blocks (two module rows per text row) inside a quiet zone of `border` modules.
    /// Light modules are drawn and dark ones left as background, which is right on the usual light-on-dark
    /// kiosk terminal.
    public func halfBlockRows(border: Int = 2) -> [String] {
        let full = size + 2 * border
        func dark(_ row: Int, _ column: Int) -> Bool {
            let (r, c) = (row - border, column - border)
            guard (0..<size).contains(r), (0..<size).contains(c) else { return false }
            return isDark(row: r, column: c)
        }
        var rows: [String] = []
        for top in stride(from: 0, to: full, by: 2) {
            var line = ""
            for column in 0..<full {
                switch (dark(top, column), top + 1 < full ? dark(top + 1, column) : true) {
                case (false, false): line += "█"
                case (false, true): line += "▀"
                case (true, false): line += "▄"
                case (true, true): line += " "
                }
            }
            rows.append(line)
        }
        return rows
    }
}
