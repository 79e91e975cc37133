// Verifications per second of the WebAuthn verifier, per attestation format and for assertions, over the
// registrations recorded from headless Chromium (bench/webauthn/vectors.json, made from
// Tests/WebAuthnTests/Vectors/ChromiumVectors.swift). One core, release build:
//
//     swift run -c release webauthn-bench [seconds-per-case]      (bench/run-webauthn writes bench/results/)
import Foundation
import WebAuthn

struct Vector: Decodable {
    let name: String
    let origin: String
    let userVerificationRequired: Bool
    let registrationChallenge: [UInt8]
    let assertionChallenge: [UInt8]
    let recordedAt: Double
    let registrationJSON: String
    let assertionJSON: String
}

@main
struct WebAuthnBench {
    static func main() throws {
        let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let vectors = try JSONDecoder().decode(
            [Vector].self, from: Data(contentsOf: here.appendingPathComponent("vectors.json")))
        print("case                              format      verifications/s   µs each")
        for vector in vectors {
            let rp = RelyingParty(id: "localhost", origins: [vector.origin])
            let now = Date(timeIntervalSince1970: vector.recordedAt)
            let registration = try RegistrationResponse(json: Array(vector.registrationJSON.utf8))
            let expectation = RegistrationExpectation(
                challenge: vector.registrationChallenge, relyingParty: rp,
                requireUserVerification: vector.userVerificationRequired,
                allowedAlgorithms: COSEAlgorithm.allCases, policy: AttestationPolicy(), now: now)
            guard case .success(let credential) = RegistrationVerifier.verify(registration, expecting: expectation)
            else {
                fatalError("\(vector.name) does not verify")
            }
            // Parsing the posted JSON is part of what the service does per request, so it is timed too.
            let registrationJSON = Array(vector.registrationJSON.utf8)
            let rate = measure(seconds) {
                let response = try! RegistrationResponse(json: registrationJSON)
                guard case .success = RegistrationVerifier.verify(response, expecting: expectation) else {
                    fatalError()
                }
            }
            report("registration \(vector.name)", credential.attestation.format.rawValue, rate)

            let assertionJSON = Array(vector.assertionJSON.utf8)
            let stored = StoredCredential(credential)
            let assertionExpectation = AssertionExpectation(
                challenge: vector.assertionChallenge, relyingParty: rp,
                requireUserVerification: vector.userVerificationRequired,
                signCountPolicy: .flag)
            let assertionRate = measure(seconds) {
                let response = try! AssertionResponse(json: assertionJSON)
                guard
                    case .success = AssertionVerifier.verify(
                        response, credential: stored, expecting: assertionExpectation)
                else { fatalError() }
            }
            report("assertion \(vector.name)", "-", assertionRate)
        }
    }

    /// Calls per second of `body`, run repeatedly for about `seconds`.
    static func measure(_ seconds: Double, _ body: () -> Void) -> Double {
        for _ in 0..<20 { body() }  // warm-up
        let clock = ContinuousClock()
        var calls = 0
        let start = clock.now
        var elapsed = 0.0
        repeat {
            for _ in 0..<50 { body() }
            calls += 50
            let duration = clock.now - start
            elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        } while elapsed < seconds
        return Double(calls) / elapsed
    }

    static func report(_ name: String, _ format: String, _ rate: Double) {
        let padded = name.padding(toLength: 34, withPad: " ", startingAt: 0)
        let formatColumn = format.padding(toLength: 12, withPad: " ", startingAt: 0)
        print("\(padded)\(formatColumn)\(String(format: "%15.0f", rate))   \(String(format: "%7.1f", 1e6 / rate))")
    }
}
