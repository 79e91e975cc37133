import TapTestSupport
import Testing

@testable import TapCrypto

@Suite("Public keys from raw parts, and signature checks")
struct PublicKeyTests {
    private let message = Array("authenticator data ‖ client data hash".utf8)

    @Test(arguments: [
        (TestKey.p256, EllipticCurve.p256), (TestKey.p384, .p384), (TestKey.p521, .p521),
    ])
    func ellipticCurveKeyFromCoordinatesVerifiesItsSignatures(key: TestKey, curve: EllipticCurve) throws {
        let (x, y) = key.ecCoordinates
        let publicKey = try PublicKey.ellipticCurve(curve, x: x, y: y)
        #expect(publicKey.kind == .ellipticCurve(curve))
        #expect(publicKey.isSameKey(as: key.publicKey))
        let signature = key.sign(message)
        #expect(publicKey.isValidSignature(signature, over: message, algorithm: key.signatureAlgorithm))
        #expect(!publicKey.isValidSignature(signature, over: message + [0], algorithm: key.signatureAlgorithm))
    }

    @Test func pointOffTheCurveIsRefused() throws {
        var (x, y) = TestKey.p256.ecCoordinates
        y[31] ^= 0x01
        #expect(throws: PublicKeyError.self) { try PublicKey.ellipticCurve(.p256, x: x, y: y) }
        x = [UInt8](repeating: 0, count: 32)
        #expect(throws: PublicKeyError.self) {
            try PublicKey.ellipticCurve(.p256, x: x, y: [UInt8](repeating: 0, count: 32))
        }
    }

    @Test func coordinatesOfTheWrongLengthAreRefused() {
        let (x, y) = TestKey.p256.ecCoordinates
        #expect(throws: PublicKeyError.self) { try PublicKey.ellipticCurve(.p256, x: [0] + x, y: y) }
        #expect(throws: PublicKeyError.self) { try PublicKey.ellipticCurve(.p384, x: x, y: y) }
    }

    // CVE-2022-21449 ("psychic signatures"): r = s = 0 must never verify.
    @Test func ecdsaSignatureWithZeroRAndSIsRefused() throws {
        let (x, y) = TestKey.p256.ecCoordinates
        let publicKey = try PublicKey.ellipticCurve(.p256, x: x, y: y)
        let zero: [UInt8] = [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]
        #expect(!publicKey.isValidSignature(zero, over: message, algorithm: .ecdsaP256SHA256))
        #expect(!publicKey.isValidSignature([], over: message, algorithm: .ecdsaP256SHA256))
    }

    @Test func signatureFromAKeyOfTheWrongCurveOrTypeIsRefused() throws {
        let p256 = TestKey.p256.publicKey
        let signature = TestKey.p256.sign(message)
        #expect(!p256.isValidSignature(signature, over: message, algorithm: .ecdsaP384SHA384))
        #expect(!p256.isValidSignature(signature, over: message, algorithm: .rsaPKCS1SHA256))
        #expect(!p256.isValidSignature(signature, over: message, algorithm: .ed25519))
    }

    @Test func rsaKeyFromModulusAndExponentVerifiesPKCS1AndPSSSeparately() throws {
        let key = try PublicKey.rsa(modulus: TestKey.rsa.rsaModulus, exponent: TestKey.rsa.rsaExponent)
        #expect(key.kind == .rsa(modulusBits: 2048))
        let pkcs1 = TestKey.rsa.sign(message, as: .rsaPKCS1SHA256)
        let pss = TestKey.rsa.sign(message, as: .rsaPSSSHA256)
        let sha1 = TestKey.rsa.sign(message, as: .rsaPKCS1SHA1)
        #expect(key.isValidSignature(pkcs1, over: message, algorithm: .rsaPKCS1SHA256))
        #expect(key.isValidSignature(pss, over: message, algorithm: .rsaPSSSHA256))
        #expect(key.isValidSignature(sha1, over: message, algorithm: .rsaPKCS1SHA1))
        // Padding and digest confusion must not verify.
        #expect(!key.isValidSignature(pkcs1, over: message, algorithm: .rsaPSSSHA256))
        #expect(!key.isValidSignature(pss, over: message, algorithm: .rsaPKCS1SHA256))
        #expect(!key.isValidSignature(pkcs1, over: message, algorithm: .rsaPKCS1SHA384))
        #expect(!key.isValidSignature(sha1, over: message, algorithm: .rsaPKCS1SHA256))
    }

    @Test func rsaPartsOutsideTheLimitsAreRefused() {
        let modulus = TestKey.rsa.rsaModulus
        #expect(throws: PublicKeyError.self) {
            try PublicKey.rsa(modulus: Array(modulus.prefix(128)), exponent: [1, 0, 1])
        }
        #expect(throws: PublicKeyError.self) { try PublicKey.rsa(modulus: [0] + modulus, exponent: [1, 0, 1]) }
        #expect(throws: PublicKeyError.self) { try PublicKey.rsa(modulus: modulus, exponent: [1, 0, 0]) }
        #expect(throws: PublicKeyError.self) { try PublicKey.rsa(modulus: modulus, exponent: [1]) }
        #expect(throws: PublicKeyError.self) { try PublicKey.rsa(modulus: modulus, exponent: [1, 0, 0, 0, 1]) }
        #expect(throws: PublicKeyError.self) { try PublicKey.rsa(modulus: modulus, exponent: []) }
    }

    @Test func ed25519KeyVerifiesAndRefusesTamperedMessages() throws {
        let key = try PublicKey.ed25519(TestKey.ed25519.ed25519PublicKey)
        #expect(key.kind == .ed25519)
        let signature = TestKey.ed25519.sign(message)
        #expect(key.isValidSignature(signature, over: message, algorithm: .ed25519))
        var flipped = signature
        flipped[10] ^= 0x40
        #expect(!key.isValidSignature(flipped, over: message, algorithm: .ed25519))
        #expect(throws: PublicKeyError.self) { try PublicKey.ed25519([1, 2, 3]) }
    }

    @Test func subjectPublicKeyInfoMustBeConsumedExactly() throws {
        let der = TestKey.p256.publicKey.subjectPublicKeyInfo
        #expect(try PublicKey(subjectPublicKeyInfo: der).isSameKey(as: TestKey.p256.publicKey))
        #expect(throws: PublicKeyError.self) { try PublicKey(subjectPublicKeyInfo: der + [0]) }
        #expect(throws: PublicKeyError.self) { try PublicKey(subjectPublicKeyInfo: Array(der.dropLast())) }
        #expect(!TestKey.p256.publicKey.isSameKey(as: TestKey.p256Other.publicKey))
    }

    @Test func digestsMatchKnownVectors() {
        #expect(HashFunction.sha1.hash(Array("abc".utf8)).hexString == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(HashFunction.sha384.hash(Array("abc".utf8)).hexString.hasPrefix("cb00753f45a35e8bb5a03d699ac65007"))
        #expect(HashFunction.sha512.hash(Array("abc".utf8)).hexString.hasPrefix("ddaf35a193617abacc417349ae204131"))
    }
}
