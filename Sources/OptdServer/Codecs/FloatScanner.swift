/// One JSON number at a pointer as the nearest float32, for the common case only: the hot loop
/// of `JSONReader.readFloatArray`.
///
/// It accepts exactly the RFC 8259 number grammar, `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`, and
/// answers nil, having changed nothing, for anything it does not settle itself: text that breaks
/// the grammar, more than 19 significant digits, or a value `FloatParsing.fastFloat` leaves to
/// strtof. The caller then reads the same bytes with `JSONReader.readFloat`, which reports the
/// error at its offset or rounds through strtof. So this path decides nothing the slow path would
/// decide differently; it only settles the common case sooner.
enum FloatScanner {
    @inline(__always)
    static func float(at start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> (value: Float, end: UnsafePointer<UInt8>)? {
        var p = start
        guard p < end else { return nil }
        let negative = p.pointee == UInt8(ascii: "-")
        if negative { p += 1 }
        guard p < end else { return nil }
        let digitsStart = p
        let first = p.pointee &- 0x30
        guard first < 10 else { return nil }
        p += 1
        var mantissa = UInt64(first)
        if first == 0 {
            if p < end, p.pointee &- 0x30 < 10 { return nil }  // a leading zero: the slow path says so
        } else {
            (mantissa, p) = DecimalDigits.run(appendingTo: mantissa, from: p, end: end)
        }
        var digitCount = p - digitsStart
        var exponent = 0
        if p < end, p.pointee == UInt8(ascii: ".") {
            let fractionStart = p + 1
            (mantissa, p) = DecimalDigits.run(appendingTo: mantissa, from: fractionStart, end: end)
            guard p > fractionStart else { return nil }  // "1." : the slow path says so
            exponent = fractionStart - p
            digitCount += p - fractionStart
        }
        if p < end, p.pointee | 0x20 == UInt8(ascii: "e") {
            p += 1
            var negativeExponent = false
            if p < end, p.pointee == UInt8(ascii: "+") || p.pointee == UInt8(ascii: "-") {
                negativeExponent = p.pointee == UInt8(ascii: "-")
                p += 1
            }
            guard p < end, p.pointee &- 0x30 < 10 else { return nil }
            var e = 0
            while p < end, p.pointee &- 0x30 < 10 {
                if e < 1_000_000 { e = e &* 10 &+ Int(p.pointee &- 0x30) }  // saturate: far beyond any fast case
                p += 1
            }
            exponent += negativeExponent ? -e : e
        }
        // Up to 19 digits the mantissa is exact (10^19 < 2^64); beyond, it wrapped unless the
        // excess were leading zeros (0.000...), which are counted out here.
        if digitCount > 19 && significantDigits(from: digitsStart, count: digitCount, end: end) > 19 { return nil }
        guard let value = FloatParsing.fastFloat(mantissa: mantissa, exponent: exponent, negative: negative) else { return nil }
        return (value, p)
    }

    /// `count` digits from `p` (a '.' among them skipped) less their leading zeros.
    private static func significantDigits(from p: UnsafePointer<UInt8>, count: Int, end: UnsafePointer<UInt8>) -> Int {
        var p = p
        var zeros = 0
        while p < end, p.pointee == UInt8(ascii: "0") || p.pointee == UInt8(ascii: ".") {
            if p.pointee == UInt8(ascii: "0") { zeros += 1 }
            p += 1
        }
        return count - zeros
    }
}
