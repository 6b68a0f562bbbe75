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

    /// n float32s from N(0, sigma²), as a step's body (sigma 1e-3, a gradient) or answer (sigma 1,
    /// parameters) holds them: a 64-bit LCG's top bits through Box-Muller, seeded, so every run
    /// and build sees the same values.
    static func normal(_ n: Int, sigma: Double, seed: UInt64) -> [Float] {
        var state = seed
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)  // (0, 1): log never sees 0
        }
        return (0..<n).map { _ in Float(sigma * (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())) }
    }

    /// One timed operation's rates over the runs, in bytes of JSON text per second.
    struct Rates {
        var wall: [Double] = []
        /// By this thread's CPU time, which leaves out time the shared machine gave to others.
        var cpu: [Double] = []

        /// Times `repeats` calls of `body` as one run; a 1k-float vector takes microseconds, so
        /// one call alone would be mostly clock overhead and noise.
        mutating func time(bytes: Int, repeats: Int, keep: Bool, _ body: () -> Void) {
            let (wall0, cpu0) = (now(), threadCPUTime())
            for _ in 0..<repeats { body() }
            let (wall1, cpu1) = (now(), threadCPUTime())
            if keep {
                wall.append(Double(bytes * repeats) / (wall1 - wall0))
                cpu.append(Double(bytes * repeats) / (cpu1 - cpu0))
            }
        }
    }

    static func threadCPUTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// What one size measures: a step body to parse and an answer to print.
    struct Workload {
        /// `{"gradient":[...]}`, read as the step endpoint reads it.
        var body: [UInt8]
        /// Parameters ~N(0, 1), printed as a JSON answer's `params`.
        var answer: [Float]
    }

    /// The body from `gradients` (orjson's text, written by benchmarks/codecs/run) when given,
    /// else optd's own text of N(0, 1e-3) float32s: the same values' shortest digits, but
    /// `8.1e-06` where orjson writes `0.0000081`.
    static func workload(size n: Int, gradients: String?) -> Workload {
        let answer = normal(n, sigma: 1, seed: 12345)
        if let path = gradients.map({ "\($0)/gradient-\(n).json" }) {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("optd-bench: cannot read \(path)\n".utf8))
                exit(1)
            }
            return Workload(body: [UInt8](data), answer: answer)
        }
        var writer = JSONWriter()
        normal(n, sigma: 1e-3, seed: 6).withUnsafeBufferPointer { writer.floatArray($0) }
        return Workload(body: Array("{\"gradient\":".utf8) + writer.bytes + Array("}".utf8), answer: answer)
    }

    /// Reads a step body's vector into `target`; returns how many numbers it held.
    static func parseBody(_ body: [UInt8], into target: FloatBuffer) -> Int {
        body.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            var sink = FloatSink(into: target.buffer)
            try! reader.readObject { (key, r) throws(JSONDecodeError) in
                precondition(key == "gradient")
                try r.readFloatArray(into: &sink)
            }
            try! reader.expectEnd()
            return sink.count
        }
    }

    /// Parse and print throughput over n float32s; run 0 is a warm-up and is not kept. The
    /// parsed values are checked against strtof's, the printed text against
    /// `Float.description`'s.
    static func measure(_ w: Workload, runs: Int) -> (parse: Rates, print: Rates, printDescription: Rates, json: [UInt8]) {
        let n = w.answer.count
        var writer = JSONWriter()
        w.answer.withUnsafeBufferPointer { writer.floatArray($0) }
        let json = writer.bytes
        var parse = Rates(), print = Rates(), printDescription = Rates()
        // About 20 ms a run whatever the size (parse and print both run near 1 GB/s).
        let parseRepeats = max(1, 20_000_000 / w.body.count)
        let printRepeats = max(1, 20_000_000 / json.count)
        var checksum: Float = 0
        let target = FloatBuffer(count: n)
        precondition(parseBody(w.body, into: target) == n, "the body holds \(n) numbers")
        checkAgainstStrtof(w.body, parsed: target)
        for run in 0...runs {
            parse.time(bytes: w.body.count, repeats: parseRepeats, keep: run > 0) {
                _ = parseBody(w.body, into: target)
                checksum += target[n / 2]
            }

            var out = JSONWriter()
            print.time(bytes: json.count, repeats: printRepeats, keep: run > 0) {
                out = JSONWriter()
                w.answer.withUnsafeBufferPointer { out.floatArray($0) }
            }
            precondition(out.bytes == json)

            var old: [UInt8] = []
            printDescription.time(bytes: json.count, repeats: 1, keep: run > 0) {
                old.reserveCapacity(n * 12 + 2)
                w.answer.withUnsafeBufferPointer { descriptionPrinter($0, into: &old) }
            }
            precondition(old == json, "the printer's text differs from Float.description")
        }
        if checksum.isNaN { Swift.print("checksum \(checksum)") }
        return (parse, print, printDescription, json)
    }

    /// Every parsed number against strtof over its own text (the body is `{"gradient":[a,b,...]}`).
    static func checkAgainstStrtof(_ body: [UInt8], parsed: FloatBuffer) {
        let open = body.firstIndex(of: UInt8(ascii: "["))!, close = body.lastIndex(of: UInt8(ascii: "]"))!
        for (i, token) in body[(open + 1)..<close].split(separator: UInt8(ascii: ",")).enumerated() {
            let expected = String(decoding: token, as: UTF8.self).withCString { strtof($0, nil) }
            precondition(parsed[i].bitPattern == expected.bitPattern, "element \(i): \(parsed[i]) vs strtof \(expected)")
        }
    }

    /// `codecs [--sizes N,N] [--runs R] [--gradients DIR] [--write-json DIR]`: the figures, one
    /// line per operation and size. With --gradients, the step bodies are DIR/gradient-N.json;
    /// with --write-json, each size's printed answer is saved as DIR/answer-N.json for the
    /// orjson peer.
    static func run(sizes: [Int], runs: Int, gradients: String?, writeJSON: String?) {
        print("# optd-bench codecs: JSON float32 vectors, MB/s of JSON text (median of \(runs) runs after a warm-up)")
        print("# parse: {\"gradient\":[...]} of N(0, 1e-3) float32s\(gradients == nil ? " (optd's text)" : " (orjson's text)"); "
              + "print: N(0, 1) float32s")
        for n in sizes {
            let w = workload(size: n, gradients: gradients)
            let r = measure(w, runs: runs)
            func line(_ label: String, _ rates: Rates, bytes: Int) {
                print(label.padding(toLength: 46, withPad: " ", startingAt: 0)
                      + String(format: " n=%-9d %8.1f MB/s wall %8.1f MB/s cpu  (%.1f-%.1f)  %d bytes of JSON, %.1f ns/float", n,
                               median(rates.wall) / 1e6, median(rates.cpu) / 1e6,
                               rates.wall.min()! / 1e6, rates.wall.max()! / 1e6, bytes,
                               Double(bytes) / median(rates.cpu) / Double(n) * 1e9))
            }
            line("optd-parse (into float32 memory)", r.parse, bytes: w.body.count)
            line("optd-print (Float32Printer)", r.print, bytes: r.json.count)
            line("optd-print (Float.description, before)", r.printDescription, bytes: r.json.count)
            if let dir = writeJSON {
                let path = "\(dir)/answer-\(n).json"
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
