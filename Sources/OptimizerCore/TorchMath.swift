/// Element operations as torch's vectorised CPU kernels compute them.
enum TorchMath {
    /// `torch.lerp(start, end, weight)` (ATen `Lerp.h`): the formula anchored at whichever end
    /// is nearer, fused.
    @inline(__always)
    static func lerp(_ start: Float, _ end: Float, _ weight: Float) -> Float {
        weight < 0.5
            ? start.addingProduct(weight, end - start)
            : end.addingProduct(-(1 - weight), end - start)
    }
}
