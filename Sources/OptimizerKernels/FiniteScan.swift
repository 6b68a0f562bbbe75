/// Whether a float32 array holds only finite values, a lane at a time: a value is NaN or ±∞
/// exactly when its exponent bits are all ones.
public enum FiniteScan {
    @inlinable
    public static func allFinite(_ values: UnsafePointer<Float>, _ range: Range<Int>) -> Bool {
        let column = Column(values)
        let exponent = SIMD8<UInt32>(repeating: 0x7f80_0000)
        var bad = SIMDMask<SIMD8<Int32>>()
        var i = range.lowerBound
        while i + Lane.scalarCount <= range.upperBound {
            let bits = unsafeBitCast(column.load(i, Lane.scalarCount), to: SIMD8<UInt32>.self)
            bad .|= (bits & exponent) .== exponent
            i += Lane.scalarCount
        }
        while i < range.upperBound {
            if !values[i].isFinite { return false }
            i += 1
        }
        return !any(bad)
    }
}
