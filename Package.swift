// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "libdcs",
    products: [
        .library(name: "dcs", type: .dynamic, targets: ["DCS"]),
        .executable(name: "dcs-emulator", targets: ["dcs-emulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The service's vocabulary (actions, instance statuses), shared by the client and the emulator.
        .target(name: "DCSAPI"),
        // SHA-256 and HMAC from OpenSSL's libcrypto, which libcurl loads anyway (libssl-dev to build).
        .target(
            name: "CDigest",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        // SDK-HMAC-SHA256, as the client signs and the emulator verifies.
        .target(
            name: "DCSSigning",
            dependencies: ["CDigest"]
        ),
        .target(
            name: "DCSCore",
            dependencies: [
                "CCurl",
                "DCSAPI",
                "DCSSigning",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .systemLibrary(name: "CDCS"),
        .target(
            name: "DCS",
            dependencies: ["DCSCore", "DCSAPI", "CDCS"],
            // scripts/build.sh links libdcs.so with this version script and its soname.
            exclude: ["exports.map"]
        ),
        .executableTarget(
            name: "dcs-emulator",
            dependencies: [
                "DCSAPI",
                "DCSSigning",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "DCSCoreTests",
            dependencies: ["DCSCore", "DCSAPI"]
        ),
        .testTarget(
            name: "DCSSigningTests",
            dependencies: ["DCSSigning"]
        ),
        // Fuzz targets (scripts/fuzz.sh builds them with libFuzzer); built plainly, they replay
        // the committed corpus. Debug builds only: the answers target needs @testable.
        .target(name: "CFuzzDriver", path: "Tests/fuzz/driver"),
        .target(name: "DCSFuzzSupport", dependencies: ["CFuzzDriver"], path: "Tests/fuzz/support"),
        .executableTarget(
            name: "dcs-fuzz-answers",
            dependencies: ["DCSCore", "DCSAPI", "DCSFuzzSupport"],
            path: "Tests/fuzz/answers"
        ),
        .executableTarget(
            name: "dcs-fuzz-arguments",
            dependencies: ["DCS", "CDCS", "DCSFuzzSupport"],
            path: "Tests/fuzz/arguments"
        ),
    ]
)
