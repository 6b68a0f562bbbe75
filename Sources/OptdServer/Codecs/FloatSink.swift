/// Where a JSON number array lands: float32s written straight into caller-owned memory, with no
/// intermediate `[Double]` or per-element allocation.
///
/// With a fixed capacity (a step's gradient of known size) elements past it are counted but not
/// stored, so a too-long array costs no memory and is reported as a length mismatch. A growable
/// sink (a create body's `params`) doubles its storage as it fills.
package struct FloatSink: ~Copyable {
    private(set) var base: UnsafeMutablePointer<Float>
    private(set) var capacity: Int
    package private(set) var count = 0
    private let growable: Bool
    private let owned: Bool

    /// A sink writing into `buffer`, which the caller owns.
    package init(into buffer: UnsafeMutableBufferPointer<Float>) {
        base = buffer.baseAddress ?? UnsafeMutablePointer<Float>.allocate(capacity: 1)
        capacity = buffer.count
        growable = false
        owned = buffer.baseAddress == nil
    }

    /// A sink that owns and grows its storage.
    package init(growingFrom initialCapacity: Int = 1024) {
        capacity = max(initialCapacity, 16)
        base = .allocate(capacity: capacity)
        growable = true
        owned = true
    }

    deinit { if owned { base.deallocate() } }

    @inline(__always)
    mutating func append(_ value: Float) {
        if count < capacity {
            base[count] = value
        } else if growable {
            grow()
            base[count] = value
        }
        count += 1
    }

    /// The elements stored (the first `min(count, capacity)`).
    package var stored: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: base, count: min(count, capacity)) }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Float>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: capacity)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}
