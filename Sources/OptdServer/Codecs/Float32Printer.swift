/// Shortest round-trip decimals of float32s, written as Swift's `Float.description` writes them.
///
/// The digits come from Schubfach (Raffaello Giulietti, "The Schubfach way to render doubles",
/// 2020), specialised to float32: one table of 77 64-bit powers of ten, three 64×64-bit
/// multiplications per value and no loop over digits (Ryu, for one, drops digits one division
/// at a time). The decimal chosen is the shortest that reads back to the same float32;
/// when several are that short, the closest to the float's exact value (ties: even digit).
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
    /// What limits the speed is the chain of dependent operations from the float's bits to the
    /// text's length, so that chain is kept short: no division by a variable, digits counted
    /// with independent comparisons, and the sign and Schubfach's candidates chosen by
    /// arithmetic rather than by branches (in a gradient they are coin tosses a branch would
    /// mispredict). The layout below 1 or from 1 on is still a branch: writing both layouts
    /// without one measured no faster.
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
        let (digits, exponent) = shortest(magnitude)
        let count = digitCount(digits)
        let (firstChar, restChars) = characters(digits, count: count)
        // Digits up to the last nonzero one: trailing "0"s are the top bytes equal to 0x30.
        let significant = 9 - (restChars ^ 0x3030_3030_3030_3030).leadingZeroBitCount / 8
        // The exponent of the leading digit: value = d.ddd × 10^scientific.
        let scientific = exponent + count - 1
        if scientific < -4 || magnitude > 0x4B80_0000 /* 2^24 */ {
            // d[.ddd]e±XX, the exponent of at least two digits (|scientific| <= 45).
            p[0] = UInt8(truncatingIfNeeded: firstChar)
            p[1] = UInt8(ascii: ".")
            store(restChars, at: p + 2)
            let e = significant > 1 ? p + significant + 1 : p + 1
            let magnitude = UInt64(abs(scientific))
            store(UInt64(UInt8(ascii: "e"))
                  | (scientific < 0 ? 0x2D /* "-" */ : 0x2B /* "+" */) << 8
                  | (magnitude / 10 | 0x30) << 16
                  | (magnitude % 10 | 0x30) << 24, at: e)
            return e + 4 - out
        }
        if scientific < 0 {
            // 0.000ddd: "0." and up to three zeros, then the digits.
            store(0x3030_3030_3030_2E30 /* "0.000000" */, at: p)
            let d = p + 1 - scientific
            d[0] = UInt8(truncatingIfNeeded: firstChar)
            store(restChars, at: d + 1)
            return d + significant - out
        }
        // ddd.ddd with at least one digit after the point: the first eight characters, the
        // point after the integer digits, then the characters from there on (zeros if none).
        let integerDigits = scientific + 1  // 1 ... 8
        store(firstChar | restChars &<< 8, at: p)
        p[integerDigits] = UInt8(ascii: ".")
        store(restChars &>> UInt64(8 * (integerDigits - 1)), at: p + integerDigits + 1)
        return p + integerDigits + 1 + max(significant - integerDigits, 1) - out
    }

    @inline(__always)
    private static func store(_ word: UInt64, at p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: word.littleEndian, as: UInt64.self)
    }

    /// The characters of `digits` (`count` of them, 1 ... 9), as the first and the next eight
    /// (zeros after the last digit), the eight in one word with the first in its lowest byte.
    ///
    /// digits / 10^(count-1) in 57-bit fixed point, then two digits at a time by multiplying
    /// the fraction by 100: a chain of five multiplications, no division. Exact for every
    /// digits < 10^9: the scale is rounded up, so the error is positive and, after j steps,
    /// below 10^9 · 100^j / 2^57, less than the gap 10^-(digits still to come) to a wrong digit
    /// (all 999,999,999 values were also compared once with a throwaway program, and
    /// `optd-bench verify-floats` compares every float32's text).
    @inline(__always)
    static func characters(_ digits: UInt32, count: Int) -> (first: UInt64, rest: UInt64) {
        let fractionMask: UInt64 = 1 << 57 - 1
        var y = UInt64(digits) &* fixedPointScale[count]
        let first = y >> 57
        var rest: UInt64 = 0
        for pair in 0..<4 {
            y = (y & fractionMask) &* 100
            rest |= UInt64(twoCharacters(y >> 57)) << (16 * UInt64(pair))
        }
        return (first | 0x30, rest)
    }

    /// "00" ... "99" as two bytes, the first in the lower byte (a string literal: static, no
    /// lazy initialisation or bounds check in the loop).
    @inline(__always)
    private static func twoCharacters(_ n: UInt64) -> UInt16 {
        let table = UnsafeRawPointer(("00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899" as StaticString).utf8Start)
        return table.loadUnaligned(fromByteOffset: Int(n) * 2, as: UInt16.self).littleEndian
    }

    /// ceil(2^57 / 10^(count-1)) for count = 1 ... 9, at index count (index 0 unused).
    private static let fixedPointScale: [UInt64] = [
        0, 144_115_188_075_855_872, 14_411_518_807_585_588, 1_441_151_880_758_559, 144_115_188_075_856,
        14_411_518_807_586, 1_441_151_880_759, 144_115_188_076, 14_411_518_808, 1_441_151_881,
    ]

    /// The shortest decimal `digits · 10^exponent` inside the rounding interval of the positive
    /// finite float32 with bits `magnitude` (Schubfach; variable names as in the paper).
    @inline(__always)
    static func shortest(_ magnitude: UInt32) -> (digits: UInt32, exponent: Int) {
        let fraction = magnitude & 0x7F_FFFF
        let biasedExponent = Int(magnitude >> 23)
        let c: UInt64, q: Int
        if biasedExponent != 0 {
            c = UInt64(fraction | 0x80_0000)
            q = biasedExponent - 150
            // An integer below 2^24: its own digits are the shortest (the float spacing is <= 1).
            // One test, no range check first (whether |value| < 1 would be a coin toss): for
            // q >= 0 the mask takes all of c, which is never 0, so the test fails as it should.
            let fractionBits = min(UInt64(bitPattern: Int64(-q &- 1)), 62) + 1
            if c & ((1 &<< fractionBits) &- 1) == 0 {
                return (UInt32(truncatingIfNeeded: c &>> fractionBits), 0)
            }
        } else {
            c = UInt64(fraction)  // subnormal
            q = -149
        }
        // The rounding interval [cbl, cbr] · 2^(q-2), closed when c is even (round half to even
        // reads the bounds back to c), narrower below a power of two.
        let open = c & 1
        let cb = c << 2
        let cbr = cb + 2
        let cbl: UInt64
        let k: Int
        if c != 0x80_0000 || q == -149 {
            cbl = cb - 2
            k = floorLog10Pow2(q)
        } else {
            cbl = cb - 1
            k = floorLog10ThreeQuartersPow2(q)
        }
        let h = q + floorLog2Pow10(-k) + 33
        let g = tenToMinusK[k - minK] + 1
        // v, its lower and upper bounds, scaled by 10^-k and times 4, rounded to odd.
        let vb = roundToOdd(g, cb &<< UInt64(h))  // h is 33 ... 37
        let vbl = roundToOdd(g, cbl &<< UInt64(h))
        let vbr = roundToOdd(g, cbr &<< UInt64(h))
        let s = vb >> 2
        // Which case holds is data (a coin toss across a vector), so every candidate is computed
        // and one picked with 0/1 arithmetic, which the compiler cannot turn back into branches.
        //
        // One digit fewer: at most one multiple of 10^(k+1) fits in the interval. (Java's
        // Float.toString, whence the algorithm, asks for s >= 100 to keep two digits; the
        // shortest form here may have one.)
        let sp10 = s / 10 * 10
        let tp10 = sp10 + 10
        let upin = bit(vbl + open <= sp10 << 2)
        let wpin = bit((tp10 << 2) + open <= vbr)
        let shorter = tp10 &- 10 &* upin
        let useShorter = (upin ^ wpin) & bit(s >= 10)
        // Else s · 10^k or t · 10^k, whichever is in the interval; both: the closer, an even
        // one on a tie.
        let t = s + 1
        let uin = bit(vbl + open <= s << 2)
        let win = bit((t << 2) + open <= vbr)
        let twiceMid = (s + t) << 1
        let sCloser = bit(vb < twiceMid) | bit(vb == twiceMid) & (~s & 1)
        let full = t &- uin & (win ^ 1 | sCloser)
        let chooseShorter = 0 &- useShorter
        return (UInt32(truncatingIfNeeded: shorter & chooseShorter | full & ~chooseShorter), k)
    }

    @inline(__always)
    private static func bit(_ condition: Bool) -> UInt64 { condition ? 1 : 0 }

    /// The high bits of g · cp, with the bits dropped folded into the lowest (round to odd).
    @inline(__always)
    private static func roundToOdd(_ g: UInt64, _ cp: UInt64) -> UInt64 {
        let x1 = g.multipliedFullWidth(by: cp).high
        return x1 >> 31 | ((x1 & 0xFFFF_FFFF) + 0xFFFF_FFFF) >> 32
    }

    /// floor(e · log10(2)) (the paper's constants; checked exact with integers for every
    /// exponent of a float32).
    @inline(__always)
    private static func floorLog10Pow2(_ e: Int) -> Int { (e &* 661_971_961_083) >> 41 }

    /// floor(log10(3/4 · 2^e)).
    @inline(__always)
    private static func floorLog10ThreeQuartersPow2(_ e: Int) -> Int { (e &* 661_971_961_083 &- 274_743_187_321) >> 41 }

    /// floor(e · log2(10)).
    @inline(__always)
    private static func floorLog2Pow10(_ e: Int) -> Int { (e &* 913_124_641_741) >> 38 }

    /// Decimal digits of n >= 1 (at most 10): independent comparisons added up, a short chain.
    @inline(__always)
    static func digitCount(_ n: UInt32) -> Int {
        var count = 1
        count &+= n >= 10 ? 1 : 0
        count &+= n >= 100 ? 1 : 0
        count &+= n >= 1_000 ? 1 : 0
        count &+= n >= 10_000 ? 1 : 0
        count &+= n >= 100_000 ? 1 : 0
        count &+= n >= 1_000_000 ? 1 : 0
        count &+= n >= 10_000_000 ? 1 : 0
        count &+= n >= 100_000_000 ? 1 : 0
        count &+= n >= 1_000_000_000 ? 1 : 0
        return count
    }

    private static let minK = -45

    /// g1(k) of the paper for k = -45 ... 31 (every k a float32 needs): the top 63 bits of
    /// floor(10^-k · 2^(125 - floor(log2(10^-k)))) + 1. Generated with exact integers (Python):
    /// beta = 10**-k * 2**(125 - F) (integer division when negative powers appear), g1 = (beta + 1) >> 63.
    private static let tenToMinusK: [UInt64] = [
        0x59AEDFC10D7279C5, 0x47BF19673DF52E37, 0x72CB5BD86321E38C, 0x5BD5E313828182D6,
        0x4977E8DC68679BDF, 0x758CA7C70D7292FE, 0x5E0A1FD271287598, 0x4B3B4CA85A86C47A,
        0x785EE10D5DA46D90, 0x604BE73DE4838AD9, 0x4D0985CB1D3608AE, 0x7B426FAB61F00DE3,
        0x629B8C891B267182, 0x4EE2D6D415B85ACE, 0x7E37BE2022C0914B, 0x64F964E68233A76F,
        0x50C783EB9B5C85F2, 0x409F9CBC7C4A04C2, 0x6765C793FA10079D, 0x52B7D2DCC80CD2E4,
        0x422CA8B0A00A4250, 0x69E10DE76676D080, 0x54B40B1F852BDA00, 0x43C33C1937564800,
        0x6C6B935B8BBD4000, 0x56BC75E2D6310000, 0x4563918244F40000, 0x6F05B59D3B200000,
        0x58D15E1762800000, 0x470DE4DF82000000, 0x71AFD498D0000000, 0x5AF3107A40000000,
        0x48C2739500000000, 0x746A528800000000, 0x5D21DBA000000000, 0x4A817C8000000000,
        0x7735940000000000, 0x5F5E100000000000, 0x4C4B400000000000, 0x7A12000000000000,
        0x61A8000000000000, 0x4E20000000000000, 0x7D00000000000000, 0x6400000000000000,
        0x5000000000000000, 0x4000000000000000, 0x6666666666666666, 0x51EB851EB851EB85,
        0x4189374BC6A7EF9D, 0x68DB8BAC710CB295, 0x53E2D6238DA3C211, 0x431BDE82D7B634DA,
        0x6B5FCA6AF2BD215E, 0x55E63B88C230E77E, 0x44B82FA09B5A52CB, 0x6DF37F675EF6EADF,
        0x57F5FF85E592557F, 0x465E6604B7A84465, 0x709709A125DA0709, 0x5A126E1A84AE6C07,
        0x480EBE7B9D58566C, 0x734ACA5F6226F0AD, 0x5C3BD5191B525A24, 0x49C97747490EAE83,
        0x760F253EDB4AB0D2, 0x5E72843249088D75, 0x4B8ED0283A6D3DF7, 0x78E480405D7B9658,
        0x60B6CD004AC94513, 0x4D5F0A66A23A9DA9, 0x7BCB43D769F762A8, 0x63090312BB2C4EED,
        0x4F3A68DBC8F03F24, 0x7EC3DAF941806506, 0x65697BFA9ACD1D9F, 0x51212FFBAF0A7E18,
        0x40E7599625A1FE7A,
    ]
}
