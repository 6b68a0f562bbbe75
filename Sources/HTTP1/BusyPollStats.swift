import Synchronization

/// What the event loops' busy polling did since the server started (see
/// ``HTTPServer/Configuration/busyPoll``): an operator's evidence for or against the CPU it costs.
public struct BusyPollStats: Sendable, Equatable {
    /// Times a loop polled after answering instead of sleeping at once.
    public var polls: UInt64
    /// Polls that ended with a socket ready: each saved a sleep and a wake-up.
    public var hits: UInt64
    /// Time spent polling, hits and misses together.
    public var nanoseconds: UInt64
}

/// The counters behind ``BusyPollStats``, shared by a server's loops: relaxed atomics, one update
/// per poll.
final class BusyPollCounters: Sendable {
    private let polls = Atomic<UInt64>(0)
    private let hits = Atomic<UInt64>(0)
    private let nanoseconds = Atomic<UInt64>(0)

    func record(hit: Bool, nanoseconds spent: UInt64) {
        polls.add(1, ordering: .relaxed)
        if hit { hits.add(1, ordering: .relaxed) }
        nanoseconds.add(spent, ordering: .relaxed)
    }

    var stats: BusyPollStats {
        BusyPollStats(polls: polls.load(ordering: .relaxed), hits: hits.load(ordering: .relaxed),
                      nanoseconds: nanoseconds.load(ordering: .relaxed))
    }
}
