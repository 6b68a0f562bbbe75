import Foundation
import OptimizerCore
import OptdServer

/// `optd-bench codecs` and `optd-bench verify-floats`: the JSON float32 vector codec.
enum CodecBench {
    /// The JSON vector printer optd had before `Float32Printer`: `Float.description` per value.
    /// Kept as the reference the new printer must match byte for byte, and as a figure to beat.
    static func descriptionPrinter(_ values: UnsafeBufferPointer<Float>, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            if v.isFinite {
                var text = v.description
                text.withUTF8 { bytes.append(contentsOf: $0) }
            } else {
                bytes.append(contentsOf: Array("null".utf8))
            }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// n float32s like a gradient's: a 64-bit LCG's top 24 bits scaled to [-2, 2). The orjson
    /// peer (benchmarks/codecs/orjson_peer.py) reads them back from the JSON text of --write-json.
    static func gradientLike(_ n: Int) -> [Float] {
        var values = [Float](repeating: 0, count: n)
        var state: UInt64 = 12345
        for i in 0..<n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values[i] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 4
        }
        return values
    }

    /// One timed operation's rates over the runs, in bytes of JSON text per second.
    struct Rates {
        var wall: [Double] = []
        /// By this thread's CPU time, which leaves out time the shared machine gave to others.
        var cpu: [Double] = []

        mutating func time(bytes: Int, keep: Bool, _ body: () -> Void) {
            let (wall0, cpu0) = (now(), threadCPUTime())
            body()
            let (wall1, cpu1) = (now(), threadCPUTime())
            if keep {
                wall.append(Double(bytes) / (wall1 - wall0))
                cpu.append(Double(bytes) / (cpu1 - cpu0))
            }
        }
    }

    static func threadCPUTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Parse and print throughput over n float32s; run 0 is a warm-up and is not kept. Each
    /// printed text is checked against `Float.description`'s.
    static func measure(size n: Int, runs: Int) -> (parse: Rates, print: Rates, printDescription: Rates, json: [UInt8]) {
        let values = gradientLike(n)
        var writer = JSONWriter()
        values.withUnsafeBufferPointer { writer.floatArray($0) }
        let json = writer.bytes
        var parse = Rates(), print = Rates(), printDescription = Rates()
        var checksum: Float = 0
        let target = FloatBuffer(count: n)
        for run in 0...runs {
            parse.time(bytes: json.count, keep: run > 0) {
                json.withUnsafeBytes { raw in
                    var reader = JSONReader(raw)
                    var sink = FloatSink(into: target.buffer)
                    try! reader.readFloatArray(into: &sink)
                }
            }
            checksum += target[n / 2]
            precondition(target[n - 1] == values[n - 1])

            var out = JSONWriter()
            print.time(bytes: json.count, keep: run > 0) {
                values.withUnsafeBufferPointer { out.floatArray($0) }
            }
            precondition(out.bytes == json)

            var old: [UInt8] = []
            printDescription.time(bytes: json.count, keep: run > 0) {
                old.reserveCapacity(n * 12 + 2)
                values.withUnsafeBufferPointer { descriptionPrinter($0, into: &old) }
            }
            precondition(old == json, "the printer's text differs from Float.description")
        }
        if checksum.isNaN { Swift.print("checksum \(checksum)") }
        return (parse, print, printDescription, json)
    }

    /// `codecs [--sizes N] [--runs R] [--write-json PATH]`: the figures, one line per operation;
    /// with --write-json, the JSON text of the largest size is saved for the orjson peer.
    static func run(sizes: [Int], runs: Int, writeJSON: String?) {
        print("# optd-bench codecs: JSON float32 vector, MB/s of JSON text (median of \(runs) runs after a warm-up)")
        for n in sizes {
            let r = measure(size: n, runs: runs)
            func line(_ label: String, _ rates: Rates) {
                print(label.padding(toLength: 46, withPad: " ", startingAt: 0)
                      + String(format: " n=%-9d %8.1f MB/s wall %8.1f MB/s cpu  (%.1f-%.1f)  %d bytes of JSON", n,
                               median(rates.wall) / 1e6, median(rates.cpu) / 1e6,
                               rates.wall.min()! / 1e6, rates.wall.max()! / 1e6, r.json.count))
            }
            line("optd-parse (into float32 memory)", r.parse)
            line("optd-print (Float32Printer)", r.print)
            line("optd-print (Float.description, before)", r.printDescription)
            if let path = writeJSON, n == sizes.max() {
                guard FileManager.default.createFile(atPath: path, contents: Data(r.json)) else {
                    FileHandle.standardError.write(Data("optd-bench: cannot write \(path)\n".utf8))
                    exit(1)
                }
            }
        }
    }

    /// Prints every finite float32 as JSON and reads it back, for all 2^32 bit patterns: the text
    /// must equal `Float.description`'s (the shortest round-trip decimal, optd's documented form)
    /// and must parse back to the same bits. Progress on stderr every 2^28 patterns.
    static func verifyAllFloats() {
        let chunk = 1 << 20
        var textMismatches = 0
        var roundTripMismatches = 0
        var floats = [Float](repeating: 0, count: chunk)
        let back = FloatBuffer(count: chunk)
        var checked = 0
        for base in stride(from: 0, to: 1 << 32, by: chunk) {
            var n = 0
            for offset in 0..<chunk {
                let f = Float(bitPattern: UInt32(base + offset))
                if f.isFinite { floats[n] = f; n += 1 }
            }
            var writer = JSONWriter()
            var reference: [UInt8] = []
            reference.reserveCapacity(n * 16 + 2)
            floats.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[0..<n])
                writer.floatArray(slice)
                descriptionPrinter(slice, into: &reference)
            }
            if writer.bytes != reference {
                for f in floats[0..<n] {
                    var one = JSONWriter()
                    withUnsafePointer(to: f) { one.floatArray(UnsafeBufferPointer(start: $0, count: 1)) }
                    let printed = String(decoding: one.bytes.dropFirst().dropLast(), as: UTF8.self)
                    if printed != f.description {
                        textMismatches += 1
                        if textMismatches <= 10 {
                            print("TEXT MISMATCH bits 0x\(String(f.bitPattern, radix: 16)): printed \(printed), Float.description \(f.description)")
                        }
                    }
                }
            }
            writer.bytes.withUnsafeBytes { raw in
                var reader = JSONReader(raw)
                var sink = FloatSink(into: back.buffer)
                try! reader.readFloatArray(into: &sink)
                precondition(sink.count == n)
            }
            for i in 0..<n where back[i].bitPattern != floats[i].bitPattern {
                roundTripMismatches += 1
                if roundTripMismatches <= 10 { print("ROUND-TRIP MISMATCH \(floats[i]) -> \(back[i])") }
            }
            checked += n
            if (base + chunk) % (1 << 28) == 0 {
                FileHandle.standardError.write(Data("verify-floats: \((base + chunk) >> 28)/16, \(textMismatches) text and \(roundTripMismatches) round-trip mismatches\n".utf8))
            }
        }
        print("verify-floats: \(checked) finite float32s printed and parsed back; "
              + "\(textMismatches) differ from Float.description, \(roundTripMismatches) round-trip mismatches")
        if textMismatches > 0 || roundTripMismatches > 0 { exit(1) }
    }
}
