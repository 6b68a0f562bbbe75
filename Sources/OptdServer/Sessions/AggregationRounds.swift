import Foundation
import OptimizerCore
import Synchronization

/// The open round of one aggregating session (see `AggregateConfig`). Its state lives under
/// `condition`'s lock; waiting workers sleep on it until their round has an outcome or its
/// deadline passes. The K-th worker applies the round while holding the lock, so rounds of a
/// session are applied in the order they completed, and a late retry sees either the open round
/// or the finished step in the session's idempotency cache, never something in between.
final class AggregationRounds: @unchecked Sendable {
    let config: AggregateConfig
    private let condition = NSCondition()
    private var open: Round?
    private var nextNumber: UInt64 = 1

    /// Requests waiting in any round of any session of this process.
    private static let waiting = Atomic<Int>(0)

    private final class Round {
        let number: UInt64
        let deadline: Date
        var contributions: [String: (key: String?, gradient: FloatBuffer)] = [:]
        var outcome: Result<Session.VectorAnswer, ServiceError>?

        init(number: UInt64, deadline: Date) {
            self.number = number
            self.deadline = deadline
        }
    }

    init(config: AggregateConfig) {
        self.config = config
    }

    /// Adds `worker`'s gradient to the open round (opening one if none is) and returns the
    /// round's answer once K workers contributed, or throws its failure.
    ///
    /// `admit` runs first, under the round lock: it returns a replayed answer for a retry of an
    /// applied step, or throws to refuse the request (e.g. If-Match). `apply` gets the mean and
    /// the idempotency keys of the round's workers (as given: the caller scopes them), in worker
    /// order.
    func contribute(worker: String, key: String?, gradient: FloatBuffer,
                    admit: () throws(ServiceError) -> Session.VectorAnswer?,
                    apply: (FloatBuffer, [String]) throws(ServiceError) -> Session.VectorAnswer) throws(ServiceError) -> Session.VectorAnswer {
        condition.lock()
        defer { condition.unlock() }
        if let replayed = try admit() { return replayed }
        let round: Round
        if let open {
            round = open
        } else {
            round = Round(number: nextNumber, deadline: Date().addingTimeInterval(config.timeoutSeconds))
            nextNumber += 1
            open = round
        }
        if let earlier = round.contributions[worker] {
            // The same request again (same key) waits for the round's answer; anything else from
            // a worker that already contributed would be counted twice.
            guard let key, earlier.key == key else {
                throw .duplicateWorker(worker: worker, round: round.number, workers: config.workers)
            }
        } else {
            if round.contributions.count + 1 == config.workers {
                round.contributions[worker] = (key, gradient)
                return try complete(round, apply)
            }
            guard reserveWaiter() else { throw .aggregationBusy(limit: AggregateConfig.maxWaiting) }
            round.contributions[worker] = (key, gradient)
            return try wait(for: round)
        }
        guard reserveWaiter() else { throw .aggregationBusy(limit: AggregateConfig.maxWaiting) }
        return try wait(for: round)
    }

    /// Fails the open round (shutdown): its waiting workers get `error`, nothing is applied.
    func abort(_ error: ServiceError) {
        condition.lock()
        defer { condition.unlock() }
        if let open {
            open.outcome = .failure(error)
            self.open = nil
            condition.broadcast()
        }
    }

    /// Workers already in the open round, by name (`GET /v1/sessions/{id}` shows them).
    var pendingWorkers: [String] {
        condition.lock()
        defer { condition.unlock() }
        return open.map { $0.contributions.keys.sorted() } ?? []
    }

    private func complete(_ round: Round,
                          _ apply: (FloatBuffer, [String]) throws(ServiceError) -> Session.VectorAnswer) throws(ServiceError) -> Session.VectorAnswer {
        open = nil
        let ordered = round.contributions.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let mean = GradientAverage.mean(ordered.map { UnsafeBufferPointer($0.value.gradient.buffer) })
        let keys = ordered.compactMap(\.value.key)
        let outcome: Result<Session.VectorAnswer, ServiceError>
        do throws(ServiceError) {
            outcome = .success(try apply(mean, keys))
        } catch {
            outcome = .failure(error)
        }
        round.outcome = outcome
        condition.broadcast()
        return try outcome.get()
    }

    /// Waits (holding a reserved waiter slot) until `round` has an outcome or its deadline.
    private func wait(for round: Round) throws(ServiceError) -> Session.VectorAnswer {
        defer { Self.waiting.subtract(1, ordering: .relaxed) }
        while round.outcome == nil {
            if !condition.wait(until: round.deadline), round.outcome == nil {
                round.outcome = .failure(.roundTimeout(round: round.number, seconds: config.timeoutSeconds,
                                                       arrived: round.contributions.keys.sorted(), workers: config.workers))
                if open === round { open = nil }
                condition.broadcast()
            }
        }
        return try round.outcome!.get()
    }

    private func reserveWaiter() -> Bool {
        if Self.waiting.add(1, ordering: .relaxed).newValue <= AggregateConfig.maxWaiting { return true }
        Self.waiting.subtract(1, ordering: .relaxed)
        return false
    }
}
