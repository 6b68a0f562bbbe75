/// Upper bounds of a histogram's buckets, in seconds, and where a duration falls among them.
struct HistogramBuckets: Sendable {
    let bounds: [Double]
    private let boundsNanoseconds: [UInt64]

    init(_ bounds: [Double]) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bucket bounds must increase")
        self.bounds = bounds
        boundsNanoseconds = bounds.map { UInt64($0 * 1e9) }
    }

    /// Requests and steps: 100 µs (a small step on loopback) to 10 s (a 1 GiB body).
    static let latency = HistogramBuckets([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    /// Snapshots: 1 ms (a small session) to 60 s (gigabytes through fsync).
    static let snapshot = HistogramBuckets([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                            1, 2.5, 5, 10, 30, 60])

    /// The bucket a duration is counted in: the first whose bound it does not exceed (`le`), or
    /// `bounds.count` for the +Inf bucket.
    func index(of nanoseconds: UInt64) -> Int {
        var low = 0, high = boundsNanoseconds.count
        while low < high {
            let mid = (low + high) / 2
            if nanoseconds <= boundsNanoseconds[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

/// A histogram's per-bucket (not cumulative) counts and the sum of what it observed, as a
/// value: what a lock-guarded shard holds, and what a render reads.
struct HistogramCounts: Sendable {
    var buckets: [UInt64]
    var sumNanoseconds: UInt64 = 0

    init(_ layout: HistogramBuckets) { buckets = Array(repeating: 0, count: layout.bounds.count + 1) }

    mutating func observe(_ nanoseconds: UInt64, _ layout: HistogramBuckets) {
        buckets[layout.index(of: nanoseconds)] += 1
        sumNanoseconds &+= nanoseconds
    }

    mutating func add(_ other: HistogramCounts) {
        for i in buckets.indices { buckets[i] += other.buckets[i] }
        sumNanoseconds &+= other.sumNanoseconds
    }
}
