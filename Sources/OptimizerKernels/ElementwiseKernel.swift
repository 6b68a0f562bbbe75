/// One optimizer update bound to its arrays and scalars, ready to run over any range of
/// coordinates.
///
/// Element i of every output depends only on element i of the inputs, so splitting the range
/// between threads, or running it on another instruction set, gives the same bits.
public protocol ElementwiseKernel: Sendable {
    /// The number of coordinates.
    var count: Int { get }
    /// Updates coordinates `i ..< i + count` (count ≤ 8, a `Lane`).
    func updateLane(at i: Int, count: Int)
}

extension ElementwiseKernel {
    /// Updates the coordinates in `range`: full lanes of 8, then one partial lane. Inlined into
    /// its caller with the kernel's `updateLane`, so the full-lane calls see the constant 8 and
    /// keep only the vector path.
    @inlinable @inline(__always)
    public func run(_ range: Range<Int>) {
        let width = Lane.scalarCount
        var i = range.lowerBound
        while i + width <= range.upperBound {
            updateLane(at: i, count: width)
            i += width
        }
        if i < range.upperBound { updateLane(at: i, count: range.upperBound - i) }
    }
}

/// Keras's decoupled weight decay, `p − p·wd·lr`, which the base optimizer applies to the
/// parameters just before every optimizer's update; the kernels apply it in the same pass.
public struct KerasWeightDecay: Sendable {
    public let weightDecay: Float
    public let lr: Float

    public init(weightDecay: Float, lr: Float) {
        self.weightDecay = weightDecay
        self.lr = lr
    }

    @inlinable @inline(__always)
    public func apply(_ p: Lane) -> Lane { p - p * weightDecay * lr }
}

extension Optional where Wrapped == KerasWeightDecay {
    /// The parameters after the decay, or unchanged without one.
    @inlinable @inline(__always)
    public func apply(_ p: Lane) -> Lane {
        if let decay = self { decay.apply(p) } else { p }
    }
}
