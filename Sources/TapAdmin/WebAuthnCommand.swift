import ArgumentParser
import FIDOMetadata
import Foundation
import TapCrypto
import WebAuthn

/// `tapstation webauthn ...`: tools around the WebAuthn verifier.
struct WebAuthnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webauthn", abstract: "WebAuthn tools.", subcommands: [Verify.self])

    /// `tapstation webauthn verify`: "why was my key refused?" for recorded registrations.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Judge registration cases: JSON lines on standard input, one JSON verdict line per input line, in order.",
            discussion: """
                Each input line: {"rpId", "origins": [...], "challenge": base64url, "response": the registration \
                response JSON as a browser posts it, "requireUserVerification", "allowedAlgorithms": [COSE ids], \
                "trustAnchors": [PEM...], "trustMode": "signatureOnly" | "anchored", "verifyAt": RFC 3339}. \
                Each output line: {"ok", "code", "detail", "fmt", "aaguid", "attestationType"}. The verifier is the \
                service's, with every attestation format enabled; anchors on a line come on top of the shipped roots. \
                A line that cannot be read is answered {"ok": false, "code": "malformed_input"}. With --metadata, \
                chains are judged against the roots of the model their AAGUID claims, and each verdict ends with \
                "model": the model's name in the metadata, or null. Exit code 0 when every line was judged, \
                whatever the verdicts.
                """)

        @Option(help: "A FIDO metadata BLOB file (verified first) whose models judge and name each key.")
        var metadata: String?
        @Option(help: "A PEM file of roots for --metadata instead of FIDO's.")
        var metadataTrustRoot: String?

        func run() throws {
            var models: WebAuthnVerifyTool.Models?
            if let metadata {
                let roots =
                    try metadataTrustRoot.map { try MetadataFeedSettings.readRoots($0, key: "--metadata-trust-root") }
                    ?? MetadataRoots.fido
                guard let data = FileManager.default.contents(atPath: metadata) else {
                    throw ValidationError("--metadata: \(metadata) cannot be read")
                }
                do {
                    models = WebAuthnVerifyTool.Models(
                        try MetadataVerifier.verify(Array(data), roots: roots, lastNumber: nil, now: Date()))
                } catch {
                    throw ValidationError("--metadata: \(metadata) refused (\(error.reason.rawValue)): \(error.detail)")
                }
            }
            while let line = readLine(strippingNewline: true) {
                print(WebAuthnVerifyTool.judge(line, now: Date(), models: models))
            }
        }
    }
}

/// The judgement of one `webauthn verify` line, apart from input and output so tests call it directly.
enum WebAuthnVerifyTool {
    /// The models of a metadata BLOB: their roots by AAGUID, and their names.
    struct Models {
        let anchors: [AAGUID: [Certificate]]
        let catalog: MetadataCatalog

        init(_ blob: MetadataBLOB) {
            anchors = blob.addingModelRoots(to: TrustAnchors()).byAAGUID
            catalog = MetadataCatalog(blob)
        }
    }

    /// The verdict line for one input line, naming the model when `models` are given.
    static func judge(_ line: String, now: Date, models: Models? = nil) -> String {
        verdict(line, now: now, models: models).line(naming: models)
    }

    static func verdict(_ line: String, now: Date, models: Models?) -> Verdict {
        let input: Input
        do {
            input = try Input(line, now: now)
        } catch {
            return Verdict(
                ok: false, code: "malformed_input", detail: error.message, format: nil, aaguid: nil,
                attestationType: nil)
        }
        let response: RegistrationResponse
        do {
            response = try RegistrationResponse(json: input.response)
        } catch {
            return Verdict(
                ok: false, code: error.code, detail: error.detail, format: nil, aaguid: nil, attestationType: nil)
        }
        let policy = AttestationPolicy(
            conveyance: .direct, trustMode: input.trustMode, allowedAAGUIDs: nil,
            enabledFormats: Set(AttestationFormat.allCases),
            anchors: models.map { models in
                var anchors = input.anchors
                anchors.byAAGUID.merge(models.anchors) { $0 + $1 }
                return anchors
            } ?? input.anchors)
        let expectation = RegistrationExpectation(
            challenge: input.challenge, relyingParty: RelyingParty(id: input.rpID, origins: input.origins),
            requireUserVerification: input.requireUserVerification, allowedAlgorithms: input.allowedAlgorithms,
            policy: policy,
            now: input.verifyAt)
        switch RegistrationVerifier.verify(response, expecting: expectation) {
        case .success(let credential):
            return Verdict(
                ok: true, code: nil, detail: nil,
                format: credential.attestation.format.rawValue, aaguid: credential.aaguid.uuidString,
                attestationType: credential.attestation.type.rawValue)
        case .failure(let failure):
            return Verdict(
                ok: false, code: failure.code, detail: failure.detail, format: response.unverifiedSummary.format,
                aaguid: response.unverifiedSummary.aaguid?.uuidString, attestationType: nil)
        }
    }

    struct InputError: Error {
        let message: String
    }

    /// One line, read strictly: every required member present with the right type, nothing unknown.
    struct Input {
        var rpID: String
        var origins: Set<String>
        var challenge: [UInt8]
        var response: [UInt8]
        var requireUserVerification = true
        var allowedAlgorithms = COSEAlgorithm.recommended
        var anchors = TrustAnchors.wellKnown
        var trustMode = AttestationPolicy.TrustMode.signatureOnly
        var verifyAt: Date

        static let members: Set<String> = [
            "rpId", "origins", "challenge", "response", "requireUserVerification", "allowedAlgorithms", "trustAnchors",
            "trustMode", "verifyAt",
        ]

        init(_ line: String, now: Date) throws(InputError) {
            let json: JSONValue
            do { json = try StrictJSON.parse(Array(line.utf8)) } catch {
                throw InputError(message: "not JSON: \(error.message) at byte \(error.offset)")
            }
            guard let object = json.objectValue else { throw InputError(message: "a line must be a JSON object") }
            if let unknown = object.keys.sorted().first(where: { !Self.members.contains($0) }) {
                throw InputError(message: "unknown member \(unknown)")
            }
            guard let rpID = object["rpId"]?.stringValue, !rpID.isEmpty else {
                throw InputError(message: "rpId must be a string")
            }
            self.rpID = rpID
            guard let origins = object["origins"]?.arrayValue, !origins.isEmpty else {
                throw InputError(message: "origins must be a non-empty array of strings")
            }
            var originSet = Set<String>()
            for origin in origins {
                guard let text = origin.stringValue else {
                    throw InputError(message: "origins must be a non-empty array of strings")
                }
                originSet.insert(text)
            }
            self.origins = originSet
            guard let text = object["challenge"]?.stringValue, let challenge = Base64URL.decode(text),
                !challenge.isEmpty
            else {
                throw InputError(message: "challenge must be unpadded base64url")
            }
            self.challenge = challenge
            switch object["response"] {
            case .object?: response = object["response"]!.serialized
            case .string(let text)?: response = Array(text.utf8)
            default: throw InputError(message: "response must be the registration response JSON (an object)")
            }
            if let value = object["requireUserVerification"] {
                guard let flag = value.boolValue else {
                    throw InputError(message: "requireUserVerification must be true or false")
                }
                requireUserVerification = flag
            }
            if let value = object["allowedAlgorithms"] {
                guard let list = value.arrayValue else {
                    throw InputError(message: "allowedAlgorithms must be an array of COSE ids")
                }
                allowedAlgorithms = try list.map { item throws(InputError) in
                    guard case .number(let number) = item, number == number.rounded(), abs(number) < 1e9,
                        let algorithm = COSEAlgorithm(rawValue: Int(number))
                    else { throw InputError(message: "allowedAlgorithms holds an unknown COSE algorithm") }
                    return algorithm
                }
            }
            if let value = object["trustAnchors"] {
                guard let list = value.arrayValue else {
                    throw InputError(message: "trustAnchors must be an array of PEM strings")
                }
                for item in list {
                    guard let pem = item.stringValue else {
                        throw InputError(message: "trustAnchors must be an array of PEM strings")
                    }
                    do { anchors = try anchors.addingGeneral(pem: pem) } catch {
                        throw InputError(message: "a trust anchor is not a PEM certificate")
                    }
                }
            }
            if let value = object["trustMode"] {
                guard let text = value.stringValue, let mode = AttestationPolicy.TrustMode(rawValue: text) else {
                    throw InputError(message: "trustMode must be signatureOnly or anchored")
                }
                trustMode = mode
            }
            verifyAt = now
            if let value = object["verifyAt"] {
                guard let text = value.stringValue, let date = Self.parseTime(text) else {
                    throw InputError(message: "verifyAt must be an RFC 3339 time")
                }
                verifyAt = date
            }
        }

        static func parseTime(_ text: String) -> Date? {
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: false).parse(text) { return date }
            return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
        }
    }

    /// What the verifier said of one line.
    struct Verdict {
        var ok: Bool
        var code: String?
        var detail: String?
        var format: String?
        var aaguid: String?
        var attestationType: String?

        /// `{"ok", "code", "detail", "fmt", "aaguid", "attestationType"}` in that order, absent values `null`;
        /// with `models`, a last `"model"`: the name the metadata gives the AAGUID, or `null`.
        func line(naming models: Models?) -> String {
            var line =
                "{\"ok\":\(ok),\"code\":\(Self.string(code)),\"detail\":\(Self.string(detail)),"
                + "\"fmt\":\(Self.string(format)),\"aaguid\":\(Self.string(aaguid)),"
                + "\"attestationType\":\(Self.string(attestationType))"
            if let models {
                line += ",\"model\":\(Self.string(aaguid.flatMap { models.catalog.model(aaguid: $0)?.name }))"
            }
            return line + "}"
        }

        /// A JSON string, or `null`.
        static func string(_ value: String?) -> String {
            guard let value else { return "null" }
            return String(decoding: JSONValue.string(value).serialized, as: UTF8.self)
        }
    }
}
