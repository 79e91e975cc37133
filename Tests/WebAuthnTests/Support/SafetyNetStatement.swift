import Foundation
import TapCrypto
import TapTestSupport

@testable import WebAuthn

/// Builds android-safetynet statements: a JWS signed by a leaf for attest.android.com under the test PKI.
struct SafetyNetStatement {
    static let leafKey = TestKey.rsaOther
    var commonName = "attest.android.com"
    var algorithm = "RS256"
    var ctsProfileMatch = true
    var timestamp = FixedTime.now.addingTimeInterval(-5)
    var nonce: ((CeremonyContext) -> String)?
    var signer: TestKey = SafetyNetStatement.leafKey
    var version = "14366018"

    var builder: (CeremonyContext) -> [(CBOR, CBOR)] {
        { context in
            let leaf = CertificateSpec(subject: [("C", "US"), ("O", "Google LLC"), ("CN", commonName)])
                .issue(for: Self.leafKey, by: (TestPKI.intermediate, TestPKI.intermediateKey))
            let header =
                "{\"alg\":\"\(algorithm)\",\"x5c\":[\"\(Data(leaf).base64EncodedString())\","
                + "\"\(Data(TestPKI.intermediate).base64EncodedString())\"]}"
            let expectedNonce = Data(HashFunction.sha256.hash(context.signedData)).base64EncodedString()
            let payload =
                "{\"nonce\":\"\(nonce?(context) ?? expectedNonce)\",\"timestampMs\":\(Int(timestamp.timeIntervalSince1970 * 1000)),"
                + "\"apkPackageName\":\"com.google.android.gms\",\"ctsProfileMatch\":\(ctsProfileMatch),\"basicIntegrity\":true}"
            let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
            let signature = signer.sign(Array(signingInput.utf8), as: .rsaPKCS1SHA256)
            let jws = signingInput + "." + Base64URL.encode(signature)
            return [(.text("ver"), .text(version)), (.text("response"), .bytes(Array(jws.utf8)))]
        }
    }
}
