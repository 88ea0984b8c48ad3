// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Ferry",
    platforms: [.macOS(.v14)],
    products: [
        // The engine: readers, mappings, validation, writers. Usable from other Swift packages.
        .library(name: "FerryKit", targets: ["FerryKit"]),
        // The command-line tool.
        .executable(name: "ferry", targets: ["FerryCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Debian's libcsv (`apt-get install libcsv-dev`), the CSV tokenizer under the CSV reader.
        .systemLibrary(
            name: "CLibCSV",
            path: "Sources/CLibCSV",
            providers: [.apt(["libcsv-dev"])]
        ),
        .target(
            name: "FerryKit",
            dependencies: ["CLibCSV"]
        ),
        .executableTarget(
            name: "FerryCLI",
            dependencies: [
                "FerryKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FerryKitTests",
            dependencies: [
                "FerryKit",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "FerryCLITests",
            dependencies: ["FerryKit"]
        ),
    ]
)
