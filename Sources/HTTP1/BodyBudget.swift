import Synchronization

/// The request-body bytes in flight across all connections, capped at
/// ``HTTPLimits/maxInFlightBodyBytes``: 1024 connections each allowed a 1 GiB body would
/// otherwise promise a terabyte.
final class BodyBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes `bytes` from the budget; false (and nothing taken) if that would pass the limit.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            guard current + bytes <= limit else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ bytes: Int) {
        if bytes > 0 { used.subtract(bytes, ordering: .relaxed) }
    }

    var inUse: Int { used.load(ordering: .relaxed) }
}
