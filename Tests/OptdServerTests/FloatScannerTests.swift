import Foundation
import Testing
@testable import OptdServer

/// The vector reader's fast path (`FloatScanner`, eight digits at a time) against strtof, at the
/// places where it could go wrong: every digit count around the eight-byte chunks, the end of
/// the buffer, halfway cases, subnormals, and errors, which must keep their offsets.
@Suite struct FloatScannerTests {
    /// The fast path alone over exactly `text`'s bytes (nothing after the number to over-read).
    func scanned(_ text: String) -> (value: Float, length: Int)? {
        let bytes = Array(text.utf8)
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        defer { copy.deallocate() }
        copy.initialize(from: bytes, count: bytes.count)
        return FloatScanner.float(at: copy, end: copy + bytes.count).map { ($0.value, $0.end - UnsafePointer(copy)) }
    }

    func expectParsesLikeStrtof(_ texts: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let parsed = try parseFloats("[" + texts.joined(separator: ",") + "]").values
        for (text, value) in zip(texts, parsed) {
            let expected = strtofReference(text)
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) vs strtof \(expected)", sourceLocation: sourceLocation)
        }
    }

    /// 1 to 20 digits, the point at every place, with and without an exponent and a sign: the
    /// chunks of eight end inside, at and after each number.
    @Test func everyDigitCountAndPointPosition() throws {
        var rand = Rand(seed: 20)
        var texts: [String] = []
        for count in 1...20 {
            for _ in 0..<20 {
                var digits = (0..<count).map { _ in Character(String(rand.next() % 10)) }
                if count > 1 { digits[0] = Character(String(rand.next() % 9 + 1)) }
                let s = String(digits)
                texts.append(s)
                texts.append("-" + s)
                for point in 1..<max(count, 1) where s.first != "0" || point == 1 {
                    texts.append("\(s.prefix(point)).\(s.dropFirst(point))")
                }
                texts.append("0.\(s)")
                texts.append("-0.000\(s)")
                texts.append(count > 1 ? "\(s.prefix(1)).\(s.dropFirst())e-\(rand.next() % 40)" : "\(s)e-\(rand.next() % 40)")
                texts.append("\(s)E+\(rand.next() % 15)")
            }
        }
        try expectParsesLikeStrtof(texts)
    }

    /// Each number also read alone, ending at the last byte of the buffer, so no eight-byte load
    /// may reach past it; a shorter buffer must not change the value or where the number ends.
    @Test func numbersEndingAtTheBufferEnd() {
        for text in ["0", "-0", "7", "12345678", "123456789", "1234567890123456", "0.12345678", "-0.00013796506",
                     "1.2345678", "99999999", "1e5", "1.5E-7", "-3.4028235e20", "0.0000081234567"] {
            guard let (value, length) = scanned(text) else { Issue.record("\(text) left to the slow path"); continue }
            #expect(value.bitPattern == strtofReference(text).bitPattern, "\(text)")
            #expect(length == text.utf8.count, "\(text)")
        }
    }

    /// 1 + 2^-24 is halfway between 1 and the next float32: a hair below rounds down, exactly
    /// half rounds to even (1.0), a hair above rounds up; likewise around 1 + 3 · 2^-24.
    @Test func halfwayCasesAroundOne() throws {
        let cases: [(String, Float)] = [
            ("1.00000005960464477539062", 1), ("1.000000059604644775390625", 1),
            ("1.00000005960464477539063", Float(1).nextUp), ("1.0000000596046448", Float(1).nextUp),
            ("1.0000000596046447", 1), ("1.000000178813934326171875", Float(1).nextUp.nextUp),
            ("1.00000017881393432617187", Float(1).nextUp), ("16777217", 16777216), ("16777219", 16777220),
            ("16777217.000000001", 16777218), ("-16777217", -16777216),
        ]
        let parsed = try parseFloats("[" + cases.map(\.0).joined(separator: ",") + "]").values
        for ((text, expected), value) in zip(cases, parsed) {
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value), expected \(expected)")
            #expect(value.bitPattern == strtofReference(text).bitPattern, "\(text) and strtof")
        }
    }

    @Test func subnormalsAndZeros() throws {
        let texts = ["0", "-0", "0.0", "-0.0", "0e0", "-0E-5", "0.000000000000000000000000000", "1e-45", "-1e-45",
                     "1.4e-45", "7e-46", "7.1e-46", "7.006492321624085e-46", "7.006492321624086e-46", "1.1754942e-38",
                     "1.17549435e-38", "1.1754943508222875e-38", "4.7019774e-38", "2.3509887e-38", "1e-38", "9.99e-39",
                     "0.0000000000000000000000000000000000000000000014012984643",
                     "3.4028235e38", "3.4028235677973366e38", "340282346638528859811704183484516925440",
                     // Negative subnormals near a midpoint: the fast path must leave them to
                     // strtof as it does the positive ones (it compares the magnitude).
                     "3.4839369686228789e-39", "3.777496385212749e-39"]
        try expectParsesLikeStrtof(texts + texts.filter { !$0.hasPrefix("-") }.map { "-" + $0 })
        let zeros = try parseFloats("[0, -0, -0.0, -0e3]").values
        #expect(zeros.map(\.bitPattern) == [0, 0x8000_0000, 0x8000_0000, 0x8000_0000])
    }

    /// Leading zeros in a fraction are not significant digits: a long 0.000... still takes the
    /// fast path when its significant digits are few, and is rounded right either way.
    @Test func leadingZerosOfAFractionAreNotCounted() throws {
        #expect(scanned("0.000000000000000012345") != nil, "22 digits, 5 significant")
        #expect(scanned("0.1234567890123456789012") == nil, "22 significant digits: strtof")
        try expectParsesLikeStrtof(["0.000000000000000012345", "0.00000000000000000000012345", "0.1234567890123456789012", "-0.0000000000000000001",
                                    "1234567890123456789", "12345678901234567890", "9999999999999999999", "1.0000000000000000000000001"])
    }

    /// The fast path converts the mantissa with its sign as a signed 64-bit integer, so a
    /// 19-digit mantissa from 2^63 on has no such form and is left to strtof; just below, either
    /// sign, it is read fast, and a negative number reads as its positive one negated.
    @Test func mantissasAroundTwoToTheSixtyThree() throws {
        #expect(scanned("9223372036854775807e-19") != nil, "2^63 - 1: the fast path")
        #expect(scanned("-9223372036854775807e-19") != nil, "-(2^63 - 1): the fast path")
        #expect(scanned("9223372036854775808e-19") == nil, "2^63: strtof")
        #expect(scanned("-9999999999999999999e-30") == nil, "over 2^63: strtof")
        try expectParsesLikeStrtof(["9223372036854775807e-19", "-9223372036854775807e-19", "9223372036854775808e-19",
                                    "-9223372036854775808e-19", "9999999999999999999e-30", "-9999999999999999999e-30",
                                    "9223372036854775807", "-9223372036854775808", "-0.0012345678", "-1.2345678e-05"])
        for text in ["0.0012345678", "1.2345678e-05", "3.4028235e38", "2.5e-30", "0.5", "123456.78"] {
            guard let positive = scanned(text), let negative = scanned("-" + text) else {
                Issue.record("\(text) left to the slow path"); continue
            }
            #expect(negative.value.bitPattern == (-positive.value).bitPattern, "-\(text)")
        }
    }

    /// The fast path multiplies by the nearest double to 10^k; each of those is what strtod
    /// reads from "1ek", so the table holds no typo.
    @Test func scalesAreTheNearestDoubles() {
        for k in -64...64 {
            #expect(FloatParsing.scales[k + 64].bitPattern == strtod("1e\(k)", nil).bitPattern, "10^\(k)")
        }
    }

    /// Python's json.dumps writes a float32 value as the 17-digit double it became; other
    /// clients write 9 digits or the shortest. And the fast path's margin: decimals a few double
    /// ulps either side of the midpoint between two float32s, where rounding is decided by a hair.
    @Test func longDecimalsAndNearMidpointsReadLikeStrtof() throws {
        var rand = Rand(seed: 6)
        var texts: [String] = []
        for _ in 0..<4000 {
            // Normal float32s of every exponent, either sign.
            let bits = UInt32(truncatingIfNeeded: rand.next()) & 0x7FFF_FFFF
            let value = Float(bitPattern: max(0x0080_0000, min(bits, 0x7F7F_FFFE)) | UInt32(rand.next() & 1) << 31)
            texts.append(String(format: "%.17g", Double(value)))
            texts.append(String(format: "%.9g", Double(value)))
            let midpoint = (Double(value) + Double(value.magnitude.nextUp) * (value < 0 ? -1 : 1)) / 2
            var below = midpoint, above = midpoint
            texts.append(String(format: "%.18e", midpoint))
            for _ in 1...12 {
                below = below.nextDown
                above = above.nextUp
                texts.append(String(format: "%.18e", below))
                texts.append(String(format: "%.18e", above))
            }
        }
        try expectParsesLikeStrtof(texts)
    }

    /// What orjson and json.dumps write: no spaces, spaces after commas, pretty-printed.
    @Test func whitespaceBetweenNumbersIsRead() throws {
        let values: [Float] = [0.0010531157, -0.00013796506, 1.5, -2, 3e-7]
        for text in ["[0.0010531157,-0.00013796506,1.5,-2,3e-7]", "[0.0010531157, -0.00013796506, 1.5, -2, 3e-7]",
                     "[\n  0.0010531157,\n  -0.00013796506,\n  1.5,\n  -2,\n  3e-7\n]", "[ 0.0010531157 ,-0.00013796506\t,1.5 , -2,3e-7 ]"] {
            #expect(try parseFloats(text).values == values, "\(text)")
        }
    }

    /// The offsets and reasons of the general reader, which the fast path hands errors to.
    @Test(arguments: [
        ("[01]", 2, "leading zeros are not allowed"), ("[-01]", 3, "leading zeros are not allowed"),
        ("[1.]", 3, "expected a digit after '.'"), ("[1.e5]", 3, "expected a digit after '.'"),
        ("[1e]", 3, "expected a digit in the exponent"), ("[1e+]", 4, "expected a digit in the exponent"),
        ("[-]", 2, "expected a number"), ("[1,]", 3, "expected a number"), ("[-a]", 2, "expected a number, found 'a'"),
        ("[1 2]", 3, "expected ',' or ']' in an array of numbers"), ("[1e5.5]", 4, "expected ',' or ']' in an array of numbers"),
        ("[0.12345678901x]", 14, "expected ',' or ']' in an array of numbers"), ("[1", 2, "unterminated array"),
        ("[12345678901234", 15, "unterminated array"), ("[1,true]", 3, "expected a number, found 'true'"),
        ("[ 1 2 ]", 4, "expected ',' or ']' in an array of numbers"), ("[1, ]", 4, "expected a number"),
        ("[1\n,\n]", 5, "expected a number"), ("[1 ,", 4, "expected a number"), ("[1,2 ", 5, "unterminated array"),
        ("[0.1234567890123456,01]", 21, "leading zeros are not allowed"),
    ] as [(String, Int, String)])
    func errorsKeepTheirOffsets(_ text: String, _ offset: Int, _ reason: String) {
        #expect(throws: JSONDecodeError.syntax(offset: offset, reason: reason), "\(text)") { try parseFloats(text) }
    }
}
