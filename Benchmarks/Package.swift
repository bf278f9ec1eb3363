// swift-tools-version:6.1
// The pure request pipeline measured with ordo-one/benchmark: wall time and allocations per request.
// A package of its own, so the application and its tests never build the harness (CI builds it in a step of its own).
//   cd Benchmarks && swift package benchmark      (bench/pipeline.sh does this)
import PackageDescription

let package = Package(
    name: "animerec-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "animerec", path: ".."),
        // Without the default "RuntimeInterposer" trait: on Linux with Swift 6.3 it needs
        // ordo-one/swift-runtime-interposer, which the local package copy lacks.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Pipeline",
            dependencies: [
                .product(name: "AnimeRecCore", package: "animerec"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Pipeline",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
