import Foundation
import TapCore
import TapCrypto
import Testing

@testable import TapHTTP

/// The production keyring and randomness: buffered CSPRNG output and prepared HMAC keys must behave
/// exactly like drawing and keying afresh each time.
@Suite("Live world")
struct LiveWorldTests {
    @Test func bufferedRandomBytesAreNeverHandedOutTwice() {
        let buffer = RandomBuffer()
        var seen = Set<[UInt8]>()
        // Several refills' worth, in the sizes the store draws (ids, passes, tokens), plus one past the buffer.
        for round in 0..<3000 {
            let size = [10, 16, 32][round % 3]
            let bytes = buffer.take(size)
            #expect(bytes.count == size)
            #expect(seen.insert(bytes).inserted)
        }
        #expect(buffer.take(8192).count == 8192)
    }

    @Test func concurrentDrawsGetDistinctBytes() async {
        let buffer = RandomBuffer()
        let draws = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<8 { group.addTask { (0..<500).map { _ in buffer.take(16) } } }
            return await group.reduce(into: [[UInt8]]()) { $0 += $1 }
        }
        #expect(Set(draws).count == 4000)
    }

    @Test func liveKeyringMACsMatchAFreshlyKeyedHMAC() throws {
        let secret = try ServerSecret(versions: [1: Array(repeating: 7, count: 32), 2: Array(repeating: 9, count: 32)])
        let keyring = Keyring.live(secret: secret)
        for purpose in MACPurpose.allCases {
            let key = try #require(secret.derivedKey(purpose: purpose.rawValue, version: secret.currentVersion))
            for message in ["", "a", String(repeating: "x", count: 300)] {
                let bytes = Array(message.utf8)
                #expect(
                    keyring.mac(purpose, bytes, version: secret.currentVersion)
                        == (try Crypto.hmacSHA256(key: key, data: bytes)))
            }
        }
    }
}
