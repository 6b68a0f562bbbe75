// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: OptimizerCore (math) and HTTP1 (wire) know nothing of each other;
// the service target added later uses both. No package dependencies, by design.
let package = Package(
    name: "optd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "optd", targets: ["optd"]),
        .executable(name: "optd-bench", targets: ["optd-bench"]),
        .executable(name: "http1-echo", targets: ["http1-echo"]),
        .library(name: "OptimizerCore", targets: ["OptimizerCore"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
    ],
    targets: [
        .target(name: "OptimizerCore"),
        .target(name: "HTTP1"),
        // The service: sessions, routes, codecs, persistence. Uses both floors below it.
        .target(name: "OptdServer", dependencies: ["OptimizerCore", "HTTP1"]),
        .executableTarget(name: "optd", dependencies: ["OptdServer"]),
        .executableTarget(name: "optd-bench", dependencies: ["OptimizerCore", "OptdServer"]),
        .executableTarget(name: "http1-echo", dependencies: ["HTTP1"]),
        // Fixtures/ holds reference trajectories (JSON) read from disk at test time.
        .testTarget(name: "OptimizerCoreTests", dependencies: ["OptimizerCore"], exclude: ["Fixtures"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "OptdServerTests", dependencies: ["OptdServer", "OptimizerCore"]),
        // End to end: starts the real `optd` binary (built because of this dependency).
        .testTarget(name: "OptdE2ETests", dependencies: ["optd"]),
    ],
    swiftLanguageModes: [.v6]
)
