#if canImport(Glibc)
import Glibc
#endif
import HTTP1
import Synchronization

/// Per-request counters: requests by method, route and status, a duration histogram by method
/// and route, and body bytes in and out.
///
/// The label values are bounded: `route` is the matched route pattern (`/v1/sessions/{id}`, never
/// the raw path) or `unmatched`, `method` is a standard method or `other`. The counts live in 16
/// shards, each behind its own lock, and a request updates the shard its thread hashes to: no
/// lock is shared by all requests, and a shard is almost never contended (2 cores, 16 shards).
final class RequestMetrics: Sendable {
    struct Key: Hashable, Sendable {
        var method: String
        var route: String
        var status: Int
    }

    struct RouteKey: Hashable, Sendable {
        var method: String
        var route: String
    }

    struct Totals: Sendable {
        var requests: [Key: UInt64] = [:]
        var durations: [RouteKey: HistogramCounts] = [:]
        var bytesIn: UInt64 = 0
        var bytesOut: UInt64 = 0
    }

    static let unmatchedRoute = "unmatched"
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
    let layout = HistogramBuckets.latency
    private let shards: [Shard] = (0..<16).map { _ in Shard() }

    private final class Shard: Sendable {
        let totals = Mutex(Totals())
    }

    func observe(_ record: AccessRecord) {
        let method = Self.methods.contains(record.method) ? record.method : "other"
        let route = record.route ?? Self.unmatchedRoute
        let layout = layout
        shards[Self.shardIndex()].totals.withLock { t in
            t.requests[Key(method: method, route: route, status: record.status), default: 0] += 1
            t.durations[RouteKey(method: method, route: route), default: HistogramCounts(layout)]
                .observe(record.durationNanoseconds, layout)
            t.bytesIn &+= UInt64(record.bytesIn)
            t.bytesOut &+= UInt64(record.bytesOut)
        }
    }

    /// Every shard added up.
    var totals: Totals {
        var sum = Totals()
        for shard in shards {
            shard.totals.withLock { t in
                sum.requests.merge(t.requests, uniquingKeysWith: +)
                for (key, counts) in t.durations { sum.durations[key, default: HistogramCounts(layout)].add(counts) }
                sum.bytesIn &+= t.bytesIn
                sum.bytesOut &+= t.bytesOut
            }
        }
        return sum
    }

    /// The calling thread's shard: a multiplicative hash of its pthread id (an address).
    private static func shardIndex() -> Int {
        Int(truncatingIfNeeded: (UInt64(pthread_self()) &* 0x9E37_79B9_7F4A_7C15) >> 60)
    }
}
