/// A QR code (ISO/IEC 18004) for a short text: byte mode, error correction level M, versions 1 to 6 (up to 106
/// bytes), the mask with the lowest penalty unless one is asked for. The console draws it beside a pass for a
/// phone's camera; the kiosk draws the enrollment page's address with it. Pure: modules out, no drawing.
public struct QRCode: Sendable, Equatable {
    /// Modules per side (21 for version 1, 4 more per version).
    public let size: Int
    /// Row-major; `true` is dark.
    public let modules: [Bool]
    public let version: Int
    public let mask: Int

    public func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }

    /// Level M's blocks, data codewords and error-correction codewords per block, versions 1 to 6 (ISO 18004
    /// table 9; each of these versions has blocks of one length).
    static let levelM: [(blocks: Int, dataPerBlock: Int, ecPerBlock: Int)] = [
        (1, 16, 10), (1, 28, 16), (1, 44, 26), (2, 32, 18), (2, 43, 24), (4, 27, 16),
    ]

    /// `nil` when the text is longer than version 6 holds at level M (106 bytes of UTF-8). `mask` (0-7) fixes
    /// the mask, for comparing with another encoder; any mask makes a valid code.
    public init?(_ text: String, mask fixedMask: Int? = nil) {
        let bytes = Array(text.utf8)
        // 4 bits of mode and 8 of length come before the data.
        guard let version = (1...6).first(where: { bytes.count + 2 <= Self.dataCapacity(version: $0) }) else {
            return nil
        }
        let codewords = Self.codewords(for: bytes, version: version)
        var grid = Grid(version: version)
        grid.drawFunctionPatterns()
        grid.place(codewords)
        var best: (penalty: Int, grid: Grid, mask: Int)?
        for mask in fixedMask.map({ [$0] }) ?? Array(0..<8) {
            var candidate = grid
            candidate.apply(mask: mask)
            candidate.drawFormatBits(mask: mask)
            let penalty = candidate.penalty()
            if best == nil || penalty < best!.penalty { best = (penalty, candidate, mask) }
        }
        size = grid.size
        modules = best!.grid.dark
        self.version = version
        mask = best!.mask
    }

    static func dataCapacity(version: Int) -> Int {
        let shape = levelM[version - 1]
        return shape.blocks * shape.dataPerBlock
    }

    /// Mode, count, the bytes, terminator and padding, split into blocks, each followed by its Reed-Solomon
    /// codewords, interleaved as the standard reads them.
    static func codewords(for bytes: [UInt8], version: Int) -> [UInt8] {
        let capacity = dataCapacity(version: version)
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)  // byte mode
        append(bytes.count, 8)  // the count takes 8 bits up to version 9
        for byte in bytes { append(Int(byte), 8) }
        append(0, min(4, capacity * 8 - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { ($0 << 1) | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < capacity {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        let shape = levelM[version - 1]
        let blocks = (0..<shape.blocks).map { Array(data[($0 * shape.dataPerBlock)..<(($0 + 1) * shape.dataPerBlock)]) }
        let corrections = blocks.map { ReedSolomon.remainder(of: $0, degree: shape.ecPerBlock) }
        var result: [UInt8] = []
        for index in 0..<shape.dataPerBlock { for block in blocks { result.append(block[index]) } }
        for index in 0..<shape.ecPerBlock { for block in corrections { result.append(block[index]) } }
        return result
    }
}

/// Reed-Solomon error correction over GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var (a, b, product) = (UInt16(x), y, UInt16(0))
        while b != 0 {
            if b & 1 == 1 { product ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return UInt8(product)
    }

    /// The generator polynomial of `degree`, highest coefficient (always 1) left out.
    static func generator(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 2)
        }
        return result
    }

    /// The `degree` error-correction codewords of `data`.
    static func remainder(of data: [UInt8], degree: Int) -> [UInt8] {
        let divisor = generator(degree: degree)
        var result = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in 0..<degree { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}

/// The module grid while it is drawn: which modules are dark, and which belong to function patterns (the
/// finders, timing, alignment, format bits), which data and masks leave alone.
struct Grid: Equatable {
    let size: Int
    let version: Int
    var dark: [Bool]
    var reserved: [Bool]

    init(version: Int) {
        self.version = version
        size = 17 + 4 * version
        dark = Array(repeating: false, count: size * size)
        reserved = Array(repeating: false, count: size * size)
    }

    mutating func set(_ row: Int, _ column: Int, _ isDark: Bool) {
        dark[row * size + column] = isDark
        reserved[row * size + column] = true
    }

    mutating func drawFunctionPatterns() {
        for index in 0..<size {
            set(6, index, index % 2 == 0)
            set(index, 6, index % 2 == 0)
        }
        for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] {
            for dy in -4...4 {
                for dx in -4...4 where (0..<size).contains(row + dy) && (0..<size).contains(column + dx) {
                    let distance = max(abs(dx), abs(dy))
                    set(row + dy, column + dx, distance != 2 && distance != 4)
                }
            }
        }
        // Versions 2 to 6 have one alignment pattern, near the bottom-right corner.
        if version >= 2 {
            let center = size - 7
            for dy in -2...2 {
                for dx in -2...2 { set(center + dy, center + dx, max(abs(dx), abs(dy)) != 1) }
            }
        }
        drawFormatBits(mask: 0)  // reserves the format areas; drawn again once the mask is chosen
    }

    /// Level M (format bits 00) and the mask, protected by a BCH code, in both copies; and the dark module.
    mutating func drawFormatBits(mask: Int) {
        let data = mask  // level M's two bits are 00
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = ((data << 10) | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { set(index, 8, bit(index)) }
        set(7, 8, bit(6))
        set(8, 8, bit(7))
        set(8, 7, bit(8))
        for index in 9..<15 { set(8, 14 - index, bit(index)) }
        for index in 0..<8 { set(8, size - 1 - index, bit(index)) }
        for index in 8..<15 { set(size - 15 + index, 8, bit(index)) }
        set(size - 8, 8, true)
    }

    /// Codewords in the standard's zigzag: column pairs from the right, up then down, skipping the timing column.
    mutating func place(_ codewords: [UInt8]) {
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for step in 0..<size {
                for offset in 0..<2 {
                    let column = right - offset
                    let upward = (right + 1) & 2 == 0
                    let row = upward ? size - 1 - step : step
                    guard !reserved[row * size + column], index < codewords.count * 8 else { continue }
                    dark[row * size + column] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
    }

    mutating func apply(mask: Int) {
        for row in 0..<size {
            for column in 0..<size where !reserved[row * size + column] {
                let flip: Bool
                switch mask {
                case 0: flip = (row + column) % 2 == 0
                case 1: flip = row % 2 == 0
                case 2: flip = column % 3 == 0
                case 3: flip = (row + column) % 3 == 0
                case 4: flip = (row / 2 + column / 3) % 2 == 0
                case 5: flip = (row * column) % 2 + (row * column) % 3 == 0
                case 6: flip = ((row * column) % 2 + (row * column) % 3) % 2 == 0
                default: flip = ((row + column) % 2 + (row * column) % 3) % 2 == 0
                }
                if flip { dark[row * size + column].toggle() }
            }
        }
    }

    /// The standard's four penalties: long runs, 2×2 blocks, finder-like patterns, and an unbalanced dark share.
    func penalty() -> Int {
        var total = 0
        let finderLike: [[Bool]] = [
            [true, false, true, true, true, false, true, false, false, false, false],
            [false, false, false, false, true, false, true, true, true, false, true],
        ]
        for horizontal in [true, false] {
            for line in 0..<size {
                let values = (0..<size).map { horizontal ? dark[line * size + $0] : dark[$0 * size + line] }
                var run = 1
                for index in 1..<size {
                    if values[index] == values[index - 1] {
                        run += 1
                    } else {
                        if run >= 5 { total += 3 + run - 5 }
                        run = 1
                    }
                }
                if run >= 5 { total += 3 + run - 5 }
                for start in 0...(size - 11) where finderLike.contains(Array(values[start..<start + 11])) {
                    total += 40
                }
            }
        }
        for row in 0..<(size - 1) {
            for column in 0..<(size - 1) {
                let value = dark[row * size + column]
                if dark[row * size + column + 1] == value, dark[(row + 1) * size + column] == value,
                    dark[(row + 1) * size + column + 1] == value
                {
                    total += 3
                }
            }
        }
        let darkCount = dark.filter { $0 }.count
        total += 10 * (abs(darkCount * 100 / dark.count - 50) / 5)
        return total
    }
}
