import Foundation

/// A registration and an assertion recorded from a real browser (see record-chromium.py and README.md here).
struct ChromiumVector {
    let name: String
    /// `ctap2` or `u2f`: the DevTools virtual authenticator's protocol.
    let authenticatorProtocol: String
    let origin: String
    let userVerificationRequired: Bool
    let registrationChallenge: [UInt8]
    let assertionChallenge: [UInt8]
    /// When it was recorded: certificate validity is judged at this time, as the service would have.
    let recordedAt: Date
    /// The creation options the page parsed with `parseCreationOptionsFromJSON`.
    let creationOptionsJSON: String
    /// `PublicKeyCredential.toJSON()` of the registration, exactly as the browser produced it.
    let registrationJSON: String
    /// The request options the page parsed with `parseRequestOptionsFromJSON`.
    let requestOptionsJSON: String
    /// `PublicKeyCredential.toJSON()` of the assertion made right after with the same credential.
    let assertionJSON: String
}
