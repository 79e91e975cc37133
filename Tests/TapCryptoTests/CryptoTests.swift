import Foundation
import TapCore
import Testing

@testable import TapCrypto

@Suite("OpenSSL facade")
struct CryptoTests {
    private func bytes(hex: String) -> [UInt8] { Hex.decode(hex)! }

    /// RFC 4231, test cases 1, 2 and 6 (HMAC-SHA-256): key, data, expected MAC, in hex.
    static let rfc4231: [(String, String, String)] = [
        (
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            String(repeating: "aa", count: 131),
            "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
    ]

    @Test(arguments: Self.rfc4231)
    func hmacMatchesRFC4231(key: String, data: String, expected: String) throws {
        #expect(try Crypto.hmacSHA256(key: bytes(hex: key), data: bytes(hex: data)).hexString == expected)
    }

    @Test(arguments: Self.rfc4231)
    func preparedKeyMatchesRFC4231Again(key: String, data: String, expected: String) throws {
        let prepared = try HMACKey(bytes(hex: key))
        // Twice: the prepared state must not absorb the first message.
        #expect(try prepared.authenticate(bytes(hex: data)).hexString == expected)
        #expect(try prepared.authenticate(bytes(hex: data)).hexString == expected)
    }

    @Test func preparedKeyIsSafeToShareAcrossThreads() async throws {
        let key = Array("a shared key".utf8)
        let prepared = try HMACKey(key)
        let messages = (0..<64).map { Array("message \($0)".utf8) }
        let results = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (index, message) in messages.enumerated() {
                group.addTask { (index, try prepared.authenticate(message)) }
            }
            return try await group.reduce(into: [Int: [UInt8]]()) { $0[$1.0] = $1.1 }
        }
        for (index, message) in messages.enumerated() {
            #expect(results[index] == (try Crypto.hmacSHA256(key: key, data: message)))
        }
    }

    @Test func sha256MatchesFIPSVector() throws {
        #expect(
            try Crypto.sha256(Array("abc".utf8)).hexString
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try Crypto.sha256([]).hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func constantTimeEqualComparesContentAndLength() {
        #expect(Crypto.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!Crypto.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!Crypto.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(Crypto.constantTimeEqual([], []))
    }

    @Test func randomBytesHaveTheRequestedLengthAndDiffer() throws {
        let first = try Crypto.randomBytes(32)
        let second = try Crypto.randomBytes(32)
        #expect(first.count == 32)
        #expect(first != second)
        #expect(try Crypto.randomBytes(0).isEmpty)
    }

    @Test func openSSLIsVersionThree() {
        #expect(Crypto.openSSLVersion.hasPrefix("OpenSSL 3."))
    }
}

@Suite("Server secret file")
struct ServerSecretTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)").path
    }

    @Test func createsAPrivateFileOnceAndReadsItBack() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (first, created) = try ServerSecret.loadOrCreate(at: path)
        #expect(created)
        #expect(first.versions == [1])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (second, createdAgain) = try ServerSecret.loadOrCreate(at: path)
        #expect(!createdAgain)
        #expect(first.derivedKey(purpose: "pass", version: 1) == second.derivedKey(purpose: "pass", version: 1))
        #expect(first.derivedKey(purpose: "pass", version: 1) != first.derivedKey(purpose: "audit", version: 1))
        #expect(first.derivedKey(purpose: "pass", version: 2) == nil)
    }

    @Test func rotationKeepsOldVersionsAndAddsANewCurrentOne() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (first, _) = try ServerSecret.loadOrCreate(at: path)
        let rotated = try first.rotated()
        try rotated.write(to: path)
        let reread = try ServerSecret.load(at: path)
        #expect(reread.versions == [1, 2])
        #expect(reread.currentVersion == 2)
        #expect(reread.derivedKey(purpose: "pass", version: 1) == first.derivedKey(purpose: "pass", version: 1))
        #expect(reread.derivedKey(purpose: "pass", version: 2) != first.derivedKey(purpose: "pass", version: 1))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func refusesAFileOthersCanRead() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ServerSecret.loadOrCreate(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: ServerSecretError.self) { try ServerSecret.loadOrCreate(at: path) }
    }

    @Test(arguments: [
        "", "1 abcd", "x 00", "1 " + String(repeating: "zz", count: 32),
        "1 " + String(repeating: "00", count: 32) + "\n1 " + String(repeating: "11", count: 32),
    ])
    func refusesMalformedFiles(_ text: String) {
        #expect(throws: ServerSecretError.self) { try ServerSecret.parse(text) }
    }
}
