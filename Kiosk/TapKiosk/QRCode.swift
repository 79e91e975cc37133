/// A QR code (ISO/IEC 18004) of a short text, small enough to draw in a terminal: byte mode, error correction
/// level M, versions 1 to 6 (up to 106 bytes, enough for an enrollment page's address), one fixed mask.
///
/// It only ever encodes the enrollment page's address, never a pass: a code on a screen can be photographed
/// from across the room. Any of the eight masks makes a valid code; a fixed one keeps this small.
public struct QRCode: Sendable, Equatable {
    /// Modules per side.
    public let size: Int
    /// `modules[row][column]`, `true` for dark.
    public let modules: [[Bool]]

    /// Data codewords and error-correction codewords per block, and blocks, for level M (ISO 18004 table 9).
    private static let levelM: [(data: Int, ecc: Int, blocks: Int)] = [
        (16, 10, 1), (28, 16, 1), (44, 26, 1), (32, 18, 2), (43, 24, 2), (27, 16, 4),
    ]
    /// The mask used (pattern 0: `(row + column) % 2 == 0`).
    static let mask = 0

    /// The code for `text`, or `nil` when it is longer than version 6 holds.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard
            let version = Self.levelM.indices.first(where: { Self.capacity(version: $0 + 1) >= bytes.count }).map({
                $0 + 1
            })
        else { return nil }
        let layout = Self.levelM[version - 1]
        var builder = Builder(size: 17 + 4 * version)
        builder.drawFunctionPatterns(version: version)
        builder.drawCodewords(Self.codewords(bytes, layout: layout))
        builder.applyMask()
        builder.drawFormatBits()
        size = builder.size
        modules = builder.modules
    }

    /// Bytes a version holds: 4 bits of mode and 8 of length come before the data.
    static func capacity(version: Int) -> Int {
        let layout = levelM[version - 1]
        return (layout.data * layout.blocks * 8 - 12) / 8
    }

    /// Data in byte mode, padded, split into blocks, each followed by its Reed-Solomon codewords, interleaved.
    static func codewords(_ bytes: [UInt8], layout: (data: Int, ecc: Int, blocks: Int)) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, 8)
        for byte in bytes { append(Int(byte), 8) }
        let capacityBits = layout.data * layout.blocks * 8
        append(0, min(4, capacityBits - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var data = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { ($0 << 1) | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < layout.data * layout.blocks {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        let divisor = reedSolomonDivisor(degree: layout.ecc)
        let blocks = (0..<layout.blocks).map { Array(data[$0 * layout.data..<($0 + 1) * layout.data]) }
        let corrections = blocks.map { reedSolomonRemainder($0, divisor: divisor) }
        // Versions 1-6 at level M have blocks of one length, so interleaving is column by column.
        var result: [UInt8] = []
        for index in 0..<layout.data { for block in blocks { result.append(block[index]) } }
        for index in 0..<layout.ecc { for correction in corrections { result.append(correction[index]) } }
        return result
    }

    /// The generator polynomial of `degree` error-correction codewords.
    static func reedSolomonDivisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    /// The error-correction codewords of `data`.
    static func reedSolomonRemainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in result.indices { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }

    /// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1.
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for shift in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> shift) & 1) * Int(x)
        }
        return UInt8(z)
    }

    /// The grid while it is being drawn: which modules are dark, and which belong to fixed patterns.
    private struct Builder {
        let size: Int
        var modules: [[Bool]]
        var isFunction: [[Bool]]

        init(size: Int) {
            self.size = size
            modules = Array(repeating: Array(repeating: false, count: size), count: size)
            isFunction = modules
        }

        mutating func set(column: Int, row: Int, _ dark: Bool) {
            modules[row][column] = dark
            isFunction[row][column] = true
        }

        /// Timing, finder and alignment patterns, and the reserved format areas.
        mutating func drawFunctionPatterns(version: Int) {
            for index in 0..<size {
                set(column: 6, row: index, index % 2 == 0)
                set(column: index, row: 6, index % 2 == 0)
            }
            for (column, row) in [(3, 3), (size - 4, 3), (3, size - 4)] {
                for dy in -4...4 {
                    for dx in -4...4 where (0..<size).contains(column + dx) && (0..<size).contains(row + dy) {
                        let distance = max(abs(dx), abs(dy))
                        set(column: column + dx, row: row + dy, distance != 2 && distance != 4)
                    }
                }
            }
            if version >= 2 {
                // One alignment pattern up to version 6, near the bottom right corner.
                let center = size - 7
                for dy in -2...2 {
                    for dx in -2...2 { set(column: center + dx, row: center + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
            drawFormatBits()  // reserves the format areas before data is placed
        }

        /// Places the codewords in the zigzag order of the standard, skipping the fixed patterns.
        mutating func drawCodewords(_ data: [UInt8]) {
            var bit = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vertical in 0..<size {
                    for offset in 0..<2 {
                        let column = right - offset
                        let upward = (right + 1) & 2 == 0
                        let row = upward ? size - 1 - vertical : vertical
                        guard !isFunction[row][column] else { continue }
                        if bit < data.count * 8 {
                            modules[row][column] = (data[bit >> 3] >> (7 - (bit & 7))) & 1 == 1
                            bit += 1
                        }
                    }
                }
                right -= 2
            }
        }

        /// Inverts the data modules the mask selects.
        mutating func applyMask() {
            for row in 0..<size {
                for column in 0..<size where !isFunction[row][column] && (row + column) % 2 == 0 {
                    modules[row][column].toggle()
                }
            }
        }

        /// Level M (bits 00) and the mask, BCH-protected, in both copies.
        mutating func drawFormatBits() {
            let data = 0b00 << 3 | QRCode.mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            for index in 0...5 { set(column: 8, row: index, bit(index)) }
            set(column: 8, row: 7, bit(6))
            set(column: 8, row: 8, bit(7))
            set(column: 7, row: 8, bit(8))
            for index in 9..<15 { set(column: 14 - index, row: 8, bit(index)) }
            for index in 0..<8 { set(column: size - 1 - index, row: 8, bit(index)) }
            for index in 8..<15 { set(column: 8, row: size - 15 + index, bit(index)) }
            set(column: 8, row: size - 8, true)  // the dark module
        }
    }

    /// The code drawn with half blocks (two module rows per text row) inside a quiet zone of `border` modules.
    /// Light modules are drawn and dark ones left as background, which is right on the usual light-on-dark
    /// kiosk terminal.
    public func halfBlockRows(border: Int = 2) -> [String] {
        let full = size + 2 * border
        func dark(_ row: Int, _ column: Int) -> Bool {
            let (r, c) = (row - border, column - border)
            guard (0..<size).contains(r), (0..<size).contains(c) else { return false }
            return modules[r][c]
        }
        var rows: [String] = []
        for top in stride(from: 0, to: full, by: 2) {
            var line = ""
            for column in 0..<full {
                // Light modules are drawn (the terminal's text colour), dark ones left as background.
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
