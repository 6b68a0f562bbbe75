/// A fixed-size, 64-byte-aligned float32 array with a stable address.
///
/// Parameters and optimizer state live here rather than in `[Float]` so that kernels can hold
/// pointers to several buffers at once without exclusivity checks or copy-on-write, and so that
/// a raw float32 request body can be read straight into one. It is a class because identity is
/// the point: a session's buffers are mutated in place. Sessions serialise their own access, hence
/// `@unchecked Sendable`.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    /// A buffer of `count` copies of `value`.
    public init(count: Int, repeating value: Float = 0) {
        precondition(count >= 0, "FloatBuffer count must not be negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: value, count: count)
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: some Collection<Float>) {
        self.init(count: values.count)
        _ = UnsafeMutableBufferPointer(start: base, count: count).initialize(from: values)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }

    public subscript(index: Int) -> Float {
        get { buffer[index] }
        set { buffer[index] = newValue }
    }

    /// A copy, e.g. for a snapshot taken while the session goes on.
    public func copy() -> FloatBuffer { FloatBuffer(buffer) }

    /// The contents as an array (tests, small vectors).
    public var array: [Float] { Array(buffer) }

    /// Overwrites every element with `value`.
    public func fill(_ value: Float) { base.update(repeating: value, count: count) }

    /// Overwrites the contents with `source`, which must have the same count.
    public func assign(from source: UnsafeBufferPointer<Float>) {
        precondition(source.count == count, "FloatBuffer.assign: count mismatch")
        if let start = source.baseAddress { base.update(from: start, count: count) }
    }
}

extension FloatBuffer: Equatable {
    /// Bitwise-equal contents (so that NaNs with equal bits compare equal and -0 != +0).
    public static func == (lhs: FloatBuffer, rhs: FloatBuffer) -> Bool {
        lhs.count == rhs.count && (0..<lhs.count).allSatisfy { lhs.base[$0].bitPattern == rhs.base[$0].bitPattern }
    }
}
