/// Runs of ASCII decimal digits read eight bytes at a time (SWAR: SIMD within a register), the
/// technique of simdjson and fast_float (Lemire, "Number parsing at a gigabyte per second",
/// 2021, §5). A byte-at-a-time loop makes each number's end a mispredicted branch and each digit
/// a multiply-add on one dependency chain; here a run of up to eight digits costs one load, a
/// few bitwise operations and three multiplications, with no branch on its length.
enum DecimalDigits {
    /// Appends the digits starting at `p` to `value` (value · 10^k + digits, wrapping: the caller
    /// counts digits and refuses more than 19), stopping at the first non-digit or at `end`.
    /// Returns the new value and where the digits stopped.
    @inline(__always)
    static func run(appendingTo value: UInt64, from p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>)
        -> (value: UInt64, end: UnsafePointer<UInt8>) {
        var value = value
        var p = p
        // Sixteen bytes at once first, which covers nearly every number (a float32 needs at most
        // nine significant digits; "0.000" adds a few): the second word's digits count only when
        // the first word is all digits, chosen by arithmetic rather than a loop's exit branch.
        if end - p >= 16 {
            let first = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian
            let second = UnsafeRawPointer(p + 8).loadUnaligned(as: UInt64.self).littleEndian
            let n1 = leadingDigitCount(first)
            let n2 = n1 == 8 ? leadingDigitCount(second) : 0
            let high = UInt64(eightDigitsValue(digitsAligned(first, count: n1)))
            let low = UInt64(eightDigitsValue(digitsAligned(second, count: n2)))
            value = value &* powerOfTen(n1 &+ n2) &+ high &* powerOfTen(n2) &+ low
            p += n1 &+ n2
            if n1 &+ n2 < 16 { return (value, p) }
        }
        while end - p >= 8 {
            let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian
            let n = leadingDigitCount(word)
            value = value &* powerOfTen(n) &+ UInt64(eightDigitsValue(digitsAligned(word, count: n)))
            p += n
            if n < 8 { return (value, p) }
        }
        // Fewer than eight bytes left: the end of the body, one byte at a time.
        while p < end, p.pointee &- 0x30 < 10 {
            value = value &* 10 &+ UInt64(p.pointee &- 0x30)
            p += 1
        }
        return (value, p)
    }

    /// How many of the word's bytes, from its first (lowest), are ASCII digits: 0 ... 8.
    ///
    /// A byte is a digit when neither b + 0x46 (past 0x7F from ':' on) nor b - 0x30 (below '0')
    /// sets its top bit. Carries and borrows across bytes only travel upward, from a non-digit
    /// byte, so the lowest flagged byte is exactly the first non-digit.
    @inline(__always)
    static func leadingDigitCount(_ word: UInt64) -> Int {
        let flagged = ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080
        return flagged.trailingZeroBitCount >> 3
    }

    /// The word's first `count` digits as the last digits of an eight-digit number: their values
    /// (byte - '0', exact below the first non-digit, as borrows travel upward) shifted to the top
    /// bytes, the bytes below becoming leading zeros.
    @inline(__always)
    static func digitsAligned(_ word: UInt64, count: Int) -> UInt64 {
        (word &- 0x3030_3030_3030_3030) << UInt64(64 &- 8 &* count)  // a shift by 64 gives 0
    }

    /// The number written by eight digit values (0 ... 9, one a byte, the most significant in
    /// the lowest byte), by combining neighbours: pairs, then fours, then the eight (fast_float's
    /// `parse_eight_digits_unrolled`).
    @inline(__always)
    static func eightDigitsValue(_ digits: UInt64) -> UInt32 {
        let pairs = digits &* 10 &+ (digits >> 8)  // each even byte: 10 · d0 + d1
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        let fours = (pairs & mask) &* (100 &+ 1_000_000 << 32) &+ ((pairs >> 16) & mask) &* (1 &+ 10_000 << 32)
        return UInt32(truncatingIfNeeded: fours >> 32)
    }

    /// 10^n for n = 0 ... 16.
    @inline(__always)
    static func powerOfTen(_ n: Int) -> UInt64 { powersOfTen[n] }

    private static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000,
    ]
}
