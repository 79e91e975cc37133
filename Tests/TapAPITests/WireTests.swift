import Foundation
import TapAPI
import TapCore
import TapTestSupport
import Testing

@Suite("Wire format")
struct WireTests {
    @Test func timesAreWholeSecondRFC3339UTC() throws {
        let date = Date(timeIntervalSince1970: 1_795_687_200.75)
        #expect(WireJSON.formatTime(date) == "2026-11-26T10:00:00Z")
        #expect(WireJSON.parseTime("2026-11-26T10:00:00Z") == Date(timeIntervalSince1970: 1_795_687_200))
        #expect(WireJSON.parseTime("2026-11-26T12:00:00+02:00") == Date(timeIntervalSince1970: 1_795_687_200))
        #expect(WireJSON.parseTime("2026-11-26T10:00:00.500Z") == Date(timeIntervalSince1970: 1_795_687_200.5))
        #expect(WireJSON.parseTime("26/11/2026") == nil)
    }

    @Test func createRequestDecodesTheContractExample() throws {
        let body = """
            {"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example",
             "device": {"serialNumber": "C02XK1ZZJG5H", "platform": "ipados", "model": "iPad (10th gen)", "assetTag": "A-1042"},
             "reason": "new starter, ticket INC-20417",
             "proofing": {"method": "inPerson", "checkedBy": "tech@contoso.example", "reference": "passport, last digits 4821"},
             "pass": {"preset": "apple-ade", "lifetimeInMinutes": 60, "maxUses": 2, "startDateTime": "2026-12-01T08:00:00Z"}}
            """
        let request = try WireJSON.decoder().decode(CreateSessionRequest.self, from: Data(body.utf8))
        #expect(request.device?.serialNumber.value == "C02XK1ZZJG5H")
        #expect(request.pass?.maxUses == 2)
        #expect(request.proofing?.method == .inPerson)
    }

    @Test(arguments: [
        #"{"scenario": "other", "userPrincipalName": "ada@contoso.example"}"#,
        #"{"scenario": "fido2Registration", "userPrincipalName": "not a name"}"#,
        #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", "device": {"serialNumber": "AB CD", "platform": "ios"}}"#,
        #"{"scenario": "deviceEnrollment", "userPrincipalName": "ada@contoso.example", "device": {"serialNumber": "ABCD", "platform": "beos"}}"#,
        #"{"scenario": "deviceEnrollment", "userPrincipalName": 12}"#,
    ])
    func badCreateRequestsDoNotDecode(_ body: String) {
        #expect(throws: DecodingError.self) {
            try WireJSON.decoder().decode(CreateSessionRequest.self, from: Data(body.utf8))
        }
    }

    @Test func passValueAppearsOnlyWhenGiven() throws {
        let now = Date(timeIntervalSince1970: 1_795_687_200)
        let terms = PassTerms(startsAt: now, expiresAt: now.addingTimeInterval(3600), maxUses: 2)
        let code = PassCode.parse("K7QM3XRPHV9T")!
        let shown = String(
            decoding: try WireJSON.encoder().encode(PassView(terms, now: now, value: code)), as: UTF8.self)
        let hidden = String(decoding: try WireJSON.encoder().encode(PassView(terms, now: now)), as: UTF8.self)
        #expect(shown.contains("K7QM-3XRP-HV9T"))
        #expect(!hidden.contains("temporaryAccessPass"))
        #expect(hidden.contains(#""methodUsabilityReason":"EnabledByPolicy""#))
        #expect(hidden.contains(#""isUsableOnce":false"#))
    }

    @Test func problemCarriesAStableTypeAndCode() throws {
        let problem = Problem(status: 401, code: "invalid_pass", title: "Unauthorized", detail: "no")
        let json = String(decoding: try WireJSON.encoder().encode(problem), as: UTF8.self)
        #expect(json.contains(#""code":"invalid_pass""#))
        #expect(json.contains(#""type":"urn:tapstation:problem:invalid_pass""#))
    }
}
