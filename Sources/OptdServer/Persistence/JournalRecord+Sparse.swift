import OptimizerCore

/// The body of a `sparse` record, after its key: `u32 count | count × i32 index | count × f32
/// value` (little-endian), the gradient as the client sent it (repeats and order kept).
extension JournalRecord {
    static func sparseBody(_ g: SparseGradient) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + 8 * g.indices.count)
        withUnsafeBytes(of: UInt32(g.indices.count).littleEndian) { out.append(contentsOf: $0) }
        for i in g.indices { withUnsafeBytes(of: i.littleEndian) { out.append(contentsOf: $0) } }
        for v in g.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// The gradient of a `sparse` record; nil when the body does not hold one.
    var sparseGradient: SparseGradient? {
        body.withUnsafeBytes { (p) -> SparseGradient? in
            guard p.count >= 4 else { return nil }
            let count = Int(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
            guard p.count == 4 + 8 * count else { return nil }
            let indices = (0..<count).map { Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 + 4 * $0, as: Int32.self)) }
            let values = (0..<count).map {
                Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 + 4 * count + 4 * $0, as: UInt32.self)))
            }
            return SparseGradient(indices: indices, values: values)
        }
    }
}
