/// A finiteness check run on a vector while it is being filled, a piece at a time, so that each
/// piece is scanned while it is still in cache (a raw request body, right after each `recv`)
/// rather than in a separate pass over the whole vector once it is complete.
///
/// The result is handed to `Optimizer.apply(gradient:checked:)`, which then skips its own scan;
/// a NaN or infinity found here is refused there, at the same point of the step as one found by
/// that scan, so nothing changes earlier (an `If-Match` or idempotent replay is decided first).
public struct FiniteCheck: Sendable {
    /// How many leading values have been scanned.
    public private(set) var checked = 0
    /// The first NaN or infinity among them, if any.
    public private(set) var firstNonFinite: Int?

    public init() {}

    /// Scans `values[checked ..< end]`, the values filled in since the last call. After a bad
    /// value nothing more is scanned: the vector is refused anyway.
    public mutating func scan(_ values: UnsafeBufferPointer<Float>, upTo end: Int) {
        precondition(checked <= end && end <= values.count, "scan ranges must follow one another")
        scan(next: UnsafeBufferPointer(rebasing: values[checked..<end]))
    }

    /// Scans `piece`, the vector's next `piece.count` values held in a buffer of their own (a
    /// block of a body that is spooled rather than kept whole).
    public mutating func scan(next piece: UnsafeBufferPointer<Float>) {
        defer { checked += piece.count }
        guard firstNonFinite == nil, let base = piece.baseAddress else { return }
        // One thread on purpose: a piece is one read's worth, just copied in by this core, and
        // the scan of a piece takes microseconds, less than waking another thread costs.
        if !KernelExecutor.allFinite(base, 0..<piece.count) {
            firstNonFinite = piece.firstIndex { !$0.isFinite }.map { checked + $0 }
        }
    }
}
