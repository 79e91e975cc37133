import Foundation
import TapCore
import TapStorage
import TapTestSupport
import Testing

@testable import TapAdmin

/// `tapstation mds import` puts a verified BLOB in force; every refusal is audited and leaves it in force.
@Suite("tapstation mds")
struct MetadataCommandTests {
    /// Writes `bytes` to `name` in `directory`; answers the path.
    static func write(_ name: String, _ bytes: [UInt8], in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func anImportedBLOBIsInForceAndRefusedOnesChangeNothing() async throws {
        let directory = temporaryDirectory("mds")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.path
        let write = { (name: String, bytes: [UInt8]) in try Self.write(name, bytes, in: directory) }
        let root = try write("root.pem", Array(TestMetadataBLOB.rootPEM.utf8))
        let entries = (0..<50).map(TestMetadataBLOB.entry)
        let current = try write(
            "blob-42.jwt",
            TestMetadataBLOB.blob(TestMetadataBLOB.payload(no: 42, nextUpdate: "2046-01-01", entries: entries)))
        let older = try write(
            "blob-41.jwt",
            TestMetadataBLOB.blob(TestMetadataBLOB.payload(no: 41, nextUpdate: "2046-01-01", entries: entries)))
        let truncated = try write("cut.jwt", Array(try Data(contentsOf: URL(fileURLWithPath: current)).prefix(500)))
        func mds(_ arguments: String...) async -> Int32 {
            await TapStationCommand.runMain(arguments: ["mds"] + arguments + ["--data-dir", data])
        }

        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", data]) == 0)
        #expect(await mds("status") == 1)
        #expect(await mds("import", current, "--trust-root", root) == 0)
        #expect(await mds("status") == 0)
        #expect(await mds("import", current, "--trust-root", root) == 1)  // the same no again
        #expect(await mds("import", older, "--trust-root", root) == 1)
        #expect(await mds("import", truncated, "--trust-root", root) == 1)
        #expect(await mds("import", current) == 1)  // FIDO's own root does not sign test BLOBs
        #expect(await mds("import", directory.appendingPathComponent("missing.jwt").path) == 2)

        let (store, _) = try DataDirectory(path: data).openStore(mode: .existing)
        let stored = try #require(try await store.acceptedMetadata())
        #expect(stored.summary.number == 42 && stored.summary.entries == 50)
        let refused = try await store.auditEvents(
            sessionID: nil, site: nil, since: nil, until: nil, type: .metadataRefused, after: nil, limit: 10)
        let reasons = refused.map { event in
            (try? JSONDecoder().decode([String: JSONValue].self, from: Data(event.data.utf8)))?["reason"]
        }
        #expect(
            Set(reasons.compactMap { if case .string(let text)? = $0 { text } else { nil } })
                == ["not_newer", "malformed", "untrusted_chain"])
        #expect(refused.count == 4)
        let imported = try await store.auditEvents(
            sessionID: nil, site: nil, since: nil, until: nil, type: .metadataImported, after: nil, limit: 10)
        #expect(imported.count == 1)
        #expect(await TapStationCommand.runMain(arguments: ["audit", "verify", "--data-dir", data]) == 0)
    }

    @Test func aBLOBWhoseSignerIsOnItsCAsRevocationListIsRefused() async throws {
        let directory = temporaryDirectory("mds-crl")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.path
        let write = { (name: String, bytes: [UInt8]) in try Self.write(name, bytes, in: directory) }
        let root = try write("root.pem", Array(TestMetadataBLOB.rootPEM.utf8))
        let blob = try write(
            "blob.jwt",
            TestMetadataBLOB.blob(
                TestMetadataBLOB.payload(no: 7, nextUpdate: "2046-01-01", entries: [TestMetadataBLOB.entry(1)])))
        // Lists valid around the real clock: the command judges with it.
        let issuer = (TestMetadataBLOB.root, TestMetadataBLOB.rootKey)
        let revoking = try write(
            "root.crl", testRevocationList(issuer: issuer, revoked: [TestMetadataBLOB.signer], thisUpdate: Date()))
        let clean = try write("clean.crl", testRevocationList(issuer: issuer, revoked: [], thisUpdate: Date()))
        let garbage = try write("garbage.crl", Array("not a list".utf8))
        func mds(_ arguments: String...) async -> Int32 {
            await TapStationCommand.runMain(arguments: ["mds"] + arguments + ["--data-dir", data])
        }
        #expect(await TapStationCommand.runMain(arguments: ["migrate", "--data-dir", data]) == 0)
        #expect(await mds("import", blob, "--trust-root", root, "--crl", garbage) == 2)
        #expect(await mds("import", blob, "--trust-root", root, "--crl", revoking) == 1)
        #expect(await mds("import", blob, "--trust-root", root, "--crl", clean) == 0)
        #expect(await mds("flagged") == 0)

        let (store, _) = try DataDirectory(path: data).openStore(mode: .existing)
        let refused = try await store.auditEvents(
            sessionID: nil, site: nil, since: nil, until: nil, type: .metadataRefused, after: nil, limit: 10)
        #expect(refused.count == 1 && refused.first?.data.contains("certificate_revoked") == true)
        #expect(try await store.metadataInForce()?.summary.number == 7)
    }
}
