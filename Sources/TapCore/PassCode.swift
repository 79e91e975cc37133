import Foundation

/// The text of a temporary access pass, and the rules for making, showing and reading one.
///
/// The alphabet leaves out the look-alikes 0/O, 1/I/L so that a pass can be read off a kiosk screen and
/// typed on a phone. Input is case-insensitive and ignores spaces and dashes, so `k7qm 3xrp-hv9t` and
/// `K7QM3XRPHV9T` are the same pass. The value never leaves the response that minted it; only its MAC is
/// stored.
public struct PassCode: Sendable, Equatable, CustomStringConvertible {
    /// The 31 symbols a pass is made of.
    public static let alphabet: [UInt8] = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ".utf8)
    /// Allowed pass lengths (symbols), as in Entra's policy.
    public static let lengthRange = 8...48
    /// Symbols per display group.
    public static let groupSize = 4

    /// The canonical form: upper-case symbols of the alphabet, no separators.
    public let normalized: String

    private init(normalized: String) { self.normalized = normalized }

    /// Makes a pass of `length` symbols from a source of uniformly random bytes.
    ///
    /// Rejection sampling keeps every symbol uniform: bytes of 248 and above (8 × 31) are discarded.
    public static func generate(length: Int, randomBytes: (Int) -> [UInt8]) -> PassCode {
        precondition(lengthRange.contains(length), "pass length out of range")
        var symbols: [UInt8] = []
        symbols.reserveCapacity(length)
        let limit = UInt8(alphabet.count * (256 / alphabet.count))
        while symbols.count < length {
            for byte in randomBytes(length) where byte < limit && symbols.count < length {
                symbols.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return PassCode(normalized: String(decoding: symbols, as: UTF8.self))
    }

    /// Reads a pass as a person typed it; `nil` when it holds a symbol outside the alphabet or has a length
    /// no pass can have.
    public static func parse(_ input: String) -> PassCode? {
        var symbols: [UInt8] = []
        for byte in input.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "\t") { continue }
            let upper = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ? byte - 32 : byte
            guard alphabet.contains(upper) else { return nil }
            symbols.append(upper)
            guard symbols.count <= lengthRange.upperBound else { return nil }
        }
        guard lengthRange.contains(symbols.count) else { return nil }
        return PassCode(normalized: String(decoding: symbols, as: UTF8.self))
    }

    /// The pass in groups of four separated by dashes, the way it is shown: `K7QM-3XRP-HV9T`.
    public var grouped: String {
        var groups: [Substring] = []
        var rest = Substring(normalized)
        while !rest.isEmpty {
            groups.append(rest.prefix(PassCode.groupSize))
            rest = rest.dropFirst(PassCode.groupSize)
        }
        return groups.joined(separator: "-")
    }

    /// Never the value, so that a pass interpolated into a log line by mistake shows nothing.
    public var description: String { "<pass>" }

    /// Bits of entropy in a pass of `length` symbols.
    public static func entropyBits(length: Int) -> Double {
        Double(length) * log2(Double(alphabet.count))
    }
}
