import Foundation
import TapTestSupport
import Testing

@testable import TapPostgres

/// `TAPSTATION_DATABASE_URL` and its password file: what is accepted, and a clear refusal for the rest.
@Suite("PostgreSQL settings")
struct PostgresSettingsTests {
    @Test func aURLWithItsPasswordFileIsRead() throws {
        let directory = temporaryDirectory("pg-settings")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("password").path
        try "s3cret\n".write(toFile: file, atomically: true, encoding: .utf8)
        let remote = try PostgresSettings.parse(
            url: "postgres://tapstation@db.contoso.example:6432/enrollment?sslrootcert=/etc/ssl/db.pem&pool=40",
            passwordFile: file)
        #expect(remote.host == "db.contoso.example" && remote.port == 6432 && remote.database == "enrollment")
        #expect(remote.username == "tapstation" && remote.password == "s3cret" && remote.maximumConnections == 40)
        #expect(remote.tls == .verifyFull(rootCertificatePath: "/etc/ssl/db.pem"))
        #expect(remote.description == "postgres://tapstation@db.contoso.example:6432/enrollment")
        let local = try PostgresSettings.parse(url: "postgresql://tapstation@127.0.0.1/tapstation", passwordFile: nil)
        #expect(local.tls == .disable && local.port == 5432)
        let socket = try PostgresSettings.parse(
            url: "postgres://tapstation@/tapstation?host=/var/run/postgresql", passwordFile: nil)
        #expect(socket.socketDirectory == "/var/run/postgresql" && socket.tls == .disable)
        let required = try PostgresSettings.parse(url: "postgres://t@db.example/t?sslmode=require", passwordFile: nil)
        #expect(required.tls == .require)
    }

    @Test(arguments: [
        ("mysql://tapstation@db/t", "must be postgres://"),
        ("postgres://tapstation:hunter2@db/t", "holds a password"),
        ("postgres://db.example/t", "names no user"),
        ("postgres://tapstation@db.example/", "names no database"),
        ("postgres://tapstation@db.example/t?sslmode=prefer", "sslmode must be"),
        ("postgres://tapstation@db.example/t?sslmode=disable", "only for loopback"),
        ("postgres://tapstation@db.example/t?timeout=3", "is not a setting here"),
        ("postgres://tapstation@db.example/t?pool=0", "pool must be"),
    ])
    func whatCannotBeUsedIsRefusedWithTheReason(_ url: String, _ words: String) {
        #expect {
            _ = try PostgresSettings.parse(url: url, passwordFile: nil)
        } throws: { error in
            (error as? PostgresSettingsError)?.description.contains(words) == true
        }
    }

    @Test func anUnreadablePasswordFileIsRefused() {
        #expect(throws: PostgresSettingsError.self) {
            _ = try PostgresSettings.parse(url: "postgres://t@127.0.0.1/t", passwordFile: "/nonexistent/password")
        }
    }
}
