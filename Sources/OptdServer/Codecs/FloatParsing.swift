#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decimal → float32 with correct rounding, fast for the numbers trainers send.
///
/// float32 (`fastFloat`): the decimal's digits (up to 19, exact below 2^63) times the nearest
/// double to its power of ten, in double arithmetic. Three roundings of at most half a double ulp
/// each (digits to double, the power, the product) leave the product within 3 double ulps of the
/// exact value. Rounding it to float32 therefore gives the exact value's float32 unless a float32
/// rounding boundary (a midpoint between two float32s: the 29 bits a float32 drops are
/// 1000...0) lies within those 3 ulps; then, as in float32's subnormal range, the fast path
/// declines and `strtof` rounds from the full text. Clinger's exact path (below) needs a mantissa
/// under 2^53, and Python's `json.dumps` of float32 values writes 17 digits: every such number
/// went to `strtof`, 61 ns each against 15 now.
///
/// double (`fastDouble`, hyperparameters): Clinger's exact path, a mantissa below 2^53 and a power
/// of ten up to 10^22 both exact doubles, so one multiplication or division is correctly rounded.
enum FloatParsing {
    /// 10^k for k = -64 ... 64 (`scales[k + 64]`), each the nearest double (checked against
    /// `strtod` in FloatScannerTests). A float32 needs k from -57 (19 digits, the smallest normal
    /// 1.2e-38) to 38; 10^0 ... 10^22 are exact, which Clinger's path for doubles relies on.
    static let scales: [Double] = [
        1e-64, 1e-63, 1e-62, 1e-61, 1e-60, 1e-59, 1e-58, 1e-57, 1e-56, 1e-55,
        1e-54, 1e-53, 1e-52, 1e-51, 1e-50, 1e-49, 1e-48, 1e-47, 1e-46, 1e-45,
        1e-44, 1e-43, 1e-42, 1e-41, 1e-40, 1e-39, 1e-38, 1e-37, 1e-36, 1e-35,
        1e-34, 1e-33, 1e-32, 1e-31, 1e-30, 1e-29, 1e-28, 1e-27, 1e-26, 1e-25,
        1e-24, 1e-23, 1e-22, 1e-21, 1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15,
        1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5,
        1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
        1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25,
        1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35,
        1e36, 1e37, 1e38, 1e39, 1e40, 1e41, 1e42, 1e43, 1e44, 1e45,
        1e46, 1e47, 1e48, 1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55,
        1e56, 1e57, 1e58, 1e59, 1e60, 1e61, 1e62, 1e63, 1e64,
    ]

    /// The float32 nearest to `±mantissa · 10^exponent`, or nil when the fast path cannot
    /// decide. `mantissa` must be exact (no digits dropped).
    ///
    /// The sign is put into the integer before its conversion, so one signed conversion carries
    /// it and no branch on it follows (in a vector of parameters the signs are coin tosses: a
    /// branch on each mispredicted half the time). Rounding to nearest is symmetric, so the
    /// conversion, the product and the rounding to float32 of -m are those of m negated, bit
    /// for bit. A mantissa of 2^63 or more (19 digits from 9.22e18 on) has no signed form and
    /// is left to strtof.
    @inline(__always)
    static func fastFloat(mantissa: UInt64, exponent: Int, negative: Bool) -> Float? {
        guard exponent >= -64, exponent <= 64, mantissa < 1 << 63 else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        let signMask = 0 &- UInt64(negative ? 1 : 0)  // all ones when negative
        let scaled = Double(Int64(bitPattern: (mantissa ^ signMask) &- signMask)) * scales[exponent &+ 64]
        // Below float32's smallest normal, the double's low bits no longer tell rounding cases.
        guard scaled.magnitude >= 1.1754943508222875e-38 else { return nil }
        // Within 8 double ulps of a float32 midpoint (the error is under 3): too close to tell.
        if (scaled.bitPattern & 0x1FFF_FFFF) &- (0x1000_0000 - 8) <= 16 { return nil }
        return Float(scaled)
    }

    /// The double nearest to `±mantissa · 10^exponent`, or nil when the fast path cannot decide.
    @inline(__always)
    static func fastDouble(mantissa: UInt64, exponent: Int, negative: Bool) -> Double? {
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let power = scales[abs(exponent) &+ 64]  // 10^|exponent|, exact
        let d = exponent < 0 ? Double(mantissa) / power : Double(mantissa) * power
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
