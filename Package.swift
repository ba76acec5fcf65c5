// swift-tools-version:6.0
import PackageDescription

// The layers, arrows down only (docs/architecture.md):
//   gradscope (CLI) -> GradScopeSweep -> GradScopeResults -> GradScopeCore -> CBLAS
//   gradscope (CLI) -> GradScopeReport -> GradScopeResults (and the core's activations)
// The core links neither GRDB nor Plot; only the CLI talks to the terminal.
let package = Package(
    name: "gradscope",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GradScopeCore", targets: ["GradScopeCore"]),
        .library(name: "GradScopeResults", targets: ["GradScopeResults"]),
        .library(name: "GradScopeSweep", targets: ["GradScopeSweep"]),
        .library(name: "GradScopeReport", targets: ["GradScopeReport"]),
        .executable(name: "gradscope", targets: ["gradscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-algorithms", from: "1.2.1"),
    ],
    targets: [
        // The numerical core: the BLAS/LAPACK boundary, random streams, activations, initialisers,
        // the network, training, mean-field theory and the image data sets it reads. One module, so generic
        // hot loops stay specialised.
        .target(
            name: "GradScopeCore",
            dependencies: [
                "CBLAS",
                "CCPUID",
                "CZlib",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            // Square roots as instructions, not errno-setting libm calls: lets the
            // Gaussian and activation loops vectorise (results are unchanged).
            swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
        ),
        // Results: the store, the CSV tables and their columns, statistics, theory columns.
        .target(
            name: "GradScopeResults",
            dependencies: [
                "GradScopeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Sweeps: configs and their errors, the grid, the runner, results folders, manifest, shards, Slurm.
        .target(
            name: "GradScopeSweep",
            dependencies: [
                "GradScopeCore",
                "GradScopeResults",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Algorithms", package: "swift-algorithms"),
            ]
        ),
        // The report: figures and report.html from a results folder's files.
        .target(
            name: "GradScopeReport",
            dependencies: [
                "GradScopeCore",
                "GradScopeResults",
                .product(name: "Plot", package: "Plot"),
                .product(name: "Algorithms", package: "swift-algorithms"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ]
        ),
        // The command line: one file per command; progress, signals, messages.
        .executableTarget(
            name: "gradscope",
            dependencies: [
                "GradScopeCore",
                "GradScopeResults",
                "GradScopeSweep",
                "GradScopeReport",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Implementation details
        .systemLibrary(
            name: "CBLAS",
            path: "Modules/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "CMalloc", path: "Modules/CMalloc"),
        // zlib: the gzipped IDX files of the image data sets (Debian's zlib1g-dev).
        .systemLibrary(name: "CZlib", path: "Modules/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // cpuid and xgetbv: which of OpenBLAS's kernel sets this processor runs (header only).
        .systemLibrary(name: "CCPUID", path: "Modules/CCPUID"),
        .target(
            name: "GradScopeTestSupport",
            dependencies: ["GradScopeCore", "GradScopeSweep", .product(name: "SwiftCSV", package: "SwiftCSV")],
            path: "Tests/GradScopeTestSupport"),
        // The core's tests fit gains with the results layer's least-squares slope (Statistics).
        .testTarget(
            name: "GradScopeCoreTests", dependencies: ["GradScopeCore", "GradScopeResults", "GradScopeTestSupport"],
            exclude: ["Reference"]  // PyTorch's gated-cell values and the script that made them, read by GatedTests
        ),
        .testTarget(
            name: "GradScopeResultsTests", dependencies: ["GradScopeCore", "GradScopeResults", "GradScopeTestSupport"]),
        .testTarget(
            name: "GradScopeSweepTests",
            dependencies: ["GradScopeCore", "GradScopeResults", "GradScopeSweep", "GradScopeTestSupport"],
            exclude: ["Reference"]  // the reference sweep and its committed values, read by ReferenceValuesTests
        ),
        .testTarget(
            name: "GradScopeReportTests",
            dependencies: [
                "GradScopeCore", "GradScopeResults", "GradScopeSweep", "GradScopeReport", "GradScopeTestSupport",
            ],
            exclude: ["Support/png_colours.py"]  // run by the browser test with python3
        ),
    ]
)
