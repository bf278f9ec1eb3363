// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every target: Swift 6 language mode (strict concurrency) plus the upcoming
/// features the Swift server ecosystem has adopted.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "animerec",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "animerec", targets: ["animerec"]),
        .library(name: "CQL", targets: ["CQL"]),
        // For the pipeline benchmark in Benchmarks/ (a package of its own).
        .library(name: "AnimeRecCore", targets: ["AnimeRecCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-algorithms.git", from: "1.2.1"),
        // Already in the graph through Hummingbird; named because the server's channel handlers use them.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Already in the graph through Hummingbird: flags and ANIMEREC_* variables are read through it.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
    ],
    targets: [
        // MARK: Cassandra native protocol client (knows nothing of anime)
        .target(
            name: "CQL",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Connection/README.md"],
            swiftSettings: swiftSettings
        ),

        // MARK: CQL benchmark (bench/cql.sh builds it in release)
        .executableTarget(
            name: "CQLBench",
            dependencies: [
                "CQL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Domain and algorithms (pure, no I/O)
        .target(
            name: "AnimeRecCore",
            dependencies: [
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Training (pure, no I/O): CSV rows, the models (EASE, similarity, candidates), the
        // ranker's fitting, evaluation, the generator. Only the jobs link it, and with it OpenBLAS.
        .target(
            name: "AnimeRecTraining",
            dependencies: [
                "AnimeRecCore",
                "COpenBLAS",
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // Linear algebra for the EASE model: Debian's OpenBLAS and LAPACKE.
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        // MARK: Schema: the numbered migration files of both stores (top-level Schema/), as resources
        .target(
            name: "AnimeRecSchema",
            path: "Schema",
            exclude: ["README.md"],
            sources: ["SchemaFiles.swift"],
            resources: [.copy("cassandra"), .copy("sqlite")],
            swiftSettings: swiftSettings
        ),

        // MARK: Demo data: the real catalogue the demo serves (top-level Data/), as a resource
        .target(
            name: "AnimeRecDemoData",
            path: "Data",
            exclude: ["README.md"],
            sources: ["DemoCatalogue.swift"],
            resources: [.copy("anime.csv")],
            swiftSettings: swiftSettings
        ),

        // MARK: Storage: the RecStore protocol, SQLite and Cassandra implementations
        .target(
            name: "AnimeRecStore",
            dependencies: [
                "AnimeRecCore",
                "AnimeRecSchema",
                "CQL",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Algorithms", package: "swift-algorithms"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Offline jobs: import, generate, rebuild, evaluate
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "AnimeRecJobs",
            dependencies: [
                "AnimeRecCore",
                "AnimeRecTraining",
                "AnimeRecStore",
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: HTTP service
        .target(
            name: "AnimeRecServer",
            dependencies: [
                "AnimeRecCore",
                "AnimeRecStore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web front end: plain HTML, CSS and JavaScript modules, served as they are.
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),

        // MARK: The executable: serve, demo, import, generate, migrate, rebuild, eval
        .executableTarget(
            name: "animerec",
            dependencies: [
                "AnimeRecServer",
                "AnimeRecJobs",
                "AnimeRecTraining",
                "AnimeRecStore",
                "AnimeRecDemoData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests: unit tests, one target per library target; integration tests (the ring,
        // live HTTP, the jobs on real data) in targets of their own; the helpers they share
        .target(
            name: "AnimeRecTestSupport",
            dependencies: [
                "AnimeRecStore",
                "AnimeRecCore",
                "CQL",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AnimeRecTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CQLTests",
            dependencies: [
                "CQL",
                "AnimeRecTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CQLIntegrationTests",
            dependencies: ["CQL", "AnimeRecTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnimeRecCoreTests",
            dependencies: ["AnimeRecCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnimeRecTrainingTests",
            dependencies: ["AnimeRecTraining", "AnimeRecCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnimeRecStoreTests",
            dependencies: [
                "AnimeRecStore", "AnimeRecSchema", "AnimeRecCore", "AnimeRecTestSupport", "CQL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnimeRecRingTests",
            dependencies: [
                "AnimeRecStore", "AnimeRecCore", "AnimeRecTestSupport", "CQL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnimeRecJobsTests",
            dependencies: ["AnimeRecJobs", "AnimeRecTraining", "AnimeRecStore", "AnimeRecCore", "AnimeRecTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnimeRecServerTests",
            dependencies: [
                "AnimeRecServer",
                "AnimeRecStore",
                "AnimeRecCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnimeRecHTTPTests",
            dependencies: [
                "AnimeRecServer",
                "AnimeRecStore",
                "AnimeRecCore",
                "AnimeRecTestSupport",
                "CQL",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
