#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decimal → float32 with correct rounding, fast for the numbers trainers send.
///
/// Fast path (Clinger): a mantissa below 2^53 and a power of ten up to 10^22 are both exact
/// doubles, so one multiplication or division gives the correctly rounded double. Rounding that
/// double to float32 is then correct too unless the double sits exactly halfway between two
/// float32s (double rounding), or in float32's subnormal range; those, long mantissas and large
/// exponents go to `strtof`, which rounds correctly from the full text.
enum FloatParsing {
    /// 10^0 ... 10^22, every one an exact double.
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The float32 nearest to `±mantissa · 10^exponent`, or nil when the fast path cannot
    /// decide. `mantissa` must be exact (no digits dropped).
    @inline(__always)
    static func fastFloat(mantissa: UInt64, exponent: Int, negative: Bool) -> Float? {
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        var d = Double(mantissa)
        d = exponent < 0 ? d / powersOfTen[-exponent] : d * powersOfTen[exponent]
        if negative { d = -d }
        if d == 0 { return negative ? -0.0 : 0 }
        let magnitude = abs(d)
        // Below float32's smallest normal, the double's low bits no longer tell halfway cases.
        guard magnitude >= 1.1754943508222875e-38 else { return nil }
        // Exactly halfway between two float32s: the 29 bits a float32 drops are 1000...0.
        if d.bitPattern & 0x1FFF_FFFF == 0x1000_0000 { return nil }
        return Float(d)
    }

    /// The double nearest to `±mantissa · 10^exponent`, or nil when the fast path cannot decide.
    @inline(__always)
    static func fastDouble(mantissa: UInt64, exponent: Int, negative: Bool) -> Double? {
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let d = exponent < 0 ? Double(mantissa) / powersOfTen[-exponent] : Double(mantissa) * powersOfTen[exponent]
        return negative ? -d : d
    }

    /// `strtof` / `strtod` over the token's bytes (already checked against the JSON grammar,
    /// so the C parser sees nothing it would read differently).
    static func slowFloat(_ token: UnsafeRawBufferPointer) -> Float {
        withCString(token) { strtof($0, nil) }
    }

    static func slowDouble(_ token: UnsafeRawBufferPointer) -> Double {
        withCString(token) { strtod($0, nil) }
    }

    private static func withCString<R>(_ token: UnsafeRawBufferPointer, _ body: (UnsafePointer<CChar>) -> R) -> R {
        if token.count < 64 {
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: token)
                buffer[token.count] = 0
                return body(buffer.baseAddress!)
            }
        }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: token.count + 1)
        defer { buffer.deallocate() }
        UnsafeMutableRawPointer(buffer).copyMemory(from: token.baseAddress!, byteCount: token.count)
        buffer[token.count] = 0
        return body(buffer)
    }
}
