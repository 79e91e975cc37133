import Foundation
import TapCrypto
import TapTestSupport
import Testing

@testable import WebAuthn

/// Damaged input of every kind is refused with a reason, never a crash or a hang (a crash would end the test
/// process). A cheap, deterministic stand-in for the fuzzer between fuzzing runs.
@Suite("Damaged input never crashes")
struct RobustnessTests {
    private static func scenario(_ name: String) -> RegistrationScenario {
        var packed = RegistrationScenario()
        packed.format = "packed"
        packed.statement = Statements.packedChain()
        var tpm = RegistrationScenario()
        tpm.format = "tpm"
        tpm.credentialKey = .rsa
        tpm.statement = TPMStatement().builder
        var android = RegistrationScenario()
        android.format = "android-key"
        android.statement = Statements.androidKey()
        return ["packed": packed, "tpm": tpm, "android-key": android][name] ?? RegistrationScenario()
    }

    @Test(arguments: ["none", "packed", "tpm", "android-key"])
    func everyTruncationAndFlippedByteOfTheAttestationObjectIsRefused(_ name: String) {
        let scenario = Self.scenario(name)
        let genuine = scenario.response
        // Anchored mode: a flip inside a certificate may stop the chain from reaching the anchor; signatureOnly
        // would then accept it as `unanchored`, which is what an attacker-made chain gets anyway.
        let policy = AttestationPolicy(
            trustMode: name == "none" ? .signatureOnly : .anchored,
            anchors: TrustAnchors(general: [TestPKI.rootCertificate]))
        let expectation = scenario.expectation(policy: policy)
        #expect(RegistrationVerifier.verify(genuine, expecting: expectation).failureReason == nil)
        let object = genuine.attestationObject
        for length in 0..<object.count {
            var damaged = genuine
            damaged.attestationObject = Array(object.prefix(length))
            #expect(RegistrationVerifier.verify(damaged, expecting: expectation).failureReason != nil)
        }
        // Every byte of the structure and signatures, every third inside the larger statements (for run time).
        var accepted: [Int] = []
        for index in stride(from: 0, to: object.count, by: object.count > 400 ? 3 : 1) {
            var damaged = genuine
            damaged.attestationObject[index] ^= 0x80
            if RegistrationVerifier.verify(damaged, expecting: expectation).failureReason == nil {
                accepted.append(index)
            }
            _ = damaged.unverifiedSummary
        }
        // `none` signs nothing: its counter and AAGUID (authData bytes 33..<53) may change undetected, nothing else.
        let authDataStart = object.count - scenario.authenticatorData.count
        let unsigned = name == "none" ? Set((authDataStart + 33)..<(authDataStart + 53)) : []
        #expect(accepted.filter { !unsigned.contains($0) }.isEmpty, "flipped bytes accepted at \(accepted)")
    }

    @Test func randomSplicesOfTheAttestationObjectAreRefusedOrVerified() {
        var generator = SplitMix(seed: 0x7A9)
        let scenario = Self.scenario("packed")
        let genuine = scenario.response
        let expectation = scenario.expectation()
        for _ in 0..<2000 {
            var bytes = genuine.attestationObject
            switch generator.next() % 3 {
            case 0:
                bytes.insert(
                    UInt8(truncatingIfNeeded: generator.next()), at: Int(generator.next() % UInt64(bytes.count)))
            case 1: bytes.remove(at: Int(generator.next() % UInt64(bytes.count)))
            default:
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            var damaged = genuine
            damaged.attestationObject = bytes
            _ = RegistrationVerifier.verify(damaged, expecting: expectation)
        }
    }

    @Test func everyTruncationOfTheClientDataAndTheResponseJSONIsRefused() throws {
        let scenario = RegistrationScenario()
        let genuine = scenario.response
        for length in 0..<genuine.clientDataJSON.count {
            var damaged = genuine
            damaged.clientDataJSON = Array(genuine.clientDataJSON.prefix(length))
            #expect(RegistrationVerifier.verify(damaged, expecting: scenario.expectation()).failureReason != nil)
        }
        let json = Array(
            ("{\"id\":\"\(genuine.id)\",\"rawId\":\"\(genuine.id)\",\"type\":\"public-key\",\"response\":{"
                + "\"clientDataJSON\":\"\(Base64URL.encode(genuine.clientDataJSON))\","
                + "\"attestationObject\":\"\(Base64URL.encode(genuine.attestationObject))\"}}").utf8)
        #expect(throws: Never.self) { try RegistrationResponse(json: json) }
        for length in 0..<json.count {
            #expect(throws: WebAuthnFailure.self) { try RegistrationResponse(json: Array(json.prefix(length))) }
        }
    }

    @Test func everyTruncationOfAssertionAuthenticatorDataIsRefused() {
        let scenario = AssertionScenario()
        let genuine = scenario.response
        for length in 0..<genuine.authenticatorData.count {
            var damaged = genuine
            damaged.authenticatorData = Array(genuine.authenticatorData.prefix(length))
            #expect(
                AssertionVerifier.verify(damaged, credential: scenario.stored, expecting: scenario.expectation)
                    .failureReason != nil)
        }
    }
}

/// SplitMix64: a small seeded generator, so the damaged inputs repeat from run to run.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
