// swift-tools-version:6.1
// TapStation: temporary access passes for device enrollment and FIDO2 key registration.
import PackageDescription

/// An HTTP client on NIO: AsyncHTTPClient and the NIO types its requests and responses are made of.
let httpClient: [Target.Dependency] = [.asyncHTTPClient, .nioCore, .nioHTTP1]
/// What a test target needs to serve or drive a Hummingbird application and read what it logged.
let appTesting: [Target.Dependency] = [
    .hummingbirdTesting, .hummingbird, .httpTypes, .nioCore, .nioConcurrencyHelpers, .logging,
]

let package = Package(
    name: "TapStation",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tapstation", targets: ["tapstation"]),
        .executable(name: "tapkiosk", targets: ["tapkiosk"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The kiosk's HTTP client: its response body is an async sequence, so it can follow server-sent events.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        // `GET /metrics` in the Prometheus text format.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // HTTPRequestPart, the parts the request-body deadline handler sees (Hummingbird's own pipeline types).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // HTTPRequest and HTTPResponse, the types Hummingbird's routes speak (declared because TapHTTP imports them).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Tests only: reads openapi.yaml to check it against the router, the access rules and the problem codes.
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        // The PostgreSQL store (issue 25): the wire protocol, a connection pool, LISTEN/NOTIFY.
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        // TLS settings of the PostgreSQL connection (already built for AsyncHTTPClient).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // System OpenSSL 3 (Debian libssl-dev), libcrypto only. Only TapCrypto imports it.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // TapCore for its hex codec: TapCore itself stays free of OpenSSL.
        .target(name: "TapCrypto", dependencies: ["COpenSSL", "TapCore"]),
        .target(name: "TapCore"),
        // Strict WebAuthn registration and assertion verification; crypto only through TapCrypto.
        .target(name: "WebAuthn", dependencies: ["TapCrypto", "TapCore"]),
        .target(name: "TapAPI", dependencies: ["TapCore"]),
        .target(
            name: "TapStorage",
            dependencies: [
                "TapCore", .grdb,
                // SQLite's C API, for the few statements every write runs (see DirectStatement.swift).
                .grdbSQLite,
                // NIOLockedValueBox, the one lock type (docs/decisions.md).
                .nioConcurrencyHelpers,
            ]
        ),
        // Microsoft Graph: the token client, the typed Graph client and the Entra pass authority.
        .target(
            name: "TapGraph",
            dependencies: ["TapCore", "TapCrypto", .logging, .nioConcurrencyHelpers] + httpClient
        ),
        // The FIDO Metadata Service: the BLOB's signature, chain and entries checked; the models it describes.
        .target(name: "FIDOMetadata", dependencies: ["TapCore", "TapCrypto", "WebAuthn"]),
        // Single sign-on for the console: the OpenID provider's discovery, keys and code flow, and the ID token
        // verifier (WebAuthn for its strict JSON and base64url, TapCrypto for the signatures).
        .target(name: "TapOIDC", dependencies: ["TapCore", "TapCrypto", "WebAuthn"] + httpClient),
        .target(
            name: "TapHTTP",
            dependencies: [
                "TapCore", "TapAPI", "TapStorage", "TapCrypto", "WebAuthn", "TapGraph", "TapOIDC", "FIDOMetadata",
                .hummingbird, .hummingbirdCore, .httpTypes, .nioCore, .nioConcurrencyHelpers, .logging,
                .serviceLifecycle,
                // The webhook sender: no redirects, its own timeouts.
                .asyncHTTPClient,
                .prometheus, .nioHTTPTypes,
                // HTTPParserError: a request the parser cannot frame is a 400, not a 500.
                .nioHTTP1,
            ],
            // The API contract, compiled into the binary (no Bundle: the static release build has none).
            resources: [.embedInCode("API/openapi.yaml")]
        ),
        .target(
            name: "TapAdmin",
            // The HTTP client serves the remote commands and `entra check`: URLSession would drag libcurl into the
            // static build.
            dependencies: [
                "TapCore", "TapAPI", "TapStorage", "TapCrypto", "TapHTTP", "TapGraph", "WebAuthn", "TapOIDC",
                "FIDOMetadata", "TapPostgres",
                .argumentParser, .logging, .serviceLifecycle,
            ] + httpClient
        ),
        .executableTarget(name: "tapstation", dependencies: ["TapAdmin", .logging]),
        // The PostgreSQL engine: connection settings, the schema's migrations, and the statement runner and group-commit
        // writer the shared use cases run on (docs/postgres.md).
        .target(
            name: "TapPostgres",
            dependencies: ["TapStorage", "TapCore", .postgresNIO, .nioSSL, .nioCore, .nioConcurrencyHelpers, .logging]),
        // libFuzzer harness over the WebAuthn parsers (scripts/fuzz-webauthn); a plain build replays a corpus.
        .executableTarget(name: "FuzzWebAuthn", dependencies: ["WebAuthn"]),
        // Verifications per second per attestation format (bench/README.md); run it with `-c release`.
        .executableTarget(
            name: "webauthn-bench", dependencies: ["WebAuthn"], path: "bench/webauthn", exclude: ["vectors.json"]),
        // FIDO metadata: importing a BLOB of FIDO's size, and its cost per registration; run it with `-c release`.
        .executableTarget(
            name: "mds-bench", dependencies: ["FIDOMetadata", "WebAuthn", "TapCore", "TapCrypto", "TapTestSupport"],
            path: "bench/metadata"),
        // The store alone on SQLite and on PostgreSQL, creates and redeems per second; run it with `-c release`.
        .executableTarget(
            name: "store-bench",
            dependencies: ["TapStorage", "TapPostgres", "TapCore", "TapTestSupport", .logging], path: "bench/store"),

        // The line-mode kiosk: the flow as a state machine, rendering and the API client; talks HTTP only.
        .target(
            name: "TapKiosk",
            dependencies: ["TapAPI", "TapCore"] + httpClient,
            path: "Kiosk/TapKiosk"
        ),
        .executableTarget(
            name: "tapkiosk",
            dependencies: ["TapKiosk", "TapCore", .argumentParser, .asyncHTTPClient, .nioConcurrencyHelpers],
            path: "Kiosk/tapkiosk"
        ),

        // Fixed clock, seeded randomness, a real keyring, and test keys and certificates made with OpenSSL.
        .target(
            name: "TapTestSupport",
            dependencies: ["TapCore", "TapCrypto", "COpenSSL", .logging, .nioConcurrencyHelpers],
            path: "Tests/TapTestSupport"
        ),
        .testTarget(name: "TapCryptoTests", dependencies: ["TapCrypto", "TapCore", "TapTestSupport"]),
        .testTarget(
            name: "WebAuthnTests",
            dependencies: ["WebAuthn", "TapCrypto", "TapTestSupport"],
            exclude: ["Vectors/record-chromium.py", "Vectors/README.md"]
        ),
        .testTarget(name: "TapCoreTests", dependencies: ["TapCore", "TapTestSupport"]),
        .testTarget(
            name: "FIDOMetadataTests",
            dependencies: ["FIDOMetadata", "TapCore", "TapCrypto", "WebAuthn", "TapTestSupport"]),
        .testTarget(
            name: "TapOIDCTests", dependencies: ["TapOIDC", "TapCore", "TapCrypto", "WebAuthn", "TapTestSupport"]),
        .testTarget(name: "TapAPITests", dependencies: ["TapAPI", "TapCore", "TapTestSupport"]),
        .testTarget(
            name: "TapStorageTests",
            dependencies: [
                "TapStorage", "TapCore", "TapTestSupport", "TapPostgres", .grdb, .nioConcurrencyHelpers, .logging,
            ]
        ),
        .testTarget(
            name: "TapHTTPTests",
            dependencies: [
                "TapHTTP", "TapTestSupport", "TapAPI", "TapCore", "TapCrypto", "TapStorage", .grdb, .yams,
            ] + appTesting
        ),
        .testTarget(
            name: "TapAdminTests",
            dependencies: [
                "TapAdmin", "TapTestSupport", "TapAPI", "TapCore", "TapCrypto", "TapHTTP", "TapStorage", "TapPostgres",
                "FIDOMetadata",
                .hummingbirdTesting, .hummingbird, .grdb,
            ]
        ),
        .testTarget(name: "TapKioskTests", dependencies: ["TapKiosk", "TapAPI", "TapCore"]),
        // Against a real PostgreSQL server the tests start (TestPostgres), and SQLite's schema to compare.
        .testTarget(
            name: "TapPostgresTests",
            dependencies: [
                "TapPostgres", "TapStorage", "TapCore", "TapTestSupport", .grdb, .postgresNIO, .nioConcurrencyHelpers,
                .logging,
            ]),
        // An Entra ID / Microsoft Graph emulator written from the documented contract, served over loopback.
        .target(
            name: "TapGraphEmulator",
            dependencies: ["TapCrypto", .hummingbird, .logging, .httpTypes, .nioCore, .nioConcurrencyHelpers],
            path: "Tests/TapGraphEmulator"
        ),
        // The emulator as a process, with a control API, for end-to-end runs of the real binaries in Entra mode
        // (scripts/entra-cart-e2e).
        .executableTarget(
            name: "graph-emulator", dependencies: ["TapGraphEmulator"], path: "Tests/GraphEmulatorServer"),
        .testTarget(
            name: "TapGraphTests",
            dependencies: [
                "TapGraph", "TapGraphEmulator", "TapStorage", "TapHTTP", "TapAPI", "TapAdmin", "TapTestSupport",
                "TapCore", "TapCrypto", .asyncHTTPClient,
            ] + appTesting
        ),
    ]
)

// The other packages' products, named once so that each target's list says in a word what it uses.
extension Target.Dependency {
    static let argumentParser = product(name: "ArgumentParser", package: "swift-argument-parser")
    static let asyncHTTPClient = product(name: "AsyncHTTPClient", package: "async-http-client")
    static let grdb = product(name: "GRDB", package: "GRDB.swift")
    static let grdbSQLite = product(name: "GRDBSQLite", package: "GRDB.swift")
    static let httpTypes = product(name: "HTTPTypes", package: "swift-http-types")
    static let hummingbird = product(name: "Hummingbird", package: "hummingbird")
    static let hummingbirdCore = product(name: "HummingbirdCore", package: "hummingbird")
    static let hummingbirdTesting = product(name: "HummingbirdTesting", package: "hummingbird")
    static let logging = product(name: "Logging", package: "swift-log")
    static let postgresNIO = product(name: "PostgresNIO", package: "postgres-nio")
    static let nioSSL = product(name: "NIOSSL", package: "swift-nio-ssl")
    static let nioConcurrencyHelpers = product(name: "NIOConcurrencyHelpers", package: "swift-nio")
    static let nioCore = product(name: "NIOCore", package: "swift-nio")
    static let nioHTTP1 = product(name: "NIOHTTP1", package: "swift-nio")
    static let nioHTTPTypes = product(name: "NIOHTTPTypes", package: "swift-nio-extras")
    static let prometheus = product(name: "Prometheus", package: "swift-prometheus")
    static let serviceLifecycle = product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let yams = product(name: "Yams", package: "Yams")
}
