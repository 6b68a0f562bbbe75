import Foundation
import Testing
@testable import OptdServer
@testable import OptimizerCore

/// Parses a JSON number array with the service's reader.
func parseFloats(_ text: String, capacity: Int? = nil) throws -> (values: [Float], count: Int) {
    var bytes = Array(text.utf8)
    return try bytes.withUnsafeMutableBytes { (raw) throws -> ([Float], Int) in
        var reader = JSONReader(UnsafeRawBufferPointer(raw))
        if let capacity {
            var storage = [Float](repeating: 0, count: capacity)
            return try storage.withUnsafeMutableBufferPointer { (buffer) throws -> ([Float], Int) in
                var sink = FloatSink(into: buffer)
                try reader.readFloatArray(into: &sink)
                try reader.expectEnd()
                return (Array(sink.stored), sink.count)
            }
        }
        var sink = FloatSink(growingFrom: 1)
        try reader.readFloatArray(into: &sink)
        try reader.expectEnd()
        return (Array(sink.stored), sink.count)
    }
}

func printFloats(_ values: [Float]) -> String {
    var writer = JSONWriter()
    values.withUnsafeBufferPointer { writer.floatArray($0) }
    return String(decoding: writer.bytes, as: UTF8.self)
}

func strtofReference(_ text: String) -> Float { text.withCString { strtof($0, nil) } }

@Suite struct JSONVectorCodecTests {
    @Test func printsShortestRoundTripDecimals() throws {
        #expect(printFloats([1, 0.1, -2.5, 1e-5, 1e8, 3.4028235e38, -0.0]) ==
                "[1.0,0.1,-2.5,1e-05,1e+08,3.4028235e+38,-0.0]")
        #expect(printFloats([]) == "[]")
        #expect(printFloats([.nan, .infinity, -.infinity, 1]) == "[null,null,null,1.0]", "a diverged run still answers valid JSON")
        #expect(printFloats([Float(0.1) + Float(0.2)]) == "[0.3]", "float32 0.1 + 0.2 is 0.3 exactly at float32 precision")
    }

    /// Every printed float32 reads back to the same bits; sampled across all bit patterns
    /// (the exhaustive run over 2^32 values is `optd-bench verify-floats`).
    @Test func printedFloatsParseBackBitExact() throws {
        var rand = Rand(seed: 42)
        var values: [Float] = [.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 1, -1, 0, -0.0,
                               Float(1).nextUp, Float(1).nextDown, 16777216, Float(16777216).nextUp]
        for bits in stride(from: UInt32(0), to: UInt32.max - 4099, by: 4099) {
            let f = Float(bitPattern: bits ^ UInt32(truncatingIfNeeded: rand.next()) & 0xFF)
            if f.isFinite { values.append(f) }
        }
        let text = printFloats(values)
        let parsed = try parseFloats(text)
        #expect(parsed.count == values.count)
        let mismatches = zip(values, parsed.values).filter { $0.bitPattern != $1.bitPattern }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }

    /// No decimal with one digit fewer reads back to the same float32.
    @Test func printedDecimalsAreShortest() throws {
        var rand = Rand(seed: 7)
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rand.next()))
            guard f.isFinite, f != 0 else { continue }
            let printed = f.description
            let mantissa = printed.split(separator: "e")[0].filter(\.isNumber).drop { $0 == "0" }
            let digits = mantissa.reversed().drop { $0 == "0" }.count
            guard digits > 1 else { continue }
            // The two (digits−1)-digit decimals around f: if either reads back to f, f's print was not shortest.
            let shorter = String(format: "%.\(digits - 2)e", Double(f))
            let parts = shorter.split(separator: "e")
            let step = pow(10.0, Double(Int(parts[1])!) - Double(digits - 2))
            let base = Double(shorter)!
            for candidate in [base - step, base, base + step] {
                #expect(Float(candidate) != f || String(format: "%.\(digits - 2)e", candidate).isEmpty,
                        "\(printed) could be written with \(digits - 1) digits as \(candidate)")
            }
        }
    }

    @Test func parsesLikeStrtof() throws {
        var rand = Rand(seed: 9)
        var texts = ["0", "-0", "1", "0.1", "1e-45", "7e-46", "1.4e-45", "3.4028235e38", "3.4028236e38",
                     "1.17549435e-38", "1.1754942e-38", "123456789012345678901234567890", "0.000000000000000000000000001",
                     "9007199254740993", "1.00000005960464477539062500000000001", "1.000000059604644775390625",
                     "16777217", "2.5e-324", "1e22", "1e23", "4.7019774e-38"]
        for _ in 0..<20_000 {
            let digits = Int(rand.next() % 25) + 1
            var s = (0..<digits).map { _ in String(rand.next() % 10) }.joined()
            s = String(s.drop { $0 == "0" }); if s.isEmpty { s = "0" }
            let exponent = Int(rand.next() % 90) - 45
            texts.append("\(rand.next() % 2 == 0 ? "-" : "")\(s)e\(exponent)")
            if s.count > 3 { texts.append("\(s.prefix(2)).\(s.dropFirst(2))") }
        }
        for text in texts {
            let expected = strtofReference(text)
            guard expected.isFinite else { continue }
            let parsed = try parseFloats("[\(text)]").values[0]
            #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) vs strtof \(expected)")
        }
    }

    /// Decimals exactly halfway between two float32s, and a hair either side: where rounding
    /// through double would go wrong.
    @Test func halfwayCasesRoundCorrectly() throws {
        var rand = Rand(seed: 3)
        for _ in 0..<5_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rand.next()) & 0x7EFF_FFFF)
            guard f.isNormal else { continue }
            let mid = (Double(f) + Double(f.nextUp)) / 2  // exact in double
            let exact = String(format: "%.60e", mid)
            for text in [exact, exact.replacingOccurrences(of: "e", with: "1e"), String(format: "%.17e", mid)] {
                let expected = strtofReference(text)
                let parsed = try parseFloats("[\(text)]").values[0]
                #expect(parsed.bitPattern == expected.bitPattern, "\(text)")
            }
        }
    }

    @Test func outOfFloat32RangeIsNonFiniteWithItsIndex() {
        #expect(throws: JSONDecodeError.nonFinite(index: 2)) { try parseFloats("[1, 2, 1e39]") }
        #expect(throws: JSONDecodeError.nonFinite(index: 0)) { try parseFloats("[-3.5e38]") }
        #expect(throws: JSONDecodeError.nonFinite(index: 1)) { try parseFloats("[0, 1" + String(repeating: "0", count: 1000) + "]") }
    }

    /// Python's json.dumps writes these for nan and inf; they are refused as non-finite values.
    @Test func nanAndInfinityLiteralsAreNonFinite() {
        #expect(throws: JSONDecodeError.nonFinite(index: 1)) { try parseFloats("[1, NaN]") }
        #expect(throws: JSONDecodeError.nonFinite(index: 0)) { try parseFloats("[Infinity, 1]") }
        #expect(throws: JSONDecodeError.nonFinite(index: 2)) { try parseFloats("[1, 2, -Infinity]") }
    }

    @Test func tinyNumbersUnderflowToZeroOrSubnormals() throws {
        #expect(try parseFloats("[1e-50, -1e-50, 1e-45]").values == [0, -0.0, .leastNonzeroMagnitude])
    }

    @Test(arguments: ["[01]", "[+1]", "[.5]", "[1.]", "[1e]", "[1e+]", "[-]",
                      "[1,]", "[,1]", "[1 2]", "[1,,2]", "[1]x", "[1", "[", "", "1", "{}", "[\"1\"]", "[true]", "[nan]", "[Inf]",
                      "[null]", "[[1]]", "[0x10]", "[1e5.5]", "[- 1]", "[1_000]", "[１]"])
    func malformedArraysAreSyntaxErrors(_ text: String) {
        #expect(throws: JSONDecodeError.self, "\(text)") { try parseFloats(text) }
        do { _ = try parseFloats(text) } catch {
            if case .nonFinite? = error as? JSONDecodeError { Issue.record("\(text) reported as non-finite") }
        }
    }

    @Test func whitespaceIsAllowedBetweenTokens() throws {
        #expect(try parseFloats(" \n[ 1 ,\t2\r\n, 3 ] \n").values == [1, 2, 3])
    }

    @Test func fixedCapacityCountsButDoesNotStoreTheExcess() throws {
        let result = try parseFloats("[1,2,3,4,5]", capacity: 3)
        #expect(result.values == [1, 2, 3])
        #expect(result.count == 5)
    }
}
