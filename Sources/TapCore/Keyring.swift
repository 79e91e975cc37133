/// What a secret value is authenticated for; each purpose has its own key derived from the server secret,
/// so a MAC made for one purpose is worthless for another.
public enum MACPurpose: String, Sendable, CaseIterable {
    case pass, operatorToken, sessionToken, audit
}

/// The server secret, seen only through the operations a use case needs.
///
/// TapCore knows nothing of OpenSSL; the executable wires in TapCrypto's HMAC-SHA256 and constant-time
/// compare. The secret itself never leaves the closure.
public struct Keyring: Sendable {
    /// HMAC-SHA256 of `message` under the key for `purpose`.
    public var mac: @Sendable (MACPurpose, [UInt8]) -> [UInt8]
    /// Compares two digests in time that does not depend on where they differ.
    public var constantTimeEqual: @Sendable ([UInt8], [UInt8]) -> Bool

    /// Makes a keyring from its two operations.
    public init(
        mac: @escaping @Sendable (MACPurpose, [UInt8]) -> [UInt8],
        constantTimeEqual: @escaping @Sendable ([UInt8], [UInt8]) -> Bool
    ) {
        self.mac = mac
        self.constantTimeEqual = constantTimeEqual
    }

    /// The stored digest of a pass: bound to its user, so a pass is worthless for anyone else.
    public func passDigest(_ pass: PassCode, for user: UserPrincipalName) -> [UInt8] {
        mac(.pass, Array("\(user.value)\n\(pass.normalized)".utf8))
    }

    /// The stored digest of a bearer token.
    public func tokenDigest(_ token: BearerToken) -> [UInt8] {
        mac(token.kind == .operatorToken ? .operatorToken : .sessionToken, Array(token.value.utf8))
    }
}

/// A bearer token: a prefix that says what it is, then 32 random symbols (160 bits).
public struct BearerToken: Sendable, Equatable, CustomStringConvertible {
    /// What the token lets its holder be.
    public enum Kind: String, Sendable {
        /// An operator's API token.
        case operatorToken = "tso_"
        /// A token a redeemed pass returned, scoped to one session.
        case sessionToken = "tss_"
    }

    /// The kind, read from the prefix.
    public let kind: Kind
    /// The whole token as the client sends it.
    public let value: String

    private static let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789".utf8)  // 32 symbols, 5 bits each
    private static let symbolCount = 32

    /// Makes a new token of `kind`.
    public static func generate(_ kind: Kind, randomBytes: (Int) -> [UInt8]) -> BearerToken {
        let symbols = randomBytes(symbolCount).map { alphabet[Int($0 & 31)] }
        return BearerToken(kind: kind, value: kind.rawValue + String(decoding: symbols, as: UTF8.self))
    }

    /// Reads a token a client sent; `nil` when it has no known prefix or the wrong shape.
    public static func parse(_ text: String) -> BearerToken? {
        let kind: Kind
        if text.hasPrefix(Kind.operatorToken.rawValue) {
            kind = .operatorToken
        } else if text.hasPrefix(Kind.sessionToken.rawValue) {
            kind = .sessionToken
        } else {
            return nil
        }
        let body = text.utf8.dropFirst(4)
        guard body.count == symbolCount, body.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return BearerToken(kind: kind, value: text)
    }

    private init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// Never the secret: safe in logs and debug output.
    public var description: String { "\(kind.rawValue)…" }
}
