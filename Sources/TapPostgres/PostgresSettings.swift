import Foundation
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL store is and how to reach it, read from `TAPSTATION_DATABASE_URL`
/// (`postgres://USER@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=…&host=SOCKET_DIRECTORY&pool=N]`) and a
/// password file. A password inside the URL is refused: URLs end up in logs, shell history and process lists.
public struct PostgresSettings: Sendable, Equatable {
    /// How the connection is protected.
    public enum TLSMode: Sendable, Equatable {
        /// Plain TCP: only for loopback or a Unix socket.
        case disable
        /// Encrypted, the server's certificate not checked (a network you trust against active attackers).
        case require
        /// Encrypted, the certificate checked against the system's roots or `rootCertificatePath`, and its name.
        case verifyFull(rootCertificatePath: String?)
    }

    public var host: String
    public var port: Int
    /// A directory holding the server's Unix socket (`host=/var/run/postgresql`), used instead of TCP.
    public var socketDirectory: String?
    public var database: String
    public var username: String
    public var password: String?
    public var tls: TLSMode
    /// Connections this instance opens at most.
    public var maximumConnections: Int

    /// Reads `url` and the password in `passwordFile` (its first line), refusing anything it cannot use.
    public static func parse(url text: String, passwordFile: String?) throws(PostgresSettingsError) -> PostgresSettings
    {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw PostgresSettingsError("TAPSTATION_DATABASE_URL must be postgres://USER@HOST[:PORT]/DATABASE")
        }
        guard url.password == nil else {
            throw PostgresSettingsError(
                "TAPSTATION_DATABASE_URL holds a password; put it in a file named by TAPSTATION_DATABASE_PASSWORD_FILE")
        }
        guard let username = url.user, !username.isEmpty else {
            throw PostgresSettingsError("TAPSTATION_DATABASE_URL names no user (postgres://USER@HOST/DATABASE)")
        }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresSettingsError("TAPSTATION_DATABASE_URL names no database (postgres://USER@HOST/DATABASE)")
        }
        var parameters: [String: String] = [:]
        for item in url.queryItems ?? [] {
            guard ["sslmode", "sslrootcert", "host", "pool"].contains(item.name), let value = item.value else {
                throw PostgresSettingsError(
                    "TAPSTATION_DATABASE_URL: \(item.name) is not a setting here (sslmode, sslrootcert, host, pool)")
            }
            parameters[item.name] = value
        }
        let socketDirectory = parameters["host"]
        let host = url.host ?? ""
        guard !host.isEmpty || socketDirectory != nil else {
            throw PostgresSettingsError("TAPSTATION_DATABASE_URL names no host (or ?host=SOCKET_DIRECTORY)")
        }
        let local = socketDirectory != nil || ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host)
        let tls: TLSMode
        switch parameters["sslmode"] {
        case nil: tls = local ? .disable : .verifyFull(rootCertificatePath: parameters["sslrootcert"])
        case "disable":
            guard local else {
                throw PostgresSettingsError(
                    "TAPSTATION_DATABASE_URL: sslmode=disable only for loopback or a Unix socket; use require or verify-full"
                )
            }
            tls = .disable
        case "require": tls = .require
        case "verify-full": tls = .verifyFull(rootCertificatePath: parameters["sslrootcert"])
        case let other?:
            throw PostgresSettingsError(
                "TAPSTATION_DATABASE_URL: sslmode must be disable, require or verify-full, not \(other)")
        }
        var maximumConnections = 20
        if let text = parameters["pool"] {
            guard let value = Int(text), (1...500).contains(value) else {
                throw PostgresSettingsError("TAPSTATION_DATABASE_URL: pool must be a whole number from 1 to 500")
            }
            maximumConnections = value
        }
        var password: String?
        if let passwordFile {
            guard let contents = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw PostgresSettingsError("TAPSTATION_DATABASE_PASSWORD_FILE: \(passwordFile) cannot be read")
            }
            password = contents.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        }
        return PostgresSettings(
            host: host, port: url.port ?? 5432, socketDirectory: socketDirectory, database: database,
            username: username, password: password, tls: tls, maximumConnections: maximumConnections)
    }

    /// The URL without anything secret, for logs.
    public var description: String {
        let place = socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host):\(port)"
        return "postgres://\(username)@\(place)/\(database)"
    }

    /// The client configuration postgres-nio connects with.
    public func clientConfiguration() throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password,
                database: database)
        } else {
            let mode: PostgresClient.Configuration.TLS
            switch tls {
            case .disable: mode = .disable
            case .require:
                var context = TLSConfiguration.makeClientConfiguration()
                context.certificateVerification = .none
                mode = .require(context)
            case .verifyFull(let rootCertificatePath):
                var context = TLSConfiguration.makeClientConfiguration()
                context.certificateVerification = .fullVerification
                if let rootCertificatePath { context.trustRoots = .file(rootCertificatePath) }
                mode = .require(context)
            }
            configuration = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: mode)
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = [("application_name", "tapstation")]
        return configuration
    }
}

/// A database URL or password file that cannot be used, in words that name the setting.
public struct PostgresSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
