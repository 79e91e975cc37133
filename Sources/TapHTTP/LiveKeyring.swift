import TapCore
import TapCrypto

extension Keyring {
    /// The production keyring: HMAC-SHA256 under keys derived from the server secret, OpenSSL's
    /// constant-time compare.
    public static func live(secret: ServerSecret) -> Keyring {
        var keys: [MACPurpose: [UInt8]] = [:]
        for purpose in MACPurpose.allCases { keys[purpose] = secret.derivedKey(purpose: purpose.rawValue) }
        let derived = keys
        return Keyring(
            mac: { purpose, message in
                do {
                    return try Crypto.hmacSHA256(key: derived[purpose]!, data: message)
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

import Foundation
