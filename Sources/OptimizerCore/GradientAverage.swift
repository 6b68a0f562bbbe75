/// The mean of K workers' gradients for one synchronous data-parallel step, in float32, in an
/// order fixed so that anyone can reproduce it bit for bit:
///
///     acc = g[0]
///     acc = acc + g[k]        for k = 1 ..< K, element by element, float32
///     mean = acc / Float(K)   (a float32 division, not a multiplication by 1/K)
///
/// The caller chooses the order of `gradients` (optd sorts the workers by name, byte-wise).
/// numpy equivalent: `acc = g[0].copy(); for x in g[1:]: acc += x; mean = acc / np.float32(K)`.
public enum GradientAverage {
    /// The mean of `gradients`, which must all have the same count; at least one.
    public static func mean(_ gradients: [UnsafeBufferPointer<Float>]) -> FloatBuffer {
        precondition(!gradients.isEmpty, "GradientAverage.mean needs at least one gradient")
        let n = gradients[0].count
        precondition(gradients.allSatisfy { $0.count == n }, "GradientAverage.mean: counts differ")
        let out = FloatBuffer(count: n)
        out.assign(from: gradients[0])
        let acc = out.base
        for g in gradients.dropFirst() {
            for i in 0..<n { acc[i] = acc[i] + g[i] }
        }
        let k = Float(gradients.count)
        for i in 0..<n { acc[i] = acc[i] / k }
        return out
    }
}
