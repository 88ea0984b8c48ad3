// swift-tools-version: 6.1
import PackageDescription

// simdjson's On-Demand parser is built for the instruction set the compiler targets: on x86-64 the
// JSON shim is built twice, for every processor and for AVX2, and picks one when it starts.
#if arch(x86_64)
    let haswellFlags: [CXXSetting] = [.unsafeFlags(["-mavx2", "-mbmi", "-mpclmul", "-mlzcnt"])]
    let jsonDefines: [CXXSetting] = [.define("FERRY_JSON_HASWELL")]
#else
    let haswellFlags: [CXXSetting] = []
    let jsonDefines: [CXXSetting] = []
#endif

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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Debian's libcsv (`apt-get install libcsv-dev`), the CSV tokenizer under the CSV reader.
        .systemLibrary(
            name: "CLibCSV",
            path: "Sources/CLibCSV",
            providers: [.apt(["libcsv-dev"])]
        ),
        // Debian's expat (`apt-get install libexpat1-dev`), the streaming XML parser under the .xlsx reader.
        .systemLibrary(
            name: "CExpat",
            path: "Sources/CExpat",
            providers: [.apt(["libexpat1-dev"])]
        ),
        // zlib (`apt-get install zlib1g-dev`): its crc32 checks each part of an .xlsx as it is inflated.
        .systemLibrary(
            name: "CFerryZlib",
            path: "Sources/CFerryZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Debian's libxlsxwriter (`apt-get install libxlsxwriter-dev`), the .xlsx writer.
        .systemLibrary(
            name: "CXLSXWriter",
            path: "Sources/CXLSXWriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // Google's libphonenumber (`apt-get install libphonenumber-dev`) behind a small extern "C" shim.
        .target(
            name: "CPhoneNumber",
            path: "Sources/CPhoneNumber",
            linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("protobuf")]
        ),
        // simdjson (`apt-get install libsimdjson-dev`) behind a small extern "C" shim: every JSON Ferry reads.
        .target(
            name: "CFerryJSON",
            dependencies: ["CFerryJSONHaswell"],
            path: "Sources/CFerryJSON",
            cxxSettings: jsonDefines + [.unsafeFlags(["-O3"], .when(configuration: .release))],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        // The same parser built for AVX2 processors (x86-64 only; empty elsewhere).
        .target(
            name: "CFerryJSONHaswell",
            path: "Sources/CFerryJSONHaswell",
            cxxSettings: haswellFlags + [.unsafeFlags(["-O3"], .when(configuration: .release))]
        ),
        .target(
            name: "FerryKit",
            dependencies: [
                "CLibCSV", "CExpat", "CFerryZlib", "CXLSXWriter", "CPhoneNumber", "CFerryJSON", "Yams",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            // The readers' and writers' loops touch class members per byte and per field: checking
            // exclusive access at run time costs a tenth of a JSON conversion (profiled with perf).
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // `ferry sandbox`: a local emulation of the Koibox and Movin APIs that migrations rehearse against.
        .target(
            name: "FerrySandbox",
            dependencies: [
                "FerryKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "FerryCLI",
            dependencies: [
                "FerryKit", "FerrySandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer harnesses for the readers and the mapping parser (`scripts/fuzz`); without
        // -DFUZZING it replays the inputs it is given.
        .executableTarget(
            name: "FerryFuzz",
            dependencies: ["FerryKit"]
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
            dependencies: [
                "FerryKit", "FerrySandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The hostile test server (HostileServer.swift) is a plain SwiftNIO HTTP server.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ]
)
