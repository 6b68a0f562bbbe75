/// The parameters a kernel updates, and optionally a second array that every updated lane is
/// stored to as well: a step's answer, so the caller sends it without copying the parameters
/// afterwards (a pass of its own over 2 × 4 bytes per coordinate; perf: 8 % of a 1M-float raw
/// step). The extra store is free in the kernels bound by their divisions and square roots.
///
/// `answer` may be the kernel's own gradient: every kernel stores the parameters last in a
/// lane, after it has loaded everything it reads there.
@frozen public struct ParamsColumn: @unchecked Sendable {
    public let column: Column
    public let answer: Column?

    @inlinable public init(_ base: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>?) {
        column = Column(base)
        self.answer = answer.map(Column.init)
    }

    @inlinable @inline(__always)
    public func load(_ i: Int, _ count: Int) -> Lane { column.load(i, count) }

    @inlinable @inline(__always)
    public func store(_ lane: Lane, _ i: Int, _ count: Int) {
        column.store(lane, i, count)
        answer?.store(lane, i, count)
    }
}
