import Foundation
import OptimizerCore
import OptdServer

// optd-bench: throughput of optd's hot paths, measured the way swift-nio's performance tester
// does it: a warm-up run thrown away, repeated timed runs, the median printed, a checksum printed
// so the work cannot be optimised away.
//
//   swift run -c release optd-bench kernels [--sizes 1000000,10000000] [--runs 7] [--only adam] [--threads 1,2]
//   swift run -c release optd-bench codecs [--sizes 1000,1000000] [--runs 7] [--gradients DIR] [--write-json DIR]
//   swift run -c release optd-bench verify-floats     (all 2^32 float32s: print, parse back, compare)
//
// Output: one line per optimizer, convention and size, in elements per second (one element =
// one parameter updated once, state included).

#if DEBUG
FileHandle.standardError.write(Data("""
    ****************************************************************
    optd-bench is a DEBUG build: figures are meaningless.
    Run: swift run -c release optd-bench ...
    ****************************************************************

    """.utf8))
#endif

struct Options {
    var command = "kernels"
    var sizes = [1_000_000, 10_000_000]
    var runs = 7
    var only: Set<String> = []
    var threads: [Int] = [KernelExecutor.maxThreads]
    var writeJSON: String?
    var gradients: String?

    init(_ arguments: [String]) {
        var args = arguments.makeIterator()
        if let first = args.next() { command = first }
        while let flag = args.next() {
            switch flag {
            case "--sizes": sizes = (args.next() ?? "").split(separator: ",").compactMap { Int(Double($0) ?? 0) }
            case "--runs": runs = Int(args.next() ?? "") ?? runs
            case "--only": only = Set((args.next() ?? "").split(separator: ",").map(String.init))
            case "--threads": threads = (args.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--write-json": writeJSON = args.next()
            case "--gradients": gradients = args.next()
            default:
                FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
switch options.command {
case "kernels":
    try runKernelBenchmarks(options)
case "codecs":
    CodecBench.run(sizes: options.sizes, runs: options.runs, gradients: options.gradients, writeJSON: options.writeJSON)
case "verify-floats":
    CodecBench.verifyAllFloats()
default:
    FileHandle.standardError.write(Data("usage: optd-bench kernels|codecs|verify-floats [--sizes N,N] [--runs R] [--only adam,sgd] [--threads 1,2] [--gradients DIR] [--write-json DIR]\n".utf8))
    exit(2)
}
