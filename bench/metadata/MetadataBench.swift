// FIDO metadata costs, release build, one core (bench/README.md):
//   1. importing a BLOB the size of FIDO's (about 5 MB, 3,000 entries): verifying it (JSON, x5c chain, RS256
//      signature, every entry) and building the catalog and each model's anchors;
//   2. what the metadata adds to one key registration: the verifier with each model's roots scoped to its
//      AAGUID and the passkey-profile judge with its catalog lookup, against the verifier alone.
//
//     swift run -c release mds-bench [seconds-per-case]      (bench/mds-run writes bench/results/)
import FIDOMetadata
import Foundation
import TapCore
import TapCrypto
import TapTestSupport
import WebAuthn

@main
struct MetadataBench {
    static func main() throws {
        let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2
        let now = FixedTime.now
        // Entries as FIDO's carry them, with an icon (a data URL of some 400 characters, as many real entries have).
        let icon = "data:image/png;base64," + Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37) })
            .base64EncodedString()
        let entries = (0..<3000).map { index -> [String: Any] in
            var entry = TestMetadataBLOB.entry(index)
            var statement = entry["metadataStatement"] as! [String: Any]
            statement["icon"] = icon
            entry["metadataStatement"] = statement
            return entry
        }
        let bytes = TestMetadataBLOB.blob(TestMetadataBLOB.payload(no: 42, entries: entries))
        let roots = [try Certificate(derEncoded: TestMetadataBLOB.root)]
        print(String(format: "BLOB: %.1f MB, %d entries", Double(bytes.count) / 1_048_576, entries.count))

        var blob: MetadataBLOB?
        let verify = measure(seconds, minimum: 3) {
            blob = try! MetadataVerifier.verify(bytes, roots: roots, lastNumber: nil, now: now)
        }
        report("import: verify the BLOB", verify)
        var anchors = TrustAnchors.wellKnown
        var catalog: MetadataCatalog?
        let install = measure(seconds, minimum: 3) {
            catalog = MetadataCatalog(blob!)
            anchors = blob!.addingModelRoots(to: TrustAnchors.wellKnown)
        }
        report("import: build the catalog and model anchors", install)

        // One packed registration of test model 2, its chain ending at the model's root.
        let authenticator = SoftAuthenticator()
        authenticator.aaguid = TestMetadataBLOB.aaguidBytes(TestMetadataBLOB.aaguid(2))
        authenticator.attestation = TestMetadataBLOB.attestation(aaguid: TestMetadataBLOB.aaguid(2))
        let challenge = Array(repeating: UInt8(7), count: 32)
        let json = Array(authenticator.registration(challenge: SoftAuthenticator.base64URL(challenge)).utf8)
        let relyingParty = RelyingParty(id: "localhost", origins: ["http://localhost:8080"])
        func expectation(_ anchors: TrustAnchors) -> RegistrationExpectation {
            RegistrationExpectation(
                challenge: challenge, relyingParty: relyingParty, requireUserVerification: true,
                allowedAlgorithms: COSEAlgorithm.recommended, policy: AttestationPolicy(anchors: anchors), now: now)
        }
        let withoutMetadata = expectation(TrustAnchors.wellKnown)
        let withMetadata = expectation(anchors)
        let profile = PasskeyProfile(attestationRequired: true, minimumCertificationLevel: .l2).effective
        let plain = measure(seconds) {
            let response = try! RegistrationResponse(json: json)
            guard case .success = RegistrationVerifier.verify(response, expecting: withoutMetadata) else { fatalError() }
        }
        let judged = measure(seconds) {
            let response = try! RegistrationResponse(json: json)
            guard case .success(let credential) = RegistrationVerifier.verify(response, expecting: withMetadata),
                case .anchored = credential.attestation.trust
            else { fatalError("the model's root was not reached") }
            try! PasskeyJudge.judge(
                PasskeyJudge.Candidate(credential), profile: profile, metadata: catalog, now: now)
        }
        report("registration, verifier alone (unanchored)", plain)
        report("registration, model roots + profile judge", judged)
        let judgeOnly = measure(seconds) {
            try! PasskeyJudge.judge(
                PasskeyJudge.Candidate(aaguid: TestMetadataBLOB.aaguid(2), modelProven: true, backupEligible: false),
                profile: profile, metadata: catalog, now: now)
        }
        report("profile judge with the catalog lookup alone", judgeOnly)
        print(
            String(
                format: "judge and lookup: %.2f%% of the verifier's time for this registration",
                100 * (1 / judgeOnly) / (1 / plain)))
    }

    /// Runs `body` for `seconds` (at least `minimum` times) and answers runs per second.
    static func measure(_ seconds: Double, minimum: Int = 1, _ body: () -> Void) -> Double {
        body()  // warm up
        let start = ContinuousClock.now
        var runs = 0
        while runs < minimum || (ContinuousClock.now - start) < .seconds(seconds) {
            body()
            runs += 1
        }
        let elapsed = ContinuousClock.now - start
        return Double(runs) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static func report(_ name: String, _ perSecond: Double) {
        let each = 1 / perSecond
        let text = each >= 0.001 ? String(format: "%10.1f ms", each * 1000) : String(format: "%10.1f µs", each * 1e6)
        print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%12.1f/s", perSecond) + text)
    }
}
