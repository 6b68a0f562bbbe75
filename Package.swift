// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: OptimizerCore (math) and HTTP1 (wire) know nothing of each other;
// OptdServer uses both. No package dependencies, by design.
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
// The manifest is compiled for the machine that builds, so this asks the build machine's
// architecture; the AVX2 kernels exist on x86-64 only (and the flag is unknown elsewhere).
// `haswell` because this Swift does not take `x86-64-v3` as a target CPU: it is x86-64-v3 plus
// extensions (AES, RDRND, ...) that float code never emits; InstructionSet checks for v3.
#if arch(x86_64)
let avx2Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let avx2Settings: [SwiftSetting] = []
#endif

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
        // Kernels: per-element optimizer math, @inlinable, compiled into OptimizerCore for the
        // package's baseline CPU and again into OptimizerKernelsAVX2 for x86-64-v3; OptimizerCore
        // picks one at run time (InstructionSet). -fno-math-errno lets squareRoot() be the
        // vector instruction instead of a libm call that may set errno (it changes no result).
        .target(name: "OptimizerKernels", swiftSettings: kernelSettings),
        .target(name: "OptimizerKernelsAVX2", dependencies: ["OptimizerKernels"],
                swiftSettings: kernelSettings + avx2Settings),
        // A few lines of C: Swift cannot run `cpuid` to ask the CPU what it supports.
        .target(name: "CPUFeatures"),
        .target(name: "OptimizerCore", dependencies: ["OptimizerKernels", "OptimizerKernelsAVX2", "CPUFeatures"],
                swiftSettings: kernelSettings),
        // epoll and eventfd, which Glibc's Swift module does not export, for HTTP1's event loops.
        .target(name: "EventPoll"),
        .target(name: "HTTP1", dependencies: ["EventPoll", "CPUFeatures"]),
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
