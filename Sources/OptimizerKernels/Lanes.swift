/// The unit the kernels compute in: eight float32 lanes (two SSE registers on baseline x86-64,
/// one AVX2 register, two NEON registers).
///
/// Every lane operation used here (+, −, ×, ÷, squareRoot, addingProduct, pointwiseMax) is the
/// IEEE float32 operation applied element by element, so a lane holds exactly the bits the
/// scalar formula gives; only the instruction count changes. Nothing is reassociated or
/// contracted: a multiply-add is fused only where a kernel says `addingProduct`.
public typealias Lane = SIMD8<Float>

/// A float32 array a kernel reads and writes one lane at a time.
@frozen public struct Column: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>

    @inlinable public init(_ base: UnsafeMutablePointer<Float>) { self.base = base }

    @inlinable public init(_ base: UnsafePointer<Float>) { self.base = UnsafeMutablePointer(mutating: base) }

    /// Elements `i ..< i + count` (count ≤ 8). Lanes past `count` are zero: computed on, never
    /// stored.
    @inlinable @inline(__always)
    public func load(_ i: Int, _ count: Int) -> Lane {
        if count == Lane.scalarCount { return UnsafeRawPointer(base + i).loadUnaligned(as: Lane.self) }
        var lane = Lane()
        for j in 0..<count { lane[j] = base[i + j] }
        return lane
    }

    @inlinable @inline(__always)
    public func store(_ lane: Lane, _ i: Int, _ count: Int) {
        if count == Lane.scalarCount {
            UnsafeMutableRawPointer(base + i).storeBytes(of: lane, as: Lane.self)
            return
        }
        for j in 0..<count { base[i + j] = lane[j] }
    }
}

extension Lane {
    /// The larger of each pair, `b >= a ? b : a` as Swift's `max` (the stdlib's `pointwiseMax`
    /// is not inlined into the kernels). Equal values give `b`.
    @inlinable @inline(__always)
    public static func maximum(_ a: Lane, _ b: Lane) -> Lane {
        a.replacing(with: b, where: b .>= a)
    }
}
