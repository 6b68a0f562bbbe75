import Foundation
import OptimizerCore
import OptdServer

// optd-bench: throughput of optd's hot paths, measured the way swift-nio's performance tester
// does it: a warm-up run thrown away, repeated timed runs, the median printed, a checksum printed
// so the work cannot be optimised away.
//
//   swift run -c release optd-bench kernels [--sizes 1000000,10000000] [--runs 7] [--only adam] [--threads 1,2]
//   swift run -c release optd-bench codecs [--sizes 1000000] [--runs 7]
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

    init(_ arguments: [String]) {
        var args = arguments.makeIterator()
        if let first = args.next() { command = first }
        while let flag = args.next() {
            switch flag {
            case "--sizes": sizes = (args.next() ?? "").split(separator: ",").compactMap { Int(Double($0) ?? 0) }
            case "--runs": runs = Int(args.next() ?? "") ?? runs
            case "--only": only = Set((args.next() ?? "").split(separator: ",").map(String.init))
            case "--threads": threads = (args.next() ?? "").split(separator: ",").compactMap { Int($0) }
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

/// JSON parse and print throughput over n normally distributed float32s (a gradient).
func benchmarkCodecs(size n: Int, runs: Int) -> (parse: [Double], print: [Double], bytes: Int) {
    var values = [Float](repeating: 0, count: n)
    var state: UInt64 = 12345
    for i in 0..<n {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        values[i] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 4
    }
    var writer = JSONWriter()
    values.withUnsafeBufferPointer { writer.floatArray($0) }
    let json = writer.bytes
    var parseRates: [Double] = [], printRates: [Double] = []
    var checksum: Float = 0
    let target = FloatBuffer(count: n)
    for run in 0...runs {
        var start = now()
        json.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            var sink = FloatSink(into: target.buffer)
            try! reader.readFloatArray(into: &sink)
        }
        let parseTime = now() - start
        checksum += target[n / 2]
        start = now()
        var out = JSONWriter()
        values.withUnsafeBufferPointer { out.floatArray($0) }
        let printTime = now() - start
        checksum += Float(out.bytes.count)
        if run > 0 {
            parseRates.append(Double(json.count) / parseTime)
            printRates.append(Double(json.count) / printTime)
        }
    }
    if checksum.isNaN { print("checksum \(checksum)") }
    return (parseRates, printRates, json.count)
}

/// Prints every finite float32 as JSON and reads it back: the printer's output must parse to the
/// same bits (round trip), for all 2^32 patterns. Prints progress every 2^28 patterns.
func verifyAllFloats() {
    let chunk = 1 << 20
    var failures = 0
    var floats = [Float](repeating: 0, count: chunk)
    let back = FloatBuffer(count: chunk)
    var checked = 0
    for base in stride(from: 0, to: 1 << 32, by: chunk) {
        var n = 0
        for offset in 0..<chunk {
            let f = Float(bitPattern: UInt32(base + offset))
            if f.isFinite { floats[n] = f; n += 1 }
        }
        var writer = JSONWriter(reservingCapacity: n * 16)
        floats.withUnsafeBufferPointer { writer.floatArray(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        writer.bytes.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            var sink = FloatSink(into: back.buffer)
            try! reader.readFloatArray(into: &sink)
            precondition(sink.count == n)
        }
        for i in 0..<n where back[i].bitPattern != floats[i].bitPattern {
            failures += 1
            if failures <= 10 { print("MISMATCH \(floats[i]) -> \(back[i])") }
        }
        checked += n
        if (base + chunk) % (1 << 28) == 0 {
            FileHandle.standardError.write(Data("verify-floats: \((base + chunk) >> 28)/16, \(failures) failures\n".utf8))
        }
    }
    print("verify-floats: \(checked) finite float32s printed and parsed back, \(failures) mismatches")
    if failures > 0 { exit(1) }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
switch options.command {
case "kernels":
    try runKernelBenchmarks(options)
case "codecs":
    print("# optd-bench codecs: JSON float32 vector parse and print, MB/s of JSON text (median of \(options.runs) runs)")
    for n in options.sizes {
        let (parse, print_, bytes) = benchmarkCodecs(size: n, runs: options.runs)
        print(String(format: "json-parse n=%-9d %8.1f MB/s   json-print %8.1f MB/s   (%d bytes of JSON)",
                     n, median(parse) / 1e6, median(print_) / 1e6, bytes))
    }
case "verify-floats":
    verifyAllFloats()
default:
    FileHandle.standardError.write(Data("usage: optd-bench kernels|codecs|verify-floats [--sizes N,N] [--runs R] [--only adam,sgd] [--threads 1,2]\n".utf8))
    exit(2)
}
