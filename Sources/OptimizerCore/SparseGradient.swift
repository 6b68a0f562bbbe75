/// A gradient given at a few coordinates only (an embedding row's lookups): `values[k]` is the
/// gradient at coordinate `indices[k]`; every other coordinate's gradient is zero and, unlike a
/// dense zero, leaves that coordinate's parameters AND optimizer state untouched (the "lazy"
/// update of torch's sparse gradients). Indices may repeat, in any order: repeated coordinates
/// are summed, as torch's `coalesce()` does.
public struct SparseGradient: Sendable, Equatable {
    public var indices: [Int32]
    public var values: [Float]

    public init(indices: [Int32], values: [Float]) {
        self.indices = indices
        self.values = values
    }

    /// The gradient with repeated coordinates summed, sorted by coordinate (torch `coalesce()`).
    /// Duplicates are added in float32 in the order they were given.
    func coalesced() -> SparseGradient {
        let order = indices.indices.sorted { (indices[$0], $0) < (indices[$1], $1) }
        var out = SparseGradient(indices: [], values: [])
        out.indices.reserveCapacity(order.count)
        out.values.reserveCapacity(order.count)
        for k in order {
            if let last = out.indices.last, last == indices[k] {
                out.values[out.values.count - 1] = out.values[out.values.count - 1] + values[k]
            } else {
                out.indices.append(indices[k])
                out.values.append(values[k])
            }
        }
        return out
    }
}

/// Why a sparse gradient was refused. Nothing was changed.
public enum SparseStepError: Error, Sendable, Equatable {
    /// This optimizer, convention or setting has no sparse form (`reason` says which).
    case unsupported(String)
    /// `indices` and `values` differ in length.
    case countMismatch(indices: Int, values: Int)
    /// `indices[position]` is not a coordinate of the session (0 ..< size).
    case indexOutOfRange(position: Int, index: Int, size: Int)
    /// `values[position]` is NaN or infinite.
    case nonFinite(position: Int)

    public var message: String {
        switch self {
        case .unsupported(let reason): reason
        case let .countMismatch(indices, values): "\(indices) indices but \(values) values; they must pair up"
        case let .indexOutOfRange(position, index, size): "indices[\(position)] = \(index) is outside 0..<\(size)"
        case .nonFinite(let position): "values[\(position)] is not a finite float32"
        }
    }
}
