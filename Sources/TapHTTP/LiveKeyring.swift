import Foundation
import TapCore
import TapCrypto

extension Keyring {
    /// The production keyring: HMAC-SHA256 under keys derived from each version of the server secret,
    /// OpenSSL's constant-time compare.
    public static func live(secret: ServerSecret) -> Keyring {
        var keys: [Int: [MACPurpose: [UInt8]]] = [:]
        for version in secret.versions {
            for purpose in MACPurpose.allCases {
                keys[version, default: [:]][purpose] = secret.derivedKey(purpose: purpose.rawValue, version: version)
            }
        }
        let derived = keys
        return Keyring(
            currentVersion: secret.currentVersion, versions: secret.versions,
            mac: { purpose, version, message in
                guard let key = derived[version]?[purpose] else { return nil }
                do {
                    return try Crypto.hmacSHA256(key: key, data: message)
                } catch {
                    // HMAC over bytes in memory fails only if OpenSSL itself is broken; nothing sensible remains.
                    fatalError("HMAC-SHA256 failed: \(error)")
                }
            },
            constantTimeEqual: Crypto.constantTimeEqual)
    }
}

extension World {
    /// The production world: the system clock and OpenSSL's CSPRNG.
    public static let live = World(
        now: { Date() },
        randomBytes: { count in
            do {
                return try Crypto.randomBytes(count)
            } catch {
                // Without a working CSPRNG no pass or token may be minted; stopping is the only safe answer.
                fatalError("the random number generator failed: \(error)")
            }
        })
}
