import Testing

@testable import WebAuthn

@Suite("Creation and request options (Level 3 JSON)")
struct CeremonyOptionsTests {
    private let relyingParty = RelyingParty(id: "example.org", origins: ["https://login.example.org"])

    @Test func creationOptionsCarryWhatTheVerifierWillExpect() throws {
        let options = CreationOptions(
            relyingParty: relyingParty, relyingPartyName: "Contoso", userHandle: [1, 2, 3],
            userName: "ada@contoso.example", userDisplayName: "Ada <Admin>", challenge: Array(0..<32),
            algorithms: [.es256, .edDSA], excludeCredentials: [CredentialDescriptor(id: [9, 9], transports: ["usb"])]
        )
        let parsed = try StrictJSON.parse(options.json.serialized)
        #expect(parsed["rp"]?["id"]?.stringValue == "example.org")
        #expect(parsed["user"]?["id"]?.stringValue == "AQID")
        #expect(parsed["user"]?["displayName"]?.stringValue == "Ada <Admin>")
        #expect(parsed["challenge"]?.stringValue == Base64URL.encode(Array(0..<32)))
        #expect(parsed["pubKeyCredParams"]?.arrayValue?.compactMap { $0["alg"] } == [.number(-7), .number(-8)])
        #expect(parsed["excludeCredentials"]?.arrayValue?.first?["id"]?.stringValue == "CQk")
        #expect(parsed["authenticatorSelection"]?["userVerification"]?.stringValue == "required")
        #expect(parsed["attestation"]?.stringValue == "direct")
        #expect(parsed["timeout"] == .number(300_000))
        // `<` is escaped, so the JSON may be inlined in a page's script.
        #expect(!options.json.serialized.contains(UInt8(ascii: "<")))
    }

    @Test func requestOptionsNameTheAllowedKeys() throws {
        let options = RequestOptions(
            relyingParty: relyingParty, challenge: [7], allowCredentials: [CredentialDescriptor(id: [1])])
        let text = String(decoding: options.json.serialized, as: UTF8.self)
        #expect(
            text == #"{"allowCredentials":[{"id":"AQ","type":"public-key"}],"challenge":"Bw","rpId":"example.org","#
                + #""timeout":300000,"userVerification":"required"}"#)
    }

    @Test func serializationEscapesControlCharactersAndRoundTrips() throws {
        let value = JSONValue.object(["a\"b": .array([.string("line\nbreak\u{01}"), .bool(true), .null, .number(1.5)])])
        #expect(try StrictJSON.parse(value.serialized) == value)
    }
}
