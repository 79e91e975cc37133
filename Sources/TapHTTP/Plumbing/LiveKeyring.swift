import Foundation
import NIOConcurrencyHelpers
import TapCore
import TapCrypto

extension Keyring {
    /// The production keyring: HMAC-SHA256 under keys derived from each version of the server secret,
    /// OpenSSL's constant-time compare.
    public static func live(secret: ServerSecret) -> Keyring {
        var keys: [Int: [MACPurpose: HMACKey]] = [:]
        for version in secret.versions {
            for purpose in MACPurpose.allCases {
                guard let key = secret.derivedKey(purpose: purpose.rawValue, version: version) else { continue }
                do {
                    keys[version, default: [:]][purpose] = try HMACKey(key)
                } catch {
                    fatalError("HMAC-SHA256 could not be keyed: \(error)")
                }
            }
        }
        let derived = keys
        return Keyring(
            currentVersion: secret.currentVersion, versions: secret.versions,
            mac: { purpose, version, message in
                guard let key = derived[version]?[purpose] else { return nil }
                do {
                    return try key.authenticate(message)
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
    public static let live = World(now: { Date() }, randomBytes: { count in RandomBuffer.shared.take(count) })
}

/// OpenSSL CSPRNG output drawn 4 KiB at a time and handed out in order, each byte once. A create draws
/// random bytes three times (two ids and the pass) on the writer; one `RAND_bytes` call per draw, with
/// its locking and reseed checks, was about 5% of the writer's time.
final class RandomBuffer: Sendable {
    static let shared = RandomBuffer()
    private static let chunk = 4096

    /// The drawn bytes and the first one not handed out yet.
    private let state = NIOLockedValueBox((bytes: [UInt8](), next: 0))

    func take(_ count: Int) -> [UInt8] {
        guard count <= Self.chunk / 4 else { return Self.fresh(count) }
        return state.withLockedValue { state in
            if state.next + count > state.bytes.count {
                state.bytes = Self.fresh(Self.chunk)
                state.next = 0
            }
            defer {
                // Handed-out bytes are wiped from the buffer, so nothing random lingers once used.
                for index in state.next..<state.next + count { state.bytes[index] = 0 }
                state.next += count
            }
            return Array(state.bytes[state.next..<state.next + count])
        }
    }

    private static func fresh(_ count: Int) -> [UInt8] {
        do {
            return try Crypto.randomBytes(count)
        } catch {
            // Without a working CSPRNG no pass or token may be minted; stopping is the only safe answer.
            fatalError("the random number generator failed: \(error)")
        }
    }
}
