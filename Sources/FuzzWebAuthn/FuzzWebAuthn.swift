// libFuzzer target over the WebAuthn parsers that read attacker bytes: the attestation object (CBOR, authenticator
// data, COSE key, attestation statements, through the whole registration verification) and the client data JSON,
// plus the posted credential JSON. Build and run with scripts/fuzz-webauthn (flags in the team's stack notes).
//
// The first input byte picks the parser; the rest is its input. Nothing may crash, hang or trap; every refusal
// must be a `WebAuthnFailure` (the type system already guarantees that no other error escapes).
import Foundation
import WebAuthn

/// A fixed, valid client data and the expectation it meets, so attestation-object inputs get past step 7.
let clientData = Array(
    #"{"type":"webauthn.create","challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","origin":"http://localhost:8080"}"#
        .utf8)
let expectation = RegistrationExpectation(
    challenge: Array(0..<32), relyingParty: RelyingParty(id: "localhost", origins: ["http://localhost:8080"]),
    requireUserVerification: false, allowedAlgorithms: COSEAlgorithm.allCases,
    policy: AttestationPolicy(enabledFormats: Set(AttestationFormat.allCases)),
    now: Date(timeIntervalSince1970: 1_795_720_372))

/// One input: selector byte, then the parser's bytes.
func fuzzOne(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    let input = Array(bytes.dropFirst())
    switch selector % 5 {
    case 0:
        // The attestation object through every registration step.
        let response = RegistrationResponse(
            id: "AQID", rawID: [1, 2, 3], clientDataJSON: clientData, attestationObject: input)
        _ = RegistrationVerifier.verify(response, expecting: expectation)
        _ = response.unverifiedSummary
    case 1:
        _ = try? CollectedClientData(input)
    case 2:
        _ = try? CBORDecoder.decode(input)
    case 3:
        _ = try? AuthenticatorData(input)
    default:
        // The posted credential JSON, registration and assertion forms.
        if let response = try? RegistrationResponse(json: input) {
            _ = RegistrationVerifier.verify(response, expecting: expectation)
        }
        _ = try? AssertionResponse(json: input)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if !FUZZING
    /// Without libFuzzer (a plain `swift build`): replays the corpus files or directories given as arguments.
    @main
    struct ReplayMain {
        static func main() throws {
            var count = 0
            for path in CommandLine.arguments.dropFirst() {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                let files =
                    isDirectory.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 }
                    : [path]
                for file in files {
                    fuzzOne(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                    count += 1
                }
            }
            print("replayed \(count) inputs")
        }
    }
#endif
