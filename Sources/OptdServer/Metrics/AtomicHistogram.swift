import Synchronization

/// A histogram of durations updated with atomics only: an observation is two relaxed atomic
/// adds, whatever the number of threads observing.
final class AtomicHistogram: Sendable {
    let layout: HistogramBuckets
    private let buckets: [AtomicCount]
    private let sumNanoseconds = Atomic<UInt64>(0)

    init(_ layout: HistogramBuckets) {
        self.layout = layout
        buckets = (0...layout.bounds.count).map { _ in AtomicCount() }
    }

    func observe(nanoseconds: UInt64) {
        buckets[layout.index(of: nanoseconds)].add(1)
        sumNanoseconds.add(nanoseconds, ordering: .relaxed)
    }

    /// A render reads each bucket once and derives `_count` from them, so the `+Inf` bucket and
    /// `_count` always agree (the sum may be a moment ahead or behind, as in every client library).
    var counts: HistogramCounts {
        var counts = HistogramCounts(layout)
        for i in buckets.indices { counts.buckets[i] = buckets[i].value }
        counts.sumNanoseconds = sumNanoseconds.load(ordering: .relaxed)
        return counts
    }
}

/// One counter cell: a class, because `Atomic` cannot live in an array.
final class AtomicCount: Sendable {
    private let cell = Atomic<UInt64>(0)
    func add(_ n: UInt64) { cell.add(n, ordering: .relaxed) }
    var value: UInt64 { cell.load(ordering: .relaxed) }
}
