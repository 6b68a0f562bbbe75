/// Shortest round-trip decimals of float32s, written as Swift's `Float.description` writes them.
///
/// The digits come from Dragonbox (Junekey Jeon, "Dragonbox: A New Floating-Point
/// Binary-to-Decimal Conversion Algorithm", 2020), specialised to float32: one 64-bit power of
/// ten per value, one 64×64-bit multiplication giving the upper end z of the float's rounding
/// interval in units of 10^k (k chosen so that the interval is 10 to 100 units wide; z is then
/// 8.3 · 10^7 to 1.7 · 10^9), then a try of the next power of ten: if a multiple of 100 lies in
/// the interval, that is the shortest decimal; otherwise the multiple of 10 nearest the float
/// (Dragonbox's "small divisor" step, κ = 1). The decimal chosen is the shortest that reads back to the same float32;
/// when several are that short, the closest to the float's exact value (ties: even digit).
///
/// Most values take the fast path in `digits`: everything that depends only on the binary
/// exponent is in tables, the divisions by 100 and by 10 are multiplications whose low bits
/// also answer "is the remainder 0?", the choice between the candidates is arithmetic (it is a
/// coin toss in a vector, which a branch would mispredict), and the characters of the first
/// seven digits are computed from z alongside that choice rather than after it. The rest go to
/// `exactDigits`, Dragonbox written out case by case: subnormals, powers of two, and the
/// boundary cases that need one more multiplication (about 1.3 % of N(0, 1) values); a
/// nine-digit result (about 2.4 %) is laid out by `layOut`.
///
/// The text is what `Float.description` prints, byte for byte (`optd-bench verify-floats`
/// compares all 4,278,190,080 finite float32s): `1.0`, `0.1`, `-2.5`, `0.0001`, `16777216.0`;
/// exponential below 1e-4 and above 2^24, with a signed exponent of at least two digits:
/// `1e-05`, `1.6777218e+07`, `3.4028235e+38`; `0.0` and `-0.0`.
enum Float32Printer {
    /// The longest text of a finite float32: `-0.000123456789` (a sign, `0.000`, nine digits).
    static let maxLength = 15
    /// Bytes `write` may store to at `out`: the text, then scratch (whole 8-byte words are
    /// stored rather than byte by byte) that whatever is written next overwrites.
    static let room = 24

    /// Writes finite `value` at `out`, which has `room` writable bytes; returns the text's length.
    ///
    /// Whether |value| < 1 is a coin toss in a vector of parameters, so both plain layouts,
    /// `ddd.ddd` and `0.000ddd`, are one sequence of three stores whose words and places are
    /// picked with masks. The exponential form (rare: below 1e-4 or above 2^24) is a branch.
    @inline(__always)
    static func write(_ value: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let bits = value.bitPattern
        out.pointee = UInt8(ascii: "-")
        let p = out + Int(bits >> 31)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude == 0 {
            store(0x30_2E30 /* "0.0" */, at: p)
            return p + 3 - out
        }
        let d = digits(magnitude)
        let ninthChar = d.ninth | 0x30
        // Digits up to the last nonzero one: the eight characters hold 0x30 from there on.
        let significant = d.ninth != 0 ? 9 : (71 &- (d.chars ^ 0x3030_3030_3030_3030).leadingZeroBitCount) >> 3
        let scientific = d.scientific  // value = d.ddd × 10^scientific
        if scientific < -4 || magnitude > 0x4B80_0000 /* 2^24 */ {
            // d[.ddd]e±XX, the exponent of at least two digits (|scientific| <= 45).
            p[0] = UInt8(truncatingIfNeeded: d.chars)
            p[1] = UInt8(ascii: ".")
            store(d.chars >> 8 | ninthChar << 56, at: p + 2)
            let e = significant > 1 ? p + significant + 1 : p + 1
            let magnitude = UInt64(abs(scientific))
            store(UInt64(UInt8(ascii: "e"))
                  | (scientific < 0 ? 0x2D /* "-" */ : 0x2B /* "+" */) << 8
                  | (magnitude / 10 | 0x30) << 16
                  | (magnitude % 10 | 0x30) << 24, at: e)
            return e + 4 - out
        }
        // ddd.ddd: the first eight characters; from the point on, the point and the characters
        // after the integer digits (the ninth, if any, stored on its own).
        // 0.000ddd: "0.000000", then the eight characters after "0." and lead - 1 zeros.
        // Both: the first word at p, the second 1 + |scientific| further, the ninth character
        // at 9 + lead (after whatever it overwrites, or past the end where it is scratch).
        let below1 = UInt64(bitPattern: Int64(scientific) >> 63)  // all ones when scientific < 0
        let lead = (0 &- scientific) & Int(bitPattern: UInt(below1))  // zeros before the digits
        let fractionPart = (d.chars &>> UInt64(truncatingIfNeeded: 8 &* scientific)) & ~0xFF | 0x2E /* "." */
        let first = d.chars ^ ((d.chars ^ 0x3030_3030_3030_2E30 /* "0.000000" */) & below1)
        let second = fractionPart ^ ((fractionPart ^ d.chars) & below1)
        store(first, at: p)
        store(second, at: p + 1 + scientific + 2 &* lead)
        p[9 + lead] = UInt8(truncatingIfNeeded: ninthChar)
        // At least one digit after the point; 0.000ddd is "0." and lead - 1 zeros and the digits.
        return p + max(significant &+ 1 &+ lead, scientific &+ 3) - out
    }

    @inline(__always)
    private static func store(_ word: UInt64, at p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: word.littleEndian, as: UInt64.self)
    }

    /// The shortest decimal of a positive finite float32, ready to lay out: value =
    /// d.dddddddd × 10^scientific with the digits' first eight characters in `chars` (the first
    /// in the lowest byte) and the ninth digit, or 0, in `ninth`.
    struct Digits {
        var chars: UInt64
        var ninth: UInt64
        var scientific: Int
    }

    /// `Digits` of the positive finite float32 with bits `magnitude` (Dragonbox's normal
    /// interval, κ = 1; variable names as in the paper where it has them).
    @inline(__always)
    static func digits(_ magnitude: UInt32) -> Digits {
        let fraction = magnitude & 0x7F_FFFF
        if fraction == 0 || magnitude < 0x80_0000 { return exactDigits(magnitude) }
        let twoC = UInt64(fraction | 0x80_0000) << 1
        let biasedExponent = Int(magnitude >> 23)
        let cache = cacheByExponent[biasedExponent]
        let beta = UInt64(shiftByExponent[biasedExponent])
        // The upper end of the rounding interval (c + 1/2) · 2^q, times 10^-k, and its width
        // 2^q · 10^-k, both rounded down; z < 2^31, 10 <= delta < 100.
        let product = ((twoC | 1) &<< beta).multipliedFullWidth(by: cache)
        let z = product.high
        let delta = cache &>> (63 &- beta)
        // s = z / 100 by multiplication. Its low 37 bits are 28 (z / 100) + r · m100 for the
        // remainder r (z < 2^32), below (r + 1) · m100, so they compare with r without
        // computing it: r < delta when below delta · m100, r = 0 when below m100.
        let quotient100 = z &* m100
        let s = quotient100 >> 37
        let remainder100 = quotient100 & (1 << 37 - 1)
        let deltaScaled = delta &* m100
        // To the exact path: r = delta (whether the lower end is in needs x's parity); r = 0
        // with z itself an integer (whether the upper end is in); z below 10^8 (at the bottom
        // of a few binades; digits would start a place later). The middle test also lets
        // through some r = 0 with z not an integer, which the exact path handles as well.
        if z < 100_000_000 || remainder100 | product.low >> 32 < m100 || remainder100 &- deltaScaled < m100 {
            return exactDigits(magnitude)
        }
        // All ones when r > delta: no multiple of 100 in the interval, so the last digit is the
        // small-divisor step's. Arithmetic, not a comparison, which would become a branch.
        let noShorter = ~UInt64(bitPattern: Int64(bitPattern: remainder100 &- deltaScaled) >> 63)
        // The small-divisor step: y = 10 s + t with t = (r + 5 - delta / 2) / 10, the multiple
        // of 10 nearest the float rounded up; w = 100 s + r + 5 - delta / 2 and y = w / 10.
        let w = z &+ 5 &- delta / 2
        let quotient10 = w &* m10
        let y = quotient10 >> 35
        var last = (y &- 10 &* s) & noShorter
        // w a multiple of 10 (low bits below m10, as for 100 above): y may be one too high; the
        // parity of the float's own scaled value tells (about 6 % of values, hence a branch).
        if ((quotient10 & (1 << 35 - 1)) &- m10) >> 63 & noShorter != 0 {
            let exact = twoC &* cache
            let parity = (exact &>> (64 &- beta)) & 1
            let isInteger = UInt32(truncatingIfNeeded: exact &>> (32 &- beta)) == 0
            if parity != (w ^ 5) & 1 || (y & 1 != 0 && isInteger) { last &-= 1 }
        }
        if z >= 1_000_000_000 {
            // Nine digits (about 2.4 % of N(0, 1) values).
            return layOut(10 &* s &+ last, exponent: Int(scientificByExponent[biasedExponent]) &- 7)
        }
        return Digits(chars: characters(firstSevenOf: z, then: last), ninth: 0,
                      scientific: Int(scientificByExponent[biasedExponent]))
    }

    /// ceil(2^37 / 100) = (2^37 + 28) / 100: (x · m100) >> 37 = x / 100 for x < 2^32, the
    /// excess 28 x / (100 · 2^37) staying below 1/100, the gap to the next quotient.
    private static let m100: UInt64 = 1_374_389_535
    /// ceil(2^35 / 10) = (2^35 + 2) / 10: (x · m10) >> 35 = x / 10 for x < 2^32 likewise.
    private static let m10: UInt64 = 3_435_973_837

    /// The characters of the first seven of x's nine digits (10^8 <= x < 10^9), then `last`'s
    /// (0 ... 9), the first in the lowest byte.
    ///
    /// x / 10^7 in 57-bit fixed point, then the fraction times 100 for the next pair twice and
    /// times 10 for the seventh digit; pairs are looked up as characters. Exact: the scale is
    /// rounded up, so the error is positive and, after the seventh digit, below
    /// 10^9 · 10^5 / 2^57 < 10^-3, less than the gap 10^-2 to a wrong digit (all 9 · 10^8 values
    /// of x were also compared once with a throwaway program).
    @inline(__always)
    static func characters(firstSevenOf x: UInt64, then last: UInt64) -> UInt64 {
        let fractionMask: UInt64 = 1 << 57 - 1
        var y = x &* 14_411_518_808  // ceil(2^57 / 10^7)
        let pair1 = y >> 57
        y = (y & fractionMask) &* 100
        let pair2 = y >> 57
        y = (y & fractionMask) &* 100
        let pair3 = y >> 57
        y = (y & fractionMask) &* 10
        let pairs = UInt64(twoCharacters(pair1)) | UInt64(twoCharacters(pair2)) << 16 | UInt64(twoCharacters(pair3)) << 32
        return pairs | (y >> 57 | 0x30) << 48 | (last | 0x30) << 56
    }

    /// "00" ... "99" as two bytes, the first in the lower byte (a string literal: static, no
    /// lazy initialisation or bounds check in the loop).
    @inline(__always)
    private static func twoCharacters(_ n: UInt64) -> UInt16 {
        let table = UnsafeRawPointer(("00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899" as StaticString).utf8Start)
        return table.loadUnaligned(fromByteOffset: Int(n) &* 2, as: UInt16.self).littleEndian
    }

    /// `Digits` of any positive finite float32, by Dragonbox case by case (branches are fine
    /// here: these are the rare values).
    @inline(never)
    static func exactDigits(_ magnitude: UInt32) -> Digits {
        let (n, exponent) = exactDecimal(magnitude)
        return layOut(UInt64(n), exponent: exponent)
    }

    /// `Digits` of n · 10^exponent, n >= 1 with at most nine significant digits.
    @inline(never)
    static func layOut(_ n: UInt64, exponent: Int) -> Digits {
        var n = n
        var exponent = exponent
        while n >= 1_000_000_000 { n /= 10; exponent += 1 }  // drops zeros only
        if n >= 100_000_000 {
            return Digits(chars: characters(firstSevenOf: n, then: n / 10 % 10), ninth: n % 10, scientific: exponent + 8)
        }
        while n < 10_000_000 { n *= 10; exponent -= 1 }
        return Digits(chars: characters(firstSevenOf: n * 10, then: n % 10), ninth: 0, scientific: exponent + 7)
    }

    /// The shortest decimal n · 10^exponent in the rounding interval of the positive finite
    /// float32 with bits `magnitude`: Dragonbox for float32, all cases (normal interval with
    /// κ = 1, and the narrower interval of a power of two).
    static func exactDecimal(_ magnitude: UInt32) -> (n: UInt32, exponent: Int) {
        let fraction = magnitude & 0x7F_FFFF
        let biasedExponent = Int(magnitude >> 23)
        var c = fraction
        var q = -149  // subnormal
        if biasedExponent != 0 {
            c |= 0x80_0000
            q = biasedExponent - 150
            if fraction == 0 && biasedExponent > 1 { return powerOfTwoDecimal(q) }
        }
        // Round half to even reads the interval's ends back to c when c is even.
        let includesEnds = c & 1 == 0
        let k = floorLog10Pow2(q) - 1  // z below in units of 10^k
        let cache = powersOfTen[-k - minPower]
        let beta = q + floorLog2Pow10(-k)
        let twoC = UInt64(c) << 1
        let product = ((twoC | 1) << UInt64(beta)).multipliedFullWidth(by: cache)
        let z = UInt32(truncatingIfNeeded: product.high)
        let zIsInteger = product.low >> 32 == 0
        let delta = UInt32(truncatingIfNeeded: cache >> UInt64(63 - beta))
        var s = z / 100
        var r = z - 100 * s
        if r < delta {
            if r != 0 || !zIsInteger || includesEnds { return (s * 10, k + 1) }
            // The upper end, a multiple of 100, is not in the interval: one step down.
            s -= 1
            r = 100
        } else if r == delta {
            // The lower end's fraction decides whether s · 100 is in.
            let (xParity, xIsInteger) = parity(twoC - 1, cache, beta)
            if xParity || (xIsInteger && includesEnds) { return (s * 10, k + 1) }
        }
        let dist = r + 5 - delta / 2
        let t = dist / 10
        var y = 10 * s + t
        if dist == t * 10 {
            let (yParity, yIsInteger) = parity(twoC, cache, beta)
            if yParity != ((dist ^ 5) & 1 != 0) || (y & 1 != 0 && yIsInteger) { y -= 1 }
        }
        return (y, k + 1)
    }

    /// The parity of floor(twoF · 2^(q-1) · 10^-k), and whether that is an integer.
    private static func parity(_ twoF: UInt64, _ cache: UInt64, _ beta: Int) -> (Bool, Bool) {
        let r = twoF &* cache
        return ((r >> UInt64(64 - beta)) & 1 != 0, UInt32(truncatingIfNeeded: r >> UInt64(32 - beta)) == 0)
    }

    /// The shortest decimal for 2^q · 2^23 (q > -149): the interval below is half as wide as
    /// above. Dragonbox's thresholds for float32: the lower end is an integer, and so in the
    /// interval, only for q in 2 ... 3; a tie between two candidates only at q = -35.
    private static func powerOfTwoDecimal(_ q: Int) -> (n: UInt32, exponent: Int) {
        let k = (q * 631_305 - 261_663) >> 21  // floor(log10(2^q · 3/4))
        let beta = q + floorLog2Pow10(-k)
        let cache = powersOfTen[-k - minPower]
        var xi = UInt32(truncatingIfNeeded: (cache - (cache >> 25)) >> UInt64(40 - beta))
        let zi = UInt32(truncatingIfNeeded: (cache + (cache >> 24)) >> UInt64(40 - beta))
        if !(q >= 2 && q <= 3) { xi += 1 }
        let s = zi / 10
        if s * 10 >= xi { return (s * 10, k) }
        var y = UInt32(truncatingIfNeeded: (cache >> UInt64(39 - beta) + 1) / 2)
        if q == -35 && y & 1 != 0 {
            y -= 1
        } else if y < xi {
            y += 1
        }
        return (y, k)
    }

    /// floor(e · log10(2)) for |e| <= 2620 (Dragonbox's constants; checked exact with integers
    /// for every exponent of a float32).
    static func floorLog10Pow2(_ e: Int) -> Int { (e &* 315_653) >> 20 }

    /// floor(e · log2(10)) for |e| <= 1233.
    static func floorLog2Pow10(_ e: Int) -> Int { (e &* 1_741_647) >> 19 }

    /// The e of `powersOfTen[0]`.
    static let minPower = -31

    /// The 64-bit powers of ten 10^e for e = -31 ... 46 (every one a float32 needs): ceil(10^e ·
    /// 2^(63 - floor(log2(10^e)))), the top 64 bits rounded up (exact for e = 0 ... 27).
    /// Generated with exact integers (Python's Fraction and math.ceil).
    static let powersOfTen: [UInt64] = [
        0x81CEB32C4B43FCF5, 0xA2425FF75E14FC32, 0xCAD2F7F5359A3B3F, 0xFD87B5F28300CA0E,
        0x9E74D1B791E07E49, 0xC612062576589DDB, 0xF79687AED3EEC552, 0x9ABE14CD44753B53,
        0xC16D9A0095928A28, 0xF1C90080BAF72CB2, 0x971DA05074DA7BEF, 0xBCE5086492111AEB,
        0xEC1E4A7DB69561A6, 0x9392EE8E921D5D08, 0xB877AA3236A4B44A, 0xE69594BEC44DE15C,
        0x901D7CF73AB0ACDA, 0xB424DC35095CD810, 0xE12E13424BB40E14, 0x8CBCCC096F5088CC,
        0xAFEBFF0BCB24AAFF, 0xDBE6FECEBDEDD5BF, 0x89705F4136B4A598, 0xABCC77118461CEFD,
        0xD6BF94D5E57A42BD, 0x8637BD05AF6C69B6, 0xA7C5AC471B478424, 0xD1B71758E219652C,
        0x83126E978D4FDF3C, 0xA3D70A3D70A3D70B, 0xCCCCCCCCCCCCCCCD, 0x8000000000000000,
        0xA000000000000000, 0xC800000000000000, 0xFA00000000000000, 0x9C40000000000000,
        0xC350000000000000, 0xF424000000000000, 0x9896800000000000, 0xBEBC200000000000,
        0xEE6B280000000000, 0x9502F90000000000, 0xBA43B74000000000, 0xE8D4A51000000000,
        0x9184E72A00000000, 0xB5E620F480000000, 0xE35FA931A0000000, 0x8E1BC9BF04000000,
        0xB1A2BC2EC5000000, 0xDE0B6B3A76400000, 0x8AC7230489E80000, 0xAD78EBC5AC620000,
        0xD8D726B7177A8000, 0x878678326EAC9000, 0xA968163F0A57B400, 0xD3C21BCECCEDA100,
        0x84595161401484A0, 0xA56FA5B99019A5C8, 0xCECB8F27F4200F3A, 0x813F3978F8940985,
        0xA18F07D736B90BE6, 0xC9F2C9CD04674EDF, 0xFC6F7C4045812297, 0x9DC5ADA82B70B59E,
        0xC5371912364CE306, 0xF684DF56C3E01BC7, 0x9A130B963A6C115D, 0xC097CE7BC90715B4,
        0xF0BDC21ABB48DB21, 0x96769950B50D88F5, 0xBC143FA4E250EB32, 0xEB194F8E1AE525FE,
        0x92EFD1B8D0CF37BF, 0xB7ABC627050305AE, 0xE596B7B0C643C71A, 0x8F7E32CE7BEA5C70,
        0xB35DBF821AE4F38C, 0xE0352F62A19E306F,
    ]

    // The fast path's view of `powersOfTen`, by the float's biased exponent E = 1 ... 254
    // (entries 0 and 255 unused): with q = E - 150 and k = floor(q · log10(2)) - 1, the power
    // 10^-k, beta = q + floor(-k · log2(10)) (3 ... 6), and 8 + k, the exponent of the first of
    // eight digits. Loading them by E costs less than computing k and beta (two dependent
    // multiplications) for every value. Generated from the formulas with the script that made
    // `powersOfTen`; `Float32PrinterTests.tablesByExponent` checks them against both.
    static let cacheByExponent: [UInt64] = [
        0x0000000000000000, 0xE0352F62A19E306F, 0xE0352F62A19E306F, 0xE0352F62A19E306F,
        0xB35DBF821AE4F38C, 0xB35DBF821AE4F38C, 0xB35DBF821AE4F38C, 0xB35DBF821AE4F38C,
        0x8F7E32CE7BEA5C70, 0x8F7E32CE7BEA5C70, 0x8F7E32CE7BEA5C70, 0xE596B7B0C643C71A,
        0xE596B7B0C643C71A, 0xE596B7B0C643C71A, 0xB7ABC627050305AE, 0xB7ABC627050305AE,
        0xB7ABC627050305AE, 0xB7ABC627050305AE, 0x92EFD1B8D0CF37BF, 0x92EFD1B8D0CF37BF,
        0x92EFD1B8D0CF37BF, 0xEB194F8E1AE525FE, 0xEB194F8E1AE525FE, 0xEB194F8E1AE525FE,
        0xBC143FA4E250EB32, 0xBC143FA4E250EB32, 0xBC143FA4E250EB32, 0xBC143FA4E250EB32,
        0x96769950B50D88F5, 0x96769950B50D88F5, 0x96769950B50D88F5, 0xF0BDC21ABB48DB21,
        0xF0BDC21ABB48DB21, 0xF0BDC21ABB48DB21, 0xC097CE7BC90715B4, 0xC097CE7BC90715B4,
        0xC097CE7BC90715B4, 0xC097CE7BC90715B4, 0x9A130B963A6C115D, 0x9A130B963A6C115D,
        0x9A130B963A6C115D, 0xF684DF56C3E01BC7, 0xF684DF56C3E01BC7, 0xF684DF56C3E01BC7,
        0xC5371912364CE306, 0xC5371912364CE306, 0xC5371912364CE306, 0xC5371912364CE306,
        0x9DC5ADA82B70B59E, 0x9DC5ADA82B70B59E, 0x9DC5ADA82B70B59E, 0xFC6F7C4045812297,
        0xFC6F7C4045812297, 0xFC6F7C4045812297, 0xC9F2C9CD04674EDF, 0xC9F2C9CD04674EDF,
        0xC9F2C9CD04674EDF, 0xA18F07D736B90BE6, 0xA18F07D736B90BE6, 0xA18F07D736B90BE6,
        0xA18F07D736B90BE6, 0x813F3978F8940985, 0x813F3978F8940985, 0x813F3978F8940985,
        0xCECB8F27F4200F3A, 0xCECB8F27F4200F3A, 0xCECB8F27F4200F3A, 0xA56FA5B99019A5C8,
        0xA56FA5B99019A5C8, 0xA56FA5B99019A5C8, 0xA56FA5B99019A5C8, 0x84595161401484A0,
        0x84595161401484A0, 0x84595161401484A0, 0xD3C21BCECCEDA100, 0xD3C21BCECCEDA100,
        0xD3C21BCECCEDA100, 0xA968163F0A57B400, 0xA968163F0A57B400, 0xA968163F0A57B400,
        0xA968163F0A57B400, 0x878678326EAC9000, 0x878678326EAC9000, 0x878678326EAC9000,
        0xD8D726B7177A8000, 0xD8D726B7177A8000, 0xD8D726B7177A8000, 0xAD78EBC5AC620000,
        0xAD78EBC5AC620000, 0xAD78EBC5AC620000, 0xAD78EBC5AC620000, 0x8AC7230489E80000,
        0x8AC7230489E80000, 0x8AC7230489E80000, 0xDE0B6B3A76400000, 0xDE0B6B3A76400000,
        0xDE0B6B3A76400000, 0xB1A2BC2EC5000000, 0xB1A2BC2EC5000000, 0xB1A2BC2EC5000000,
        0xB1A2BC2EC5000000, 0x8E1BC9BF04000000, 0x8E1BC9BF04000000, 0x8E1BC9BF04000000,
        0xE35FA931A0000000, 0xE35FA931A0000000, 0xE35FA931A0000000, 0xB5E620F480000000,
        0xB5E620F480000000, 0xB5E620F480000000, 0xB5E620F480000000, 0x9184E72A00000000,
        0x9184E72A00000000, 0x9184E72A00000000, 0xE8D4A51000000000, 0xE8D4A51000000000,
        0xE8D4A51000000000, 0xBA43B74000000000, 0xBA43B74000000000, 0xBA43B74000000000,
        0xBA43B74000000000, 0x9502F90000000000, 0x9502F90000000000, 0x9502F90000000000,
        0xEE6B280000000000, 0xEE6B280000000000, 0xEE6B280000000000, 0xBEBC200000000000,
        0xBEBC200000000000, 0xBEBC200000000000, 0xBEBC200000000000, 0x9896800000000000,
        0x9896800000000000, 0x9896800000000000, 0xF424000000000000, 0xF424000000000000,
        0xF424000000000000, 0xC350000000000000, 0xC350000000000000, 0xC350000000000000,
        0xC350000000000000, 0x9C40000000000000, 0x9C40000000000000, 0x9C40000000000000,
        0xFA00000000000000, 0xFA00000000000000, 0xFA00000000000000, 0xC800000000000000,
        0xC800000000000000, 0xC800000000000000, 0xA000000000000000, 0xA000000000000000,
        0xA000000000000000, 0xA000000000000000, 0x8000000000000000, 0x8000000000000000,
        0x8000000000000000, 0xCCCCCCCCCCCCCCCD, 0xCCCCCCCCCCCCCCCD, 0xCCCCCCCCCCCCCCCD,
        0xA3D70A3D70A3D70B, 0xA3D70A3D70A3D70B, 0xA3D70A3D70A3D70B, 0xA3D70A3D70A3D70B,
        0x83126E978D4FDF3C, 0x83126E978D4FDF3C, 0x83126E978D4FDF3C, 0xD1B71758E219652C,
        0xD1B71758E219652C, 0xD1B71758E219652C, 0xA7C5AC471B478424, 0xA7C5AC471B478424,
        0xA7C5AC471B478424, 0xA7C5AC471B478424, 0x8637BD05AF6C69B6, 0x8637BD05AF6C69B6,
        0x8637BD05AF6C69B6, 0xD6BF94D5E57A42BD, 0xD6BF94D5E57A42BD, 0xD6BF94D5E57A42BD,
        0xABCC77118461CEFD, 0xABCC77118461CEFD, 0xABCC77118461CEFD, 0xABCC77118461CEFD,
        0x89705F4136B4A598, 0x89705F4136B4A598, 0x89705F4136B4A598, 0xDBE6FECEBDEDD5BF,
        0xDBE6FECEBDEDD5BF, 0xDBE6FECEBDEDD5BF, 0xAFEBFF0BCB24AAFF, 0xAFEBFF0BCB24AAFF,
        0xAFEBFF0BCB24AAFF, 0xAFEBFF0BCB24AAFF, 0x8CBCCC096F5088CC, 0x8CBCCC096F5088CC,
        0x8CBCCC096F5088CC, 0xE12E13424BB40E14, 0xE12E13424BB40E14, 0xE12E13424BB40E14,
        0xB424DC35095CD810, 0xB424DC35095CD810, 0xB424DC35095CD810, 0xB424DC35095CD810,
        0x901D7CF73AB0ACDA, 0x901D7CF73AB0ACDA, 0x901D7CF73AB0ACDA, 0xE69594BEC44DE15C,
        0xE69594BEC44DE15C, 0xE69594BEC44DE15C, 0xB877AA3236A4B44A, 0xB877AA3236A4B44A,
        0xB877AA3236A4B44A, 0xB877AA3236A4B44A, 0x9392EE8E921D5D08, 0x9392EE8E921D5D08,
        0x9392EE8E921D5D08, 0xEC1E4A7DB69561A6, 0xEC1E4A7DB69561A6, 0xEC1E4A7DB69561A6,
        0xBCE5086492111AEB, 0xBCE5086492111AEB, 0xBCE5086492111AEB, 0xBCE5086492111AEB,
        0x971DA05074DA7BEF, 0x971DA05074DA7BEF, 0x971DA05074DA7BEF, 0xF1C90080BAF72CB2,
        0xF1C90080BAF72CB2, 0xF1C90080BAF72CB2, 0xC16D9A0095928A28, 0xC16D9A0095928A28,
        0xC16D9A0095928A28, 0xC16D9A0095928A28, 0x9ABE14CD44753B53, 0x9ABE14CD44753B53,
        0x9ABE14CD44753B53, 0xF79687AED3EEC552, 0xF79687AED3EEC552, 0xF79687AED3EEC552,
        0xC612062576589DDB, 0xC612062576589DDB, 0xC612062576589DDB, 0xC612062576589DDB,
        0x9E74D1B791E07E49, 0x9E74D1B791E07E49, 0x9E74D1B791E07E49, 0xFD87B5F28300CA0E,
        0xFD87B5F28300CA0E, 0xFD87B5F28300CA0E, 0xCAD2F7F5359A3B3F, 0xCAD2F7F5359A3B3F,
        0xCAD2F7F5359A3B3F, 0xA2425FF75E14FC32, 0xA2425FF75E14FC32, 0x0000000000000000,
    ]
    static let shiftByExponent: [UInt8] = [
        0, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4,
        5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3,
        4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6,
        4, 5, 6, 3, 4, 5, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6,
        3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5,
        6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4,
        5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6, 4,
        5, 6, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3,
        4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6,
        3, 4, 5, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5,
        3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6, 4, 5,
        6, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4,
        5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3,
        4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 6,
        4, 5, 6, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 3, 4, 5,
        3, 4, 5, 6, 4, 5, 6, 3, 4, 5, 3, 4, 5, 3, 4, 0,
    ]
    static let scientificByExponent: [Int8] = [
        0, -38, -38, -38, -37, -37, -37, -37, -36, -36, -36, -35, -35, -35, -34, -34,
        -34, -34, -33, -33, -33, -32, -32, -32, -31, -31, -31, -31, -30, -30, -30, -29,
        -29, -29, -28, -28, -28, -28, -27, -27, -27, -26, -26, -26, -25, -25, -25, -25,
        -24, -24, -24, -23, -23, -23, -22, -22, -22, -21, -21, -21, -21, -20, -20, -20,
        -19, -19, -19, -18, -18, -18, -18, -17, -17, -17, -16, -16, -16, -15, -15, -15,
        -15, -14, -14, -14, -13, -13, -13, -12, -12, -12, -12, -11, -11, -11, -10, -10,
        -10, -9, -9, -9, -9, -8, -8, -8, -7, -7, -7, -6, -6, -6, -6, -5,
        -5, -5, -4, -4, -4, -3, -3, -3, -3, -2, -2, -2, -1, -1, -1, 0,
        0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4,
        5, 5, 5, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 9, 9, 9,
        10, 10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 13, 14, 14,
        14, 15, 15, 15, 16, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19, 19,
        19, 19, 20, 20, 20, 21, 21, 21, 22, 22, 22, 22, 23, 23, 23, 24,
        24, 24, 25, 25, 25, 25, 26, 26, 26, 27, 27, 27, 28, 28, 28, 28,
        29, 29, 29, 30, 30, 30, 31, 31, 31, 31, 32, 32, 32, 33, 33, 33,
        34, 34, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 0,
    ]
}
