import Foundation
import TapAPI
import TapCore
import Testing

/// The hand-written JSON of sessions must be exactly what the Codable encoder makes of them: clients
/// and the idempotency store see only the bytes, and either path may answer.
@Suite("Hand-written session JSON")
struct JSONWriterTests {
    static let time = Date(timeIntervalSince1970: 1_795_687_200)

    static func session(reason: String?, everything: Bool) -> Session {
        let device = Device(
            id: DeviceID("0193a000-0000-7000-8000-000000000002")!, serialNumber: SerialNumber("C02XK1ZZJG5H")!,
            platform: .ipados,
            model: everything ? "iPad \"10th\" gen" : nil, assetTag: everything ? "A-1042" : nil, site: SiteName("hq")!,
            enrollmentState: .enrolling, mdmDeviceID: everything ? "mdm/42" : nil, lastSeenAt: everything ? time : nil,
            createdAt: time)
        var session = Session(
            id: SessionID("0193a000-0000-7000-8000-000000000001")!, scenario: .deviceEnrollment, storedState: .active,
            site: SiteName("hq")!, userPrincipalName: UserPrincipalName("ada@contoso.example")!,
            device: everything ? device : nil,
            createdBy: OperatorID("0193a000-0000-7000-8000-000000000003")!, reason: reason,
            proofing: everything
                ? Proofing(method: .inPerson, checkedBy: "tech@contoso.example", reference: "passport 4821") : nil,
            createdAt: time, updatedAt: time.addingTimeInterval(1.5), completionDeadline: time.addingTimeInterval(3600),
            firstUsedAt: everything ? time.addingTimeInterval(60) : nil,
            closedAt: everything ? time.addingTimeInterval(120) : nil,
            pass: PassTerms(startsAt: time, expiresAt: time.addingTimeInterval(3600), maxUses: 2, uses: 1))
        if everything {
            session.approval = Approval(
                deadline: time.addingTimeInterval(900), decision: .approved,
                decidedBy: OperatorID("0193a000-0000-7000-8000-000000000004")!,
                decidedAt: time.addingTimeInterval(30), approverProofing: Proofing(method: .callback), reason: "ok")
            session.isPrivilegedSubject = true
            session.entra = EntraPassStatus(
                methodID: "m-1", provisioning: .issued, revocation: .pending, isUsableOnce: false)
        }
        return session
    }

    static func codable<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try WireJSON.encoder().encode(value), as: UTF8.self)
    }

    static func handWritten<T: JSONWritable>(_ value: T) throws -> String {
        String(decoding: try value.jsonBytes(), as: UTF8.self)
    }

    @Test(arguments: [
        nil, "new starter, ticket INC-20417", "quotes \" and \\ backslash / slash",
        "tab\tnew\nline\r\u{08}\u{0C}\u{01}\u{1F}\u{7F}",
        "é ü 日本 🙂 \u{2028}\u{2029}", "",
    ])
    func aSessionIsWrittenAsCodableWritesIt(reason: String?) throws {
        for everything in [false, true] {
            let view = SessionView(
                Self.session(reason: reason, everything: everything), now: Self.time.addingTimeInterval(10))
            #expect(try Self.handWritten(view) == Self.codable(view))
        }
    }

    @Test func aMintingAnswerCarriesThePassValueTheSameWay() throws {
        let value = PassCode.generate(length: 12) { count in [UInt8](repeating: 7, count: count) }
        var view = SessionView(Self.session(reason: nil, everything: false), now: Self.time, passValue: value)
        #expect(view.pass?.temporaryAccessPass != nil)
        #expect(try Self.handWritten(view) == Self.codable(view))
        view.pass?.authority = .entra
        #expect(try Self.handWritten(view) == Self.codable(view))
    }

    @Test func pagesWithAndWithoutACursorAndEmpty() throws {
        let views = [false, true].map { SessionView(Self.session(reason: "r", everything: $0), now: Self.time) }
        for page in [
            SessionList(items: views, nextCursor: "0193a000-0000-7000-8000-000000000001"),
            SessionList(items: views, nextCursor: nil),
            SessionList(items: [], nextCursor: nil),
        ] {
            #expect(try Self.handWritten(page) == Self.codable(page))
        }
        let devices = DeviceList(items: views.compactMap(\.device), nextCursor: nil)
        #expect(try Self.handWritten(devices) == Self.codable(devices))
    }

    @Test func aRedeemAnswerWithAndWithoutADevice() throws {
        for everything in [false, true] {
            let session = RedeemedSession(Self.session(reason: nil, everything: everything), now: Self.time)
            let answer = RedeemResponse(
                sessionToken: "tss_abc\"def", sessionExpirationDateTime: Self.time, session: session)
            #expect(try Self.handWritten(answer) == Self.codable(answer))
        }
    }

    /// Times go out in whole seconds, so the round trip is compared as bytes, not as views.
    @Test func theOutputDecodesAndWritesBackTheSame() throws {
        let view = SessionView(Self.session(reason: "tab\there \"quoted\"", everything: true), now: Self.time)
        let bytes = try view.jsonBytes()
        let decoded = try WireJSON.decoder().decode(SessionView.self, from: Data(bytes))
        #expect(try decoded.jsonBytes() == bytes)
        #expect(decoded.reason == view.reason && decoded.device == view.device && decoded.approval == view.approval)
    }
}
