import Foundation
import NIOConcurrencyHelpers
import TapCore
import TapCrypto

/// A clock that only moves when a test moves it.
public final class TestClock: Sendable {
    private let current: NIOLockedValueBox<Date>

    /// Starts at `start` (default 2026-11-26T10:00:00Z).
    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_687_200)) {
        current = NIOLockedValueBox(start)
    }

    /// The current time.
    public var now: Date { current.withLockedValue { $0 } }

    /// Moves the clock forward.
    public func advance(seconds: TimeInterval) {
        current.withLockedValue { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Moves the clock forward by minutes.
    public func advance(minutes: Double) { advance(seconds: minutes * 60) }
}

/// Deterministic bytes (SplitMix64), so that ids and passes repeat from run to run.
public final class SeededRandom: Sendable {
    private let state: NIOLockedValueBox<UInt64>

    /// Starts from `seed`.
    public init(seed: UInt64 = 0x5EED) { state = NIOLockedValueBox(seed) }

    /// The next `count` bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        state.withLockedValue { state in
            (0..<count).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return UInt8(truncatingIfNeeded: z ^ (z >> 31))
            }
        }
    }
}

/// A fixed clock with seeded randomness.
public func testWorld(clock: TestClock = TestClock(), random: SeededRandom = SeededRandom()) -> World {
    World(now: { clock.now }, randomBytes: { random.bytes($0) })
}

/// A real HMAC-SHA256 keyring over fixed test secrets, one per version (the highest is current).
///
/// Each key is prepared once, as the service's keyring does: keying a fresh OpenSSL context per MAC, from
/// every test at once, now and then failed inside OpenSSL 3.0 (`EVP_MAC_init`, with nothing on the error
/// queue), which the `try!` below turned into a crash of the whole test run.
public func testKeyring(versions: [Int] = [1]) -> Keyring {
    var keys: [Int: [MACPurpose: HMACKey]] = [:]
    for version in versions {
        for purpose in MACPurpose.allCases {
            keys[version, default: [:]][purpose] = try! HMACKey(
                Array(repeating: UInt8(version), count: 32) + Array(purpose.rawValue.utf8))
        }
    }
    let prepared = keys
    return Keyring(
        currentVersion: versions.max()!, versions: versions,
        mac: { purpose, version, message in
            guard let key = prepared[version]?[purpose] else { return nil }
            return try! key.authenticate(message)
        },
        constantTimeEqual: Crypto.constantTimeEqual)
}

/// A fresh temporary directory, removed by the caller with `FileManager.removeItem`.
public func temporaryDirectory(_ name: String = "tapstation-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    // Private, as a data directory must be (the CLI refuses one that other users can read).
    try! FileManager.default.createDirectory(
        at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return url
}

/// Whether `needle` occurs anywhere in the bytes of the file at `path` (and its WAL, if any).
public func fileContains(_ path: String, _ needle: String) -> Bool {
    let needleBytes = Array(needle.utf8)
    for candidate in [path, path + "-wal"] {
        guard let data = FileManager.default.contents(atPath: candidate) else { continue }
        let bytes = [UInt8](data)
        if bytes.count >= needleBytes.count {
            for start in 0...(bytes.count - needleBytes.count) where bytes[start] == needleBytes[0] {
                if Array(bytes[start..<(start + needleBytes.count)]) == needleBytes { return true }
            }
        }
    }
    return false
}
