// swift-tools-version:6.1
// TapStation: temporary access passes for device enrollment and FIDO2 key registration.
import PackageDescription

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
                "TapCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the few statements every write runs (see DirectStatement.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                // NIOLockedValueBox, the one lock type (docs/decisions.md).
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Microsoft Graph: the token client, the typed Graph client and the Entra pass authority.
        .target(
            name: "TapGraph",
            dependencies: [
                "TapCore", "TapCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TapHTTP",
            dependencies: [
                "TapCore", "TapAPI", "TapStorage", "TapCrypto", "WebAuthn", "TapGraph",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The webhook sender: no redirects, its own timeouts.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                // HTTPParserError: a request the parser cannot frame is a 400, not a 500.
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // The API contract, compiled into the binary (no Bundle: the static release build has none).
            resources: [.embedInCode("API/openapi.yaml")]
        ),
        .target(
            name: "TapAdmin",
            dependencies: [
                "TapCore", "TapAPI", "TapStorage", "TapCrypto", "TapHTTP", "TapGraph", "WebAuthn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The remote commands' and `entra check`'s client: URLSession would drag libcurl into the static build.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tapstation", dependencies: ["TapAdmin", .product(name: "Logging", package: "swift-log")]),
        // libFuzzer harness over the WebAuthn parsers (scripts/fuzz-webauthn); a plain build replays a corpus.
        .executableTarget(name: "FuzzWebAuthn", dependencies: ["WebAuthn"]),
        // Verifications per second per attestation format (bench/README.md); run it with `-c release`.
        .executableTarget(
            name: "webauthn-bench", dependencies: ["WebAuthn"], path: "bench/webauthn", exclude: ["vectors.json"]),

        // The line-mode kiosk: the flow as a state machine, rendering and the API client; talks HTTP only.
        .target(
            name: "TapKiosk",
            dependencies: [
                "TapAPI", "TapCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Kiosk/TapKiosk"
        ),
        .executableTarget(
            name: "tapkiosk",
            dependencies: [
                "TapKiosk", "TapCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Kiosk/tapkiosk"
        ),

        // Fixed clock, seeded randomness, a real keyring, and test keys and certificates made with OpenSSL.
        .target(
            name: "TapTestSupport",
            dependencies: [
                "TapCore", "TapCrypto", "COpenSSL", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/TapTestSupport"
        ),
        .testTarget(name: "TapCryptoTests", dependencies: ["TapCrypto", "TapCore", "TapTestSupport"]),
        .testTarget(
            name: "WebAuthnTests",
            dependencies: ["WebAuthn", "TapCrypto", "TapTestSupport"],
            exclude: ["Vectors/record-chromium.py", "Vectors/README.md"]
        ),
        .testTarget(name: "TapCoreTests", dependencies: ["TapCore", "TapTestSupport"]),
        .testTarget(name: "TapAPITests", dependencies: ["TapAPI", "TapCore", "TapTestSupport"]),
        .testTarget(
            name: "TapStorageTests",
            dependencies: [
                "TapStorage", "TapCore", "TapTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TapHTTPTests",
            dependencies: [
                "TapHTTP", "TapTestSupport", "TapAPI", "TapCore", "TapCrypto", "TapStorage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "TapAdminTests",
            dependencies: [
                "TapAdmin", "TapTestSupport", "TapAPI", "TapCore", "TapCrypto", "TapHTTP", "TapStorage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "TapKioskTests", dependencies: ["TapKiosk", "TapAPI", "TapCore"]),
        // An Entra ID / Microsoft Graph emulator written from the documented contract, served over loopback.
        .target(
            name: "TapGraphEmulator",
            dependencies: [
                "TapCrypto", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/TapGraphEmulator"
        ),
        .testTarget(
            name: "TapGraphTests",
            dependencies: [
                "TapGraph", "TapGraphEmulator", "TapStorage", "TapHTTP", "TapAPI", "TapAdmin", "TapTestSupport",
                "TapCore", "TapCrypto",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)
