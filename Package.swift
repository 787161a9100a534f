// swift-tools-version:6.0
// Polybit: one network at many bit-widths, and what each precision costs on an accelerator.
import PackageDescription

import class Foundation.ProcessInfo

/// Release builds use AVX2+FMA (`-target-cpu haswell`) so SIMD code fuses multiply-adds, and
/// `-Ounchecked` so hot loops vectorize. `POLYBIT_PORTABLE=1 swift build` drops the CPU flag;
/// `POLYBIT_CHECKED=1` builds with `-O` instead, keeping preconditions, bounds and overflow checks
/// (tools/test.sh runs the suite in that build too, in `.build-checked`).
let portable = ProcessInfo.processInfo.environment["POLYBIT_PORTABLE"] == "1"
let checked = ProcessInfo.processInfo.environment["POLYBIT_CHECKED"] == "1"
let releaseFlags: [SwiftSetting] = [
    .unsafeFlags(
        [checked ? "-O" : "-Ounchecked", "-wmo"] + (portable ? [] : ["-target-cpu", "haswell"]),
        .when(configuration: .release))
]

/// A library target of Polybit with the shared release flags.
func module(_ name: String, _ deps: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: deps, swiftSettings: releaseFlags)
}

/// The test target `<Module>Tests` of a module.
func tests(_ name: String, _ extra: [Target.Dependency] = []) -> Target {
    .testTarget(
        name: name + "Tests", dependencies: [.target(name: name)] + extra,
        swiftSettings: releaseFlags)
}

let package = Package(
    name: "Polybit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "polybit", targets: ["polybit"]),
        .library(
            name: "Polybit",
            targets: [
                "PolybitTensor", "PolybitHDF5", "PolybitData", "PolybitNN", "PolybitQuant",
                "PolybitTrain", "PolybitSim", "PolybitHardware", "PolybitSearch", "PolybitONNX", "PolybitMPI",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5-serial",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),

        module("PolybitTensor", ["CBLAS"]),
        module("PolybitHDF5", ["CHDF5", "PolybitTensor"]),
        module("PolybitData", ["PolybitTensor", "PolybitHDF5", "CZlib"]),
        module("PolybitNN", ["PolybitTensor"]),
        module("PolybitQuant", ["PolybitNN"]),
        module("PolybitTrain", ["PolybitQuant", "PolybitData", "PolybitHDF5"]),
        module("PolybitMPI", ["CMPI", "PolybitTensor"]),
        module("PolybitSim", ["PolybitQuant", "PolybitHDF5", "PolybitData"]),
        module("PolybitHardware", ["PolybitSim", .product(name: "Yams", package: "Yams")]),
        module("PolybitSearch", ["PolybitHardware", "PolybitTrain"]),
        module(
            "PolybitONNX", ["PolybitSim", "PolybitHDF5", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(
            name: "polybit",
            dependencies: [
                "PolybitTrain", "PolybitSim", "PolybitHardware", "PolybitSearch", "PolybitONNX", "PolybitMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: releaseFlags),

        .target(name: "PolybitTestSupport", path: "Tests/PolybitTestSupport"),
        tests("PolybitTensor"),
        tests("PolybitHDF5", ["PolybitTestSupport"]),
        tests("PolybitData", ["PolybitTestSupport"]),
        tests("PolybitNN"),
        tests("PolybitQuant"),
        tests("PolybitTrain"),
        tests("PolybitSim", ["PolybitTestSupport"]),
        tests("PolybitHardware", ["PolybitTestSupport", "PolybitONNX"]),
        tests("PolybitSearch"),
        tests("PolybitONNX", ["PolybitTestSupport"]),
        .testTarget(name: "polybitTests", dependencies: ["polybit", "PolybitTrain"], swiftSettings: releaseFlags),
        // The readers under fuzzing (tools/fuzz/Readers), shared by libFuzzer's harness below and
        // the suite's short mutation run.
        .target(
            name: "PolybitFuzzReaders",
            dependencies: ["PolybitData", "PolybitSim", "PolybitTrain", "PolybitHardware", "PolybitSearch"],
            path: "tools/fuzz/Readers", swiftSettings: releaseFlags),
        .testTarget(
            name: "PolybitFuzzTests", dependencies: ["PolybitFuzzReaders", "PolybitTestSupport"],
            swiftSettings: releaseFlags),
    ]
)

/// `POLYBIT_FUZZ=1` adds the libFuzzer harness (tools/fuzz/Harness), built only by tools/fuzz.sh with
/// `-sanitize=fuzzer,address`; a normal build does not see the target.
if ProcessInfo.processInfo.environment["POLYBIT_FUZZ"] == "1" {
    package.products.append(.executable(name: "polybit-fuzz", targets: ["polybit-fuzz"]))
    package.targets.append(
        .executableTarget(
            name: "polybit-fuzz", dependencies: ["PolybitFuzzReaders"], path: "tools/fuzz/Harness",
            swiftSettings: releaseFlags + [.unsafeFlags(["-parse-as-library"])]))
}
