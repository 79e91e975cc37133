import Foundation
import TapCrypto

/// `android-safetynet` (§8.5), legacy: Google's SafetyNet API (retired) signed a JWS whose nonce binds this
/// ceremony. Off by default; the admin tool enables it to explain old registrations. The chain to GlobalSign Root
/// CA is checked by the trust step.
enum AndroidSafetyNetAttestation {
    /// How far in the past the attestation may have been made, and how far in the future (clock skew).
    static let maximumAge: TimeInterval = 60
    static let maximumSkew: TimeInterval = 10

    static func verify(_ input: AttestationInput, now: Date) throws(WebAuthnFailure) -> StatementResult {
        func malformed(_ detail: String) -> WebAuthnFailure {
            WebAuthnFailure(.attestationStatementMalformed, "android-safetynet: \(detail)")
        }
        let statement = input.statement
        try statement.requireOnly(["ver", "response"], format: .androidSafetyNet)
        guard let version = statement[text: "ver"]?.textString, !version.isEmpty else {
            throw malformed("ver missing or empty")
        }
        let response = try statement.requiredBytes("response", format: .androidSafetyNet)

        // JWS compact serialisation: base64url(header) . base64url(payload) . base64url(signature).
        let parts = response.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Base64URL.decode(String(decoding: parts[0], as: UTF8.self)),
            let payloadBytes = Base64URL.decode(String(decoding: parts[1], as: UTF8.self)),
            let signature = Base64URL.decode(String(decoding: parts[2], as: UTF8.self))
        else {
            throw malformed("response is not a compact JWS")
        }
        let header: JSONValue, payload: JSONValue
        do {
            header = try StrictJSON.parse(headerBytes)
            payload = try StrictJSON.parse(payloadBytes)
        } catch {
            throw malformed("JWS JSON: \(error.message)")
        }
        guard header["alg"]?.stringValue == "RS256" else { throw malformed("JWS alg is not RS256") }
        guard let chain = header["x5c"]?.arrayValue, !chain.isEmpty else { throw malformed("JWS x5c missing") }
        var certificates: [Certificate] = []
        for item in chain {
            guard let text = item.stringValue, let der = Data(base64Encoded: text) else {
                throw malformed("x5c entry is not base64")
            }
            do {
                certificates.append(try Certificate(derEncoded: Array(der)))
            } catch {
                throw WebAuthnFailure(.certificateMalformed, "android-safetynet: \(error)")
            }
        }
        let leaf = certificates[0]
        let signedPart = Array(response[..<(parts[1].endIndex)])
        guard
            try leaf.attestationKey(format: .androidSafetyNet)
                .isValidSignature(signature, over: signedPart, algorithm: .rsaPKCS1SHA256)
        else {
            throw WebAuthnFailure(.signatureInvalid, "android-safetynet: JWS signature does not verify with the leaf")
        }
        guard leaf.subjectValues(NameAttribute.commonName) == ["attest.android.com"] else {
            throw WebAuthnFailure(.certificateProfileInvalid, "android-safetynet: leaf is not for attest.android.com")
        }
        let expectedNonce = Data(HashFunction.sha256.hash(input.signedData)).base64EncodedString()
        guard let nonce = payload["nonce"]?.stringValue,
            Crypto.constantTimeEqual(Array(nonce.utf8), Array(expectedNonce.utf8))
        else {
            throw WebAuthnFailure(.nonceMismatch, "android-safetynet: nonce is not base64(SHA-256(authData ‖ hash))")
        }
        guard payload["ctsProfileMatch"]?.boolValue == true, payload["basicIntegrity"]?.boolValue == true else {
            throw WebAuthnFailure(
                .safetyNetIntegrityFailed, "android-safetynet: device failed ctsProfileMatch or basicIntegrity")
        }
        guard case .number(let milliseconds)? = payload["timestampMs"] else { throw malformed("timestampMs missing") }
        let age = now.timeIntervalSince(Date(timeIntervalSince1970: milliseconds / 1000))
        guard age <= maximumAge, age >= -maximumSkew else {
            throw WebAuthnFailure(
                .safetyNetTimestampInvalid, "android-safetynet: attestation made \(Int(age)) s before verification")
        }
        return StatementResult(type: .basic, certificates: certificates)
    }
}
