import Foundation
import OptimizerCore
import OptdServer

// optd-bench: throughput of optd's hot paths, measured the way swift-nio's performance tester
// does it: a warm-up run thrown away, repeated timed runs, the median printed, a checksum printed
// so the work cannot be optimised away.
//
//   swift run -c release optd-bench kernels [--sizes 1000000,10000000] [--runs 7] [--only adam]
//   swift run -c release optd-bench codecs [--sizes 1000000] [--runs 7] [--write-json PATH]
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
    var writeJSON: String?

    init(_ arguments: [String]) {
        var args = arguments.makeIterator()
        if let first = args.next() { command = first }
        while let flag = args.next() {
            switch flag {
            case "--sizes": sizes = (args.next() ?? "").split(separator: ",").compactMap { Int(Double($0) ?? 0) }
            case "--runs": runs = Int(args.next() ?? "") ?? runs
            case "--only": only = Set((args.next() ?? "").split(separator: ",").map(String.init))
            case "--write-json": writeJSON = args.next()
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

/// Times `steps` optimizer steps of size n per run; returns elements/s per run.
func benchmarkKernel(kind: OptimizerKind, convention: Convention, size n: Int, runs: Int) throws -> (rates: [Double], checksum: Float) {
    let config = try OptimizerConfig(kind: kind, convention: convention)
    var params = [Float](repeating: 0, count: n)
    var gradient = [Float](repeating: 0, count: n)
    for i in 0..<n {
        params[i] = Float(i % 1000) * 1e-3 - 0.5
        gradient[i] = Float((i * 7919) % 2001) * 1e-3 - 1.0
    }
    var optimizer = Optimizer(config: config, params: FloatBuffer(params))
    // The same gradient every step, as the C and numpy references do. Default configurations do
    // not write to it (only loss scaling, clipping and accumulation use it as scratch).
    let scratch = FloatBuffer(gradient)
    // Enough steps per run for about 0.2 s at 1 G elements/s.
    let steps = max(1, 200_000_000 / n)
    var rates: [Double] = []
    for run in 0...runs {
        let start = now()
        for _ in 0..<steps {
            try optimizer.apply(gradient: scratch.buffer)
        }
        let elapsed = now() - start
        if run > 0 { rates.append(Double(n * steps) / elapsed) }  // run 0 is the warm-up
    }
    return (rates, optimizer.params[n / 2])
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
switch options.command {
case "kernels":
    print("# optd-bench kernels: elements/s (median of \(options.runs) runs after a warm-up), validation of the gradient included")
    for n in options.sizes {
        for kind in OptimizerKind.allCases where options.only.isEmpty || options.only.contains(kind.rawValue) {
            for convention in Convention.allCases {
                let (rates, checksum) = try benchmarkKernel(kind: kind, convention: convention, size: n, runs: options.runs)
                let label = kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                    + convention.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                let line = label + String(format: " n=%-9d median %7.3f G elem/s  (min %.3f, max %.3f)  checksum %g",
                                  n, median(rates) / 1e9,
                                  rates.min()! / 1e9, rates.max()! / 1e9, Double(checksum))
                print(line)
            }
        }
    }
case "codecs":
    CodecBench.run(sizes: options.sizes, runs: options.runs, writeJSON: options.writeJSON)
case "verify-floats":
    CodecBench.verifyAllFloats()
default:
    FileHandle.standardError.write(Data("usage: optd-bench kernels|codecs|verify-floats [--sizes N,N] [--runs R] [--only adam,sgd]\n".utf8))
    exit(2)
}
