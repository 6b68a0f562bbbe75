/// Element operations as torch's vectorised CPU kernels compute them.
public enum TorchMath {
    /// `torch.lerp(start, end, weight)` (ATen `Lerp.h`): the formula anchored at whichever end
    /// is nearer, fused.
    @inlinable @inline(__always)
    public static func lerp(_ start: Lane, _ end: Lane, _ weight: Float) -> Lane {
        weight < 0.5
            ? start.addingProduct(weight, end - start)
            : end.addingProduct(-(1 - weight), end - start)
    }
}
