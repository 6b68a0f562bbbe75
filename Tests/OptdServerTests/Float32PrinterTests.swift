import Testing
@testable import OptdServer

/// The JSON vector printer (`Float32Printer` through `JSONWriter.floatArray`): shortest float32
/// decimals in `Float.description`'s text. The exhaustive check over every float32 is
/// `optd-bench verify-floats`; these pin the edges a user meets.
@Suite struct Float32PrinterTests {
    func printed(_ value: Float) -> String {
        let text = printFloats([value])
        return String(text.dropFirst().dropLast())
    }

    @Test func zeroAndNegativeZero() {
        #expect(printed(0) == "0.0")
        #expect(printed(-0.0) == "-0.0")
    }

    @Test func subnormals() {
        #expect(printed(.leastNonzeroMagnitude) == "1e-45")
        #expect(printed(-.leastNonzeroMagnitude) == "-1e-45")
        #expect(printed(Float(bitPattern: 2)) == "3e-45", "2.8e-45: one digit is enough")
        #expect(printed(Float(bitPattern: 3)) == "4e-45")
        #expect(printed(Float(bitPattern: 0x0001_2345)) == "1.04488e-40")
        #expect(printed(Float(bitPattern: 0x007F_FFFF)) == "1.1754942e-38", "the largest subnormal")
    }

    @Test func extremesOfTheNormalRange() {
        #expect(printed(.leastNormalMagnitude) == "1.1754944e-38", "FLT_MIN")
        #expect(printed(.greatestFiniteMagnitude) == "3.4028235e+38", "FLT_MAX")
        #expect(printed(-.greatestFiniteMagnitude) == "-3.4028235e+38")
    }

    /// Plain decimals from 1e-4 to 2^24, exponential notation outside, a signed exponent of at
    /// least two digits.
    @Test func powersOfTen() {
        let expected = [
            "1e-45", "1e-44", "1e-43", "1e-42", "1e-41", "1e-40", "1e-39", "1e-38", "1e-37", "1e-36",
            "1e-35", "1e-34", "1e-33", "1e-32", "1e-31", "1e-30", "1e-29", "1e-28", "1e-27", "1e-26",
            "1e-25", "1e-24", "1e-23", "1e-22", "1e-21", "1e-20", "1e-19", "1e-18", "1e-17", "1e-16",
            "1e-15", "1e-14", "1e-13", "1e-12", "1e-11", "1e-10", "1e-09", "1e-08", "1e-07", "1e-06",
            "1e-05", "0.0001", "0.001", "0.01", "0.1", "1.0", "10.0", "100.0", "1000.0", "10000.0",
            "100000.0", "1000000.0", "10000000.0", "1e+08", "1e+09", "1e+10", "1e+11", "1e+12", "1e+13",
            "1e+14", "1e+15", "1e+16", "1e+17", "1e+18", "1e+19", "1e+20", "1e+21", "1e+22", "1e+23",
            "1e+24", "1e+25", "1e+26", "1e+27", "1e+28", "1e+29", "1e+30", "1e+31", "1e+32", "1e+33",
            "1e+34", "1e+35", "1e+36", "1e+37", "1e+38",
        ]
        for (i, text) in expected.enumerated() {
            let value = Float("1e\(i - 45)")!
            #expect(printed(value) == text, "1e\(i - 45)")
        }
    }

    @Test func whereExponentNotationStarts() {
        #expect(printed(0.0001) == "0.0001")
        #expect(printed(Float(0.0001).nextUp) == "0.000100000005", "nine digits, the longest plain form")
        #expect(printed(-Float(0.0001).nextUp) == "-0.000100000005")
        #expect(printed(-Float(0.0001).nextUp).utf8.count == Float32Printer.maxLength)
        #expect(printed(Float(0.0001).nextDown) == "9.999999e-05")
        #expect(printed(5e-5) == "5e-05")
        #expect(printed(0.00006103515625) == "6.1035156e-05", "2^-14")
        #expect(printed(1.25e-7) == "1.25e-07")
        #expect(printed(16777216) == "16777216.0", "2^24 is still plain")
        #expect(printed(16777215) == "16777215.0")
        #expect(printed(Float(16777216).nextUp) == "1.6777218e+07", "above 2^24 exponential")
        #expect(printed(9.223372e18) == "9.223372e+18")
    }

    /// The shortest decimal of the float32, not of the double it widens to.
    @Test func float32DigitsNotFloat64() {
        #expect(printed(0.1) == "0.1", "not 0.10000000149011612")
        #expect(printed(1.0 / 3) == "0.33333334")
        #expect(printed(.pi) == "3.1415925")
        #expect(printed(Float(1).nextUp) == "1.0000001")
        #expect(printed(Float(1).nextDown) == "0.99999994")
        #expect(printed(123456.7) == "123456.7")
        #expect(printed(-2.5) == "-2.5")
    }

    @Test func integersKeepAFractionDigit() {
        #expect(printed(1) == "1.0")
        #expect(printed(-7) == "-7.0")
        #expect(printed(100) == "100.0")
        #expect(printed(1_000_000) == "1000000.0")
        #expect(printed(12_345_678) == "12345678.0")
    }

    /// The printer replaced `Float.description` in JSON answers: the same text, sampled across
    /// all bit patterns (every one is compared by `optd-bench verify-floats`).
    @Test func sameTextAsFloatDescription() {
        var rand = Rand(seed: 11)
        var values: [Float] = []
        for _ in 0..<100_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rand.next()))
            if f.isFinite { values.append(f) }
        }
        let expected = "[" + values.map(\.description).joined(separator: ",") + "]"
        #expect(printFloats(values) == expected)
    }

    /// The fast path's tables by binary exponent are `powersOfTen` and the log formulas
    /// rearranged (they are literals so that loading them costs no lazy initialisation).
    @Test func tablesByExponent() {
        for biasedExponent in 1...254 {
            let q = biasedExponent - 150
            let index = 1 - Float32Printer.floorLog10Pow2(q)  // -k
            #expect(Float32Printer.cacheByExponent[biasedExponent]
                    == Float32Printer.powersOfTen[index - Float32Printer.minPower], "E = \(biasedExponent)")
            #expect(Int(Float32Printer.shiftByExponent[biasedExponent])
                    == q + Float32Printer.floorLog2Pow10(index), "E = \(biasedExponent)")
            #expect(Int(Float32Printer.scientificByExponent[biasedExponent]) == 8 - index, "E = \(biasedExponent)")
        }
    }

    /// Values whose digits leave the fast path: nine digits, a remainder equal to the
    /// interval's width or zero, the small-divisor correction.
    @Test func exactPathAgreesWithFastPath() {
        var rand = Rand(seed: 5)
        var values: [Float] = []
        var differing: [Float] = []
        for _ in 0..<100_000 {
            // 1/8 to 2, where N(0, 1) parameters are: every outcome of the fast path's tests.
            let f = Float(bitPattern: 0x3E00_0000 | UInt32(truncatingIfNeeded: rand.next()) & 0x01FF_FFFF)
            values.append(f)
            let fast = Float32Printer.digits(f.bitPattern)
            let exact = Float32Printer.exactDigits(f.bitPattern)
            if fast.chars != exact.chars || fast.ninth != exact.ninth || fast.scientific != exact.scientific {
                differing.append(f)
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(10))")
        #expect(printFloats(values) == "[" + values.map(\.description).joined(separator: ",") + "]")
    }

    /// Whatever came before the array stays, and the array is trimmed to its text.
    @Test func appendsAfterExistingBytes() {
        var writer = JSONWriter()
        writer.raw("{\"params\":")
        [Float(1.5), -0.25].withUnsafeBufferPointer { writer.floatArray($0) }
        writer.raw("}")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "{\"params\":[1.5,-0.25]}")
    }
}
