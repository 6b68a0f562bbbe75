/// Whether a float32 array holds only finite values, a lane at a time.
public enum FiniteScan {
    /// A value is NaN or ±∞ exactly when its exponent bits are all ones, that is when the bits
    /// of its magnitude, `bits & 0x7fffffff`, are at least those of +∞ (0x7f800000). So a
    /// running unsigned maximum of the magnitudes decides the whole range with one comparison at
    /// the end: two instructions per lane (and, max), where comparing every lane takes three and
    /// keeps the loop compute-bound on a vector that is already in cache (a `recv`'s worth, see
    /// `FiniteCheck`). Four running maxima let four lanes' work overlap. Always inlined, so
    /// that `AVX2.allFinite` compiles it with 256-bit instructions.
    @inlinable @inline(__always)
    public static func allFinite(_ values: UnsafePointer<Float>, _ range: Range<Int>) -> Bool {
        let magnitude = SIMD8<UInt32>(repeating: 0x7fff_ffff)
        @inline(__always) func lane(_ i: Int) -> SIMD8<UInt32> {
            UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<UInt32>.self) & magnitude
        }
        @inline(__always) func maximum(_ a: SIMD8<UInt32>, _ b: SIMD8<UInt32>) -> SIMD8<UInt32> {
            a.replacing(with: b, where: b .> a)
        }
        var m0 = SIMD8<UInt32>(), m1 = SIMD8<UInt32>(), m2 = SIMD8<UInt32>(), m3 = SIMD8<UInt32>()
        let width = Lane.scalarCount
        var i = range.lowerBound
        while i + 4 * width <= range.upperBound {
            m0 = maximum(m0, lane(i))
            m1 = maximum(m1, lane(i + width))
            m2 = maximum(m2, lane(i + 2 * width))
            m3 = maximum(m3, lane(i + 3 * width))
            i += 4 * width
        }
        while i + width <= range.upperBound {
            m0 = maximum(m0, lane(i))
            i += width
        }
        while i < range.upperBound {
            if !values[i].isFinite { return false }
            i += 1
        }
        return maximum(maximum(m0, m1), maximum(m2, m3)).max() < 0x7f80_0000
    }
}
