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
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Debian's libcsv (`apt-get install libcsv-dev`), the CSV tokenizer under the CSV reader.
        .systemLibrary(
            name: "CLibCSV",
            path: "Sources/CLibCSV",
            providers: [.apt(["libcsv-dev"])]
        ),
        // Google's libphonenumber (`apt-get install libphonenumber-dev`) behind a small extern "C" shim.
        .target(
            name: "CPhoneNumber",
            path: "Sources/CPhoneNumber",
            linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("protobuf")]
        ),
        .target(
            name: "FerryKit",
            dependencies: ["CLibCSV", "CPhoneNumber", "Yams"]
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
