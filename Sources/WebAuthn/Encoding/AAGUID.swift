import TapCore
import TapCrypto

/// An authenticator model identifier: 16 bytes, shown as a UUID.
public struct AAGUID: Sendable, Hashable, CustomStringConvertible {
    /// The 16 bytes as in authenticator data.
    public let bytes: [UInt8]

    /// All zeros: what fido-u2f and anonymised `none` attestations carry.
    public static let zero = AAGUID(unchecked: [UInt8](repeating: 0, count: 16))

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Wraps exactly 16 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses the 8-4-4-4-12 hexadecimal form, either case.
    public init?(uuidString: String) {
        let hex = uuidString.filter { $0 != "-" }
        let groups = uuidString.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
        guard groups == [8, 4, 4, 4, 12], hex.count == 32, hex.allSatisfy(\.isHexDigit) else { return nil }
        guard let bytes = Hex.decode(hex) else { return nil }
        self.bytes = bytes
    }

    /// Lower-case 8-4-4-4-12 form.
    public var uuidString: String {
        let characters = Array(bytes.hexString)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    public var description: String { uuidString }
}
