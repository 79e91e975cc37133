import Foundation
import TapCore
import TapCrypto
import TapTestSupport
import Testing
import WebAuthn

@testable import FIDOMetadata

/// The judge alone: a claim may refuse a key but never admit one, and its refusals say what the model holds.
@Suite("Passkey judge")
struct PasskeyJudgeTests {
    static let catalog = MetadataCatalog(
        try! MetadataVerifier.verify(
            TestMetadataBLOB.blob(TestMetadataBLOB.payload(entries: (0..<4).map(TestMetadataBLOB.entry))),
            roots: [try! Certificate(derEncoded: TestMetadataBLOB.root)], lastNumber: nil, now: FixedTime.now))

    static func failure(
        model: Int, proven: Bool, _ profile: PasskeyProfile
    ) -> WebAuthnFailure? {
        do {
            try PasskeyJudge.judge(
                PasskeyJudge.Candidate(
                    aaguid: TestMetadataBLOB.aaguid(model).uppercased(), modelProven: proven, backupEligible: false),
                profile: profile.effective, metadata: catalog, now: FixedTime.now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aLevelRefusalSaysWhatTheModelHolds() throws {
        let refused = try #require(
            Self.failure(model: 1, proven: true, PasskeyProfile(minimumCertificationLevel: .l1plus)))
        #expect(refused.reason == .certificationLevelTooLow)
        #expect(refused.detail.contains("L1+ or higher is required; the model holds L1"), "\(refused.detail)")
        #expect(Self.failure(model: 2, proven: true, PasskeyProfile(minimumCertificationLevel: .l2)) == nil)
    }

    @Test func aClaimMayRefuseAKeyButNeverAdmitsOne() {
        let blocked = PasskeyProfile(blockedAAGUIDs: [TestMetadataBLOB.aaguid(2)])
        #expect(Self.failure(model: 2, proven: false, blocked)?.reason == .aaguidBlocked)
        let allowed = PasskeyProfile(allowedAAGUIDs: [TestMetadataBLOB.aaguid(2)])
        #expect(Self.failure(model: 2, proven: false, allowed)?.reason == .attestationRequired)
        #expect(Self.failure(model: 2, proven: true, allowed) == nil)
        #expect(Self.failure(model: 3, proven: true, allowed)?.reason == .aaguidNotAllowed)
    }
}
