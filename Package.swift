// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gradscope",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GradScope", targets: ["GradScope"]),
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
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Modules/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "CMalloc", path: "Modules/CMalloc"),
        .target(
            name: "GradScope",
            dependencies: [
                "CBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Plot", package: "Plot"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            // Square roots as instructions, not errno-setting libm calls: lets the
            // Gaussian and activation loops vectorise (results are unchanged).
            swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
        ),
        .executableTarget(
            name: "gradscope",
            dependencies: [
                "GradScope",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "GradScopeTests",
            dependencies: ["GradScope"],
            // png_colours.py is run by the browser test with python3; Reference/ is read by the reference test.
            exclude: ["Support/png_colours.py", "Reference"]
        ),
    ]
)
