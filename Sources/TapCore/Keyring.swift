/// What a secret value is authenticated for; each purpose has its own key derived from the server secret,
/// so a MAC made for one purpose is worthless for another.
public enum MACPurpose: String, Sendable, CaseIterable {
    case pass, operatorToken, sessionToken, audit
    /// Derives the key that encrypts webhook signing secrets at rest (not a MAC of anything sent).
    case webhookSecret
}

/// The server secret, seen only through the operations a use case needs.
///
/// TapCore knows nothing of OpenSSL; the executable wires in TapCrypto's HMAC-SHA256 and constant-time
/// compare. The secrets never leave the closure. There may be several secret versions after a rotation:
/// new digests use the current one; every stored digest records the version it was made with, so older
/// passes, tokens and audit events still verify.
public struct Keyring: Sendable {
    /// The version new digests are made with.
    public let currentVersion: Int
    /// Every version this keyring can verify, ascending.
    public let versions: [Int]
    private let macFunction: @Sendable (MACPurpose, Int, [UInt8]) -> [UInt8]?
    /// Compares two digests in time that does not depend on where they differ.
    public let constantTimeEqual: @Sendable ([UInt8], [UInt8]) -> Bool

    /// Makes a keyring; `mac` answers `nil` for a version it does not hold.
    public init(
        currentVersion: Int, versions: [Int],
        mac: @escaping @Sendable (MACPurpose, _ version: Int, _ message: [UInt8]) -> [UInt8]?,
        constantTimeEqual: @escaping @Sendable ([UInt8], [UInt8]) -> Bool
    ) {
        self.currentVersion = currentVersion
        self.versions = versions.sorted()
        macFunction = mac
        self.constantTimeEqual = constantTimeEqual
    }

    /// HMAC-SHA256 of `message` under the key for `purpose` of secret `version` (default: the current one);
    /// `nil` when that version is not held.
    public func mac(_ purpose: MACPurpose, _ message: [UInt8], version: Int? = nil) -> [UInt8]? {
        macFunction(purpose, version ?? currentVersion, message)
    }

    /// `message`'s MAC under every secret version this keyring holds, to find a row whichever version made it
    /// (codes and cookies handed out before a rotation).
    public func macsUnderEveryVersion(_ purpose: MACPurpose, _ message: [UInt8]) -> [(version: Int, mac: [UInt8])] {
        versions.compactMap { version in mac(purpose, message, version: version).map { (version, $0) } }
    }

    /// The stored digest of a pass: bound to its user, so a pass is worthless for anyone else.
    public func passDigest(_ pass: PresentedPass, for user: UserPrincipalName, version: Int? = nil) -> [UInt8]? {
        mac(.pass, Array("\(user.value)\n\(pass.text)".utf8), version: version)
    }

    /// The stored digest of a bearer token.
    public func tokenDigest(_ token: BearerToken, version: Int? = nil) -> [UInt8]? {
        mac(token.kind == .operatorToken ? .operatorToken : .sessionToken, Array(token.value.utf8), version: version)
    }
}

/// What someone typed as a pass at redeem: a well-formed pass, or text that cannot be one. Either way it is
/// MACed and compared like any other, so a malformed pass is refused in the same time as a wrong one.
public struct PresentedPass: Sendable, CustomStringConvertible {
    /// The normalized pass, or the raw input behind a prefix no normalized pass can have.
    let text: String

    /// Wraps what was typed.
    public init(_ input: String) {
        if let code = PassCode.parse(input) {
            text = code.normalized
        } else {
            text = "unparseable:" + input
        }
    }

    /// A pass just minted, as it will be presented.
    public init(_ code: PassCode) { text = code.normalized }

    /// Never the value: safe in logs.
    public var description: String { "<pass>" }
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
